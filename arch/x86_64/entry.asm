; Exception and interrupt entry: one small stub per vector, then a common path that saves the
; registers as a struct pt_regs (arch/x86_64/idt.h) and calls C.
;
; vector  mnemonic  name                           error code  stack      stub
;   0     #DE       divide error                   no          current    isr0
;   1     #DB       debug                          no          current    isr1
;   2     NMI       non-maskable interrupt         no          IST2       isr2
;   3     #BP       breakpoint                     no          current    isr3
;   4     #OF       overflow                       no          current    isr4
;   5     #BR       BOUND range exceeded           no          current    isr5
;   6     #UD       invalid opcode                 no          current    isr6
;   7     #NM       device not available           no          current    isr7
;   8     #DF       double fault                   yes (0)     IST1       isr8
;   9     -         coprocessor segment overrun    no          current    isr9
;  10     #TS       invalid TSS                    yes         current    isr10
;  11     #NP       segment not present            yes         current    isr11
;  12     #SS       stack-segment fault            yes         current    isr12
;  13     #GP       general protection             yes         current    isr13
;  14     #PF       page fault                     yes         current    isr14
;  15     -         reserved                       no          current    isr15
;  16     #MF       x87 floating-point error       no          current    isr16
;  17     #AC       alignment check                yes (0)     current    isr17
;  18     #MC       machine check                  no          IST3       isr18
;  19     #XM       SIMD floating-point            no          current    isr19
;  20     #VE       virtualization                 no          current    isr20
;  21     #CP       control protection             yes         current    isr21
; 22-27   -         reserved                       no          current    isr22..isr27
;  28     #HV       hypervisor injection (AMD)     no          current    isr28
;  29     #VC       VMM communication (AMD)        yes         current    isr29
;  30     #SX       security (AMD)                 yes         current    isr30
;  31     -         reserved                       no          current    isr31
; 32-47   IRQ 0-15  the 8259 PICs' interrupts      no          IRQ stack  irq0..irq15
; 240-255 -         local APIC vectors (IPIs)      no          IRQ stack  sysvec240..sysvec255
;
; (IRQ 0 is the timer, 1 the keyboard, 4 the serial port; "IRQ stack": the registers are saved
; on the interrupted stack, the handler runs on the IRQ stack, see below.)
;
; Error codes: vectors 0-21, Intel SDM vol. 3A, table 6-1 "Protected-Mode Exceptions and
; Interrupts" (22-31 are reserved there); 28-30, AMD APM vol. 2, table 8-1. Only exceptions the
; CPU raises push one: an INT n or an external interrupt on those vectors would not. IST slots:
; ist_for_vector() in idt.c, IST_DF/IST_NMI/IST_MCE in gdt.h. Every stub leaves the same frame:
; error code (real or 0), vector. isr_stub_table at the end gives idt_init() their addresses.
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
extern stackleak_erase
extern uaccess_smap

%include "generated/asm-offsets.inc"	; PERCPU_*, PT_*, MSR_GS_BASE: arch/x86_64/asm-offsets.c

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

