; The context switch. __switch_to_asm(save_rsp, load_rsp, prev) pushes the callee-saved registers
; on the current stack, stores RSP in *save_rsp, loads load_rsp, pops the next task's callee-saved
; registers and returns on its stack, with RAX = prev. The caller-saved registers need no saving:
; the C compiler already assumes a call clobbers them.
;
; A new task's stack is prepared (kernel/task.c) to look like a task that called
; __switch_to_asm: six zero registers, then the address of ret_from_kthread.

bits 64
section .text

extern kthread_start

global __switch_to_asm
__switch_to_asm:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov [rdi], rsp
	mov rsp, rsi
	mov rax, rdx
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret

; The first thing a new task runs: kthread_start(prev) finishes the switch and calls the task's
; function. RBP is 0 so backtraces end here.
global ret_from_kthread
ret_from_kthread:
	mov rdi, rax
	xor ebp, ebp
	call kthread_start
	ud2				; kthread_start never returns

; call_on_stack(stack_top, fn, arg): call fn(arg) with RSP = stack_top, then come back to the
; stack we were on. RBP keeps the frame chain, so a backtrace from fn leads back here.
global call_on_stack
call_on_stack:
	push rbp
	mov rbp, rsp
	mov rsp, rdi
	mov rdi, rdx
	call rsi
	mov rsp, rbp
	pop rbp
	ret
