; Exception and interrupt entry: one small stub per vector, then a common path that saves the
; registers as a struct pt_regs (arch/x86_64/idt.h) and calls C.
;
; vector  name                          error code  stack      stub
;   0     #DE divide error              no          current    isr0
;   1     #DB debug                     no          current    isr1
;   2     NMI                           no          IST2       isr2
;   3     #BP breakpoint                no          current    isr3
;   4     #OF overflow                  no          current    isr4
;   5     #BR bound range exceeded      no          current    isr5
;   6     #UD invalid opcode            no          current    isr6
;   7     #NM device not available      no          current    isr7
;   8     #DF double fault              yes (0)     IST1       isr8
;   9     coprocessor segment overrun   no          current    isr9
;  10     #TS invalid TSS               yes         current    isr10
;  11     #NP segment not present       yes         current    isr11
;  12     #SS stack-segment fault       yes         current    isr12
;  13     #GP general protection        yes         current    isr13
;  14     #PF page fault                yes         current    isr14
;  15     reserved                      no          current    isr15
;  16     #MF x87 floating point        no          current    isr16
;  17     #AC alignment check           yes         current    isr17
;  18     #MC machine check             no          IST3       isr18
;  19     #XM SIMD floating point       no          current    isr19
;  20     #VE virtualization            no          current    isr20
;  21     #CP control protection        yes         current    isr21
; 22-28   reserved                      no          current    isr22..isr28
;  29     #VC VMM communication         yes         current    isr29
;  30     #SX security                  yes         current    isr30
;  31     reserved                      no          current    isr31
; 32-47   IRQ 0-15 of the 8259 PICs     no          IRQ stack  irq0..irq15 (IRQ 0 the timer,
;                                                              1 the keyboard, 4 the serial port)
;
; Error codes: Intel SDM vol. 3, table "Protected-Mode Exceptions and Interrupts". IST slots:
; ist_for_vector() in idt.c. Every stub leaves the same frame: error code (real or 0), vector.
;
; Exceptions run on the stack they interrupted (or their IST stack). An IRQ saves its registers
; on the interrupted stack - 176 bytes with the CPU's own frame - and runs its handler on the
; per-CPU IRQ stack, as Linux does, so a handler never adds its frames to a task's stack. The
; code lives in .entry.text, so that a fault here is known for what it is (kernel/fault.c).

bits 64
section .entry.text

extern trap_dispatch
extern do_irq
extern irq_exit

PERCPU_IRQ_DEPTH equ 12		; offsets in struct percpu (arch/x86_64/percpu.h)
PERCPU_IRQ_STACK_TOP equ 16

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

; The depth goes up before anything is pushed: if the pushes overflow the stack, the #DF
; handler knows an interrupt was being entered.
%macro IRQ 1
irq%1:
	inc dword [gs:PERCPU_IRQ_DEPTH]
	push 0
	push 32 + %1
	jmp irq_common
%endmacro

ISR_NOERR 0
ISR_NOERR 1
ISR_NOERR 2
ISR_NOERR 3
ISR_NOERR 4
ISR_NOERR 5
ISR_NOERR 6
ISR_NOERR 7
ISR_ERR 8
ISR_NOERR 9
ISR_ERR 10
ISR_ERR 11
ISR_ERR 12
ISR_ERR 13
ISR_ERR 14
ISR_NOERR 15
ISR_NOERR 16
ISR_ERR 17
ISR_NOERR 18
ISR_NOERR 19
ISR_NOERR 20
ISR_ERR 21
ISR_NOERR 22
ISR_NOERR 23
ISR_NOERR 24
ISR_NOERR 25
ISR_NOERR 26
ISR_NOERR 27
ISR_NOERR 28
ISR_ERR 29
ISR_ERR 30
ISR_NOERR 31
IRQ 0
IRQ 1
IRQ 2
IRQ 3
IRQ 4
IRQ 5
IRQ 6
IRQ 7
IRQ 8
IRQ 9
IRQ 10
IRQ 11
IRQ 12
IRQ 13
IRQ 14
IRQ 15

%macro SAVE_REGS 0
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
%endmacro

%macro RESTORE_REGS 0
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
%endmacro

isr_common:
	SAVE_REGS
	mov rdi, rsp
	; The CPU aligned RSP to 16 before its push, and we pushed 22 quadwords: still aligned.
	call trap_dispatch
	RESTORE_REGS
	iretq

irq_common:
	SAVE_REGS
	mov rdi, rsp			; struct pt_regs *, on the interrupted stack
	mov rbx, rsp			; callee-saved: survives do_irq
	mov rax, [gs:PERCPU_IRQ_STACK_TOP]
	test rax, rax
	jz .on_this_stack		; early boot: no IRQ stack yet
	mov rsp, rax
.on_this_stack:
	call do_irq			; the handler and the EOI, on the IRQ stack
	mov rsp, rbx
	mov rdi, rsp
	call irq_exit			; back on the interrupted stack: preemption may switch here
	RESTORE_REGS
	iretq

section .rodata
global isr_stub_table
isr_stub_table:
%assign i 0
%rep 32
	dq isr%+i
%assign i i + 1
%endrep
%assign i 0
%rep 16
	dq irq%+i
%assign i i + 1
%endrep
