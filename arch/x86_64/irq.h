/*
 * Interrupts from devices and from the local APIC: their handlers, the controller that delivers
 * IRQs 0-15, and the recovery of an interrupt whose entry overran the stack (arch/x86_64/irq.c).
 * The IDT's gates and the exceptions are in arch/x86_64/idt.h.
 */
#ifndef ARCH_IRQ_H
#define ARCH_IRQ_H

#include "arch/x86_64/idt.h"
#include "kernel/lib/types.h"

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
/*
 * After a stack overflow in interrupt entry or delivery: the CPU took an interrupt whose handler
 * never ran and the PIC waits for its EOI - no more ticks or input until it gets one. Run the
 * handler now, acknowledge it, and leave IRQ context (the frames it was in are abandoned).
 */
void irq_complete_lost(struct pt_regs *regs);
/* The same for a local APIC vector the caller found in service (kernel/drivers/apic.c). */
void sysvec_complete_lost(unsigned int vector, struct pt_regs *regs);

#endif