; NMI, #DF and #MC can arrive anywhere, also where the saved CS does not tell whose GS base is
; loaded: between a swapgs and the sysret or iretq to ring 3, or before syscall_entry's swapgs.
; These go to isr_paranoid, which asks the MSR instead (as Linux's paranoid entry does).
%macro ISR_PARANOID 2
isr%1:
%if %2
	push 0
%endif
	push %1
	jmp isr_paranoid
%endmacro

; From ring 3, GS base is the user's until swapgs: every path that comes from ring 3 swaps it
; first thing (the saved CS says where we came from, at `cs_offset` above RSP), and swaps it
; back just before the iretq to ring 3. From ring 0 it is already the kernel's and stays.
%macro SWAPGS_IF_USER 1
	test byte [rsp + %1], 3
	jz %%kernel
	swapgs
%%kernel:
%endmacro

; With SMAP, RFLAGS.AC set means "user memory allowed". An interrupt gate does not clear it, so
; an interrupt from ring 3 (where AC is the program's to set) or from inside a user copy would
; run its handler with SMAP off: every entry clears it (iretq restores the interrupted value).
; clac is an invalid opcode without SMAP, hence the test.
%macro CLAC_IF_SMAP 0
	test byte [rel uaccess_smap], 1
	jz %%no
	clac
%%no:
%endmacro

; The depth goes up before anything is pushed: if the pushes overflow the stack, the #DF
; handler knows an interrupt was being entered.
%macro IRQ 1
irq%1:
	SWAPGS_IF_USER 8
	CLAC_IF_SMAP
	inc dword [gs:PERCPU_IRQ_DEPTH]
	push 0
	push 32 + %1
	jmp irq_common
%endmacro

ISR_NOERR 0	; #DE divide error
ISR_NOERR 1	; #DB debug
ISR_PARANOID 2, 1	; NMI (IST2)
ISR_NOERR 3	; #BP breakpoint
ISR_NOERR 4	; #OF overflow
ISR_NOERR 5	; #BR BOUND range exceeded
ISR_NOERR 6	; #UD invalid opcode
ISR_NOERR 7	; #NM device not available
ISR_PARANOID 8, 0	; #DF double fault (IST1)
ISR_NOERR 9	; coprocessor segment overrun
ISR_ERR 10	; #TS invalid TSS
ISR_ERR 11	; #NP segment not present
ISR_ERR 12	; #SS stack-segment fault
ISR_ERR 13	; #GP general protection
ISR_ERR 14	; #PF page fault
ISR_NOERR 15	; reserved
ISR_NOERR 16	; #MF x87 floating-point error
ISR_ERR 17	; #AC alignment check
ISR_PARANOID 18, 1	; #MC machine check (IST3)
ISR_NOERR 19	; #XM SIMD floating-point
ISR_NOERR 20	; #VE virtualization
ISR_ERR 21	; #CP control protection
ISR_NOERR 22	; reserved
ISR_NOERR 23	; reserved
ISR_NOERR 24	; reserved
ISR_NOERR 25	; reserved
ISR_NOERR 26	; reserved
ISR_NOERR 27	; reserved
ISR_NOERR 28	; #HV hypervisor injection
ISR_ERR 29	; #VC VMM communication
ISR_ERR 30	; #SX security
ISR_NOERR 31	; reserved
IRQ 0		; vector 32: timer (PIT)
IRQ 1		; vector 33: keyboard
IRQ 2		; vector 34: cascade from the second PIC
IRQ 3		; vector 35
IRQ 4		; vector 36: serial port COM1
IRQ 5		; vector 37
IRQ 6		; vector 38
IRQ 7		; vector 39 (also the first PIC's spurious IRQ)
IRQ 8		; vector 40
IRQ 9		; vector 41
IRQ 10		; vector 42
IRQ 11		; vector 43
IRQ 12		; vector 44
IRQ 13		; vector 45
IRQ 14		; vector 46
IRQ 15		; vector 47 (also the second PIC's spurious IRQ)

; The local APIC's own vectors, 240-255 (FIRST_SYSTEM_VECTOR in idt.h): IPIs between CPUs and
; the APIC's spurious vector. Same frame and path as an IRQ.
%assign v 240
%rep 16
sysvec%[v]:
	SWAPGS_IF_USER 8
	CLAC_IF_SMAP
	inc dword [gs:PERCPU_IRQ_DEPTH]
	push 0
	push v
	jmp irq_common
%assign v v + 1
%endrep

%include "arch/x86_64/pt_regs.inc"

; Back to ring 3 (the saved CS says so): poison what this entry used of the task's stack, with
; interrupts off until the iretq (kernel/user/stackleak.c). RSP is where the C call was made.
%macro STACKLEAK_ERASE_IF_USER 0
	test byte [rsp + PT_CS], 3
	jz %%kernel
	cli
	call stackleak_erase
%%kernel:
%endmacro

isr_common:
	SWAPGS_IF_USER 24		; above the vector and the error code
	CLAC_IF_SMAP
	SAVE_REGS
	mov rdi, rsp
	; The CPU aligned RSP to 16 before its push, and we pushed 22 quadwords: still aligned.
	call trap_dispatch
	STACKLEAK_ERASE_IF_USER
	RESTORE_REGS
	SWAPGS_IF_USER 8
	iretq

; The kernel's GS base is a kernel address (negative); anything else is the user's. Swap if it
; is the user's, and swap back just before the iretq: r12 (callee-saved) remembers, and nothing
; after that swapgs uses GS. A #DF that kills its task never returns here: GS is the kernel's.
isr_paranoid:
	SAVE_REGS
	xor r12d, r12d
	mov ecx, MSR_GS_BASE
	rdmsr				; edx: the high half of the GS base
	test edx, edx
	js .kernel_gs
	swapgs
	mov r12d, 1
.kernel_gs:
	CLAC_IF_SMAP
	mov rdi, rsp
	call trap_dispatch
	test r12d, r12d
	jz .no_swap
	swapgs
.no_swap:
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
	STACKLEAK_ERASE_IF_USER
	RESTORE_REGS
	SWAPGS_IF_USER 8
	iretq

section .rodata
; The stubs' addresses by vector, for idt_init() (idt.c: isr_stub_table[NR_VECTORS]).
global isr_stub_table
isr_stub_table:
	dq isr0, isr1, isr2, isr3, isr4, isr5, isr6, isr7	; vectors 0-7
	dq isr8, isr9, isr10, isr11, isr12, isr13, isr14, isr15	; vectors 8-15
	dq isr16, isr17, isr18, isr19, isr20, isr21, isr22, isr23	; vectors 16-23
	dq isr24, isr25, isr26, isr27, isr28, isr29, isr30, isr31	; vectors 24-31
	dq irq0, irq1, irq2, irq3, irq4, irq5, irq6, irq7	; vectors 32-39
	dq irq8, irq9, irq10, irq11, irq12, irq13, irq14, irq15	; vectors 40-47

global sysvec_stub_table
sysvec_stub_table:
%assign v 240
%rep 16
	dq sysvec%[v]
%assign v v + 1
%endrep
