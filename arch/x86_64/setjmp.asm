; kernel_setjmp(jb) saves the callee-saved registers, the stack pointer and the return address;
; kernel_longjmp(jb, val) restores them and returns val (never 0) from kernel_setjmp again.
bits 64
section .text

%include "generated/asm-offsets.inc"	; JB_*: struct jmp_buf's offsets, arch/x86_64/asm-offsets.c

global kernel_setjmp
kernel_setjmp:
	mov [rdi + JB_RBX], rbx
	mov [rdi + JB_RBP], rbp
	mov [rdi + JB_R12], r12
	mov [rdi + JB_R13], r13
	mov [rdi + JB_R14], r14
	mov [rdi + JB_R15], r15
	lea rax, [rsp + 8]		; the caller's RSP after our return
	mov [rdi + JB_RSP], rax
	mov rax, [rsp]			; our return address
	mov [rdi + JB_RIP], rax
	xor eax, eax
	ret

global kernel_longjmp
kernel_longjmp:
	mov eax, esi
	test eax, eax
	jnz .nonzero
	inc eax
.nonzero:
	mov rbx, [rdi + JB_RBX]
	mov rbp, [rdi + JB_RBP]
	mov r12, [rdi + JB_R12]
	mov r13, [rdi + JB_R13]
	mov r14, [rdi + JB_R14]
	mov r15, [rdi + JB_R15]
	mov rsp, [rdi + JB_RSP]
	jmp [rdi + JB_RIP]
