/*
 * Exceptions and interrupts: the saved register frame, the IRQ handlers and their controller.
 * The IDT and exception dispatch are in arch/x86_64/idt.c; the IRQ handlers, their controller
 * and the recovery of an IRQ whose entry overran the stack in arch/x86_64/irq.c.
 */
#ifndef ARCH_IDT_H
#define ARCH_IDT_H

#include "kernel/lib/types.h"

/* What arch/x86_64/entry.asm saves on every exception and interrupt, lowest address first. */
struct pt_regs {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error_code;
	/* pushed by the CPU */
	u64 rip, cs, rflags, rsp, ss;
};

#define X86_TRAP_DE  0
#define X86_TRAP_DB  1
#define X86_TRAP_NMI 2
#define X86_TRAP_BP  3
#define X86_TRAP_UD  6
#define X86_TRAP_DF  8
#define X86_TRAP_GP  13
#define X86_TRAP_PF  14
#define X86_TRAP_MC  18
#define IRQ_BASE     32
#define NR_IRQS	     16
/* Vectors 240-255 belong to the local APIC: IPIs and its spurious vector. */
#define FIRST_SYSTEM_VECTOR 240
#define NR_SYSTEM_VECTORS   16

/* #PF error code bits (Intel SDM vol. 3, "Interrupt 14—Page-Fault Exception"). */
#define PF_PROT	 (1 << 0) /* 0: page not present, 1: protection violation */
#define PF_WRITE (1 << 1)
#define PF_USER	 (1 << 2)
#define PF_RSVD	 (1 << 3)
#define PF_INSTR (1 << 4)

typedef void (*irq_handler_t)(struct pt_regs *regs);

/*
 * The controller that delivers IRQs 0-15 on vectors IRQ_BASE.. : the 8259 PIC at boot, the I/O
 * APIC once kernel/drivers/ioapic.c takes over. in_service: bit n set if IRQ n was delivered and
 * has had no EOI yet.
 */
struct irq_chip {
	const char *name;
	void (*unmask)(unsigned int irq);
	void (*eoi)(unsigned int irq);
	bool (*is_spurious)(unsigned int irq);
	u16 (*in_service)(void);
	void (*disable)(void); /* mask every line, for good */
};

void idt_init(void);
void request_irq(unsigned int irq, irq_handler_t handler);
/*
 * Hand IRQs 0-15 to another controller, interrupts off: every line with a handler is unmasked
 * on the new one, then the old one is disabled.
 */
void set_irq_chip(const struct irq_chip *chip);
const struct irq_chip *irq_chip(void);
/* IRQs delivered and not yet finished (bit n: IRQ n), whichever controller delivers them. */
u16 irq_in_service(void);
/*
 * Handle a local APIC vector (FIRST_SYSTEM_VECTOR..255) on the IRQ stack, in IRQ context. The
 * handler sends its own EOI (the APIC's, not the PIC's), if the vector needs one.
 */
void request_sysvec(unsigned int vector, irq_handler_t handler);
/* Load the IDT on this CPU (idt_init() does it on the boot CPU; an AP does it when it starts). */
void idt_load(void);

struct jmp_buf;
/*
 * The two ways an exception handler leaves its frame other than by returning into the code
 * that faulted. exception_abandon(): the frame is never returned to (its task is being killed).
 * exception_resume_longjmp(): the return from the exception lands in kernel_longjmp(jb, val).
 */
void exception_abandon(void);
/* Is addr in the exception and interrupt entry code (arch/x86_64/entry.asm)? */
bool in_entry_text(u64 addr);
/*
 * After a stack overflow in interrupt entry or delivery: the CPU took an interrupt whose handler
 * never ran and the PIC waits for its EOI - no more ticks or input until it gets one. Run the
 * handler now, acknowledge it, and leave IRQ context (the frames it was in are abandoned).
 */
void irq_complete_lost(struct pt_regs *regs);
/* The same for a local APIC vector the caller found in service (kernel/drivers/apic.c). */
void sysvec_complete_lost(unsigned int vector, struct pt_regs *regs);
void exception_resume_longjmp(struct pt_regs *regs, struct jmp_buf *jb, int val);

#endif
