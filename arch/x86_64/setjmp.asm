; kernel_setjmp(jb) saves the callee-saved registers, the stack pointer and the return address;
; kernel_longjmp(jb, val) restores them and returns val (never 0) from kernel_setjmp again.
bits 64
section .text

global kernel_setjmp
kernel_setjmp:
	mov [rdi + 0], rbx
	mov [rdi + 8], rbp
	mov [rdi + 16], r12
	mov [rdi + 24], r13
	mov [rdi + 32], r14
	mov [rdi + 40], r15
	lea rax, [rsp + 8]		; the caller's RSP after our return
	mov [rdi + 48], rax
	mov rax, [rsp]			; our return address
	mov [rdi + 56], rax
	xor eax, eax
	ret

global kernel_longjmp
kernel_longjmp:
	mov eax, esi
	test eax, eax
	jnz .nonzero
	inc eax
.nonzero:
	mov rbx, [rdi + 0]
	mov rbp, [rdi + 8]
	mov r12, [rdi + 16]
	mov r13, [rdi + 24]
	mov r14, [rdi + 32]
	mov r15, [rdi + 40]
	mov rsp, [rdi + 48]
	jmp [rdi + 56]
