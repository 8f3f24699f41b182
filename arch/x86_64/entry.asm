; Exception and interrupt entry. Every vector gets a small stub that makes the stack look the
; same (an error code, real or 0, and the vector number), then isr_common saves the registers as
; a struct pt_regs and calls trap_dispatch(regs) in C.

bits 64
section .text

extern trap_dispatch

%macro ISR_NOERR 1
isr%1:
	push 0
	push %1
	jmp isr_common
%endmacro

%macro ISR_ERR 1
isr%1:
	push %1
	jmp isr_common
%endmacro

; Vectors where the CPU pushes an error code (Intel SDM vol. 3, table "Exceptions and Interrupts").
%assign i 0
%rep 48
%if i == 8 || i == 10 || i == 11 || i == 12 || i == 13 || i == 14 || i == 17 || i == 21 || i == 29 || i == 30
	ISR_ERR i
%else
	ISR_NOERR i
%endif
%assign i i + 1
%endrep

isr_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	cld
	mov rdi, rsp
	; The CPU aligned RSP to 16 before its push, and we pushed 22 quadwords: still aligned.
	call trap_dispatch
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16			; vector and error code
	iretq

section .rodata
global isr_stub_table
isr_stub_table:
%assign i 0
%rep 48
	dq isr%+i
%assign i i + 1
%endrep
