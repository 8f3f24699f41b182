/*
 * The C side of interrupt entry: do_irq() sends each IRQ to the driver that asked for it and
 * acknowledges it on the controller that delivered it (the 8259 PIC, or the I/O APIC once it
 * takes over), irq_exit() leaves IRQ context and may preempt. After a stack overflow in
 * interrupt entry, irq_complete_lost() runs the handler whose entry was cut short. The IDT's
 * gates and the exceptions are in arch/x86_64/idt.c.
 */
#include "arch/x86_64/irq.h"
#include "arch/x86_64/core.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/percpu.h"
#include "kernel/printk/printk.h"

static irq_handler_t irq_handlers[NR_IRQS];
static const struct irq_chip *chip = &pic_chip;
static irq_handler_t sysvec_handlers[NR_SYSTEM_VECTORS];

void request_irq(unsigned int irq, irq_handler_t handler)
{
	irq_handlers[irq] = handler;
	chip->unmask(irq);
}

void request_sysvec(unsigned int vector, irq_handler_t handler)
{
	sysvec_handlers[vector - FIRST_SYSTEM_VECTOR] = handler;
}

void set_irq_chip(const struct irq_chip *new_chip)
{
	const struct irq_chip *old = chip;
	unsigned int irq;

	for (irq = 0; irq < NR_IRQS; irq++) {
		if (irq_handlers[irq])
			new_chip->unmask(irq);
	}
	chip = new_chip;
	old->disable();
}

const struct irq_chip *irq_chip(void)
{
	return chip;
}

u16 irq_in_service(void)
{
	return chip->in_service();
}

/* The first half of an IRQ, on the IRQ stack: the driver's handler, then the EOI. */
void do_irq(struct pt_regs *regs)
{
	unsigned int irq = regs->vector - IRQ_BASE;

	if (regs->vector >= FIRST_SYSTEM_VECTOR) {
		irq_handler_t h = sysvec_handlers[regs->vector - FIRST_SYSTEM_VECTOR];

		if (h)
			h(regs);
		else
			printk(KERN_ERR "CPU %u: unexpected interrupt on vector %lu\n",
			       this_cpu()->cpu, regs->vector);
		return;
	}

	if (chip->is_spurious(irq))
		return;
	if (irq_handlers[irq])
		irq_handlers[irq](regs);
	/* EOI before sched_irq_exit(): it may switch tasks, and the PIC must not wait for that. */
	chip->eoi(irq);
}

/* The second half, back on the interrupted stack: leave IRQ context, maybe preempt. */
void irq_exit(struct pt_regs *regs)
{
	struct percpu *cpu = this_cpu();

	cpu->irq_depth--;
	if (cpu->irq_depth == 0)
		sched_irq_exit(regs);
}

void irq_complete_lost(struct pt_regs *regs)
{
	struct percpu *cpu = this_cpu();
	unsigned int irq;
	u16 lost;

	/* Whatever interrupt this CPU was entering is abandoned with the frames it pushed. */
	cpu->irq_depth = 0;
	/* ISA IRQs go to the boot CPU only (both chips): what is in service there is not ours. */
	if (cpu->cpu != 0)
		return;
	lost = chip->in_service();
	for (irq = 0; irq < NR_IRQS; irq++) {
		if (!(lost & (1u << irq)))
			continue;
		printk(KERN_EMERG "IRQ %u was taken but its entry overran the stack: handled now\n",
		       irq);
		cpu->irq_depth++;
		if (irq_handlers[irq])
			irq_handlers[irq](regs);
		cpu->irq_depth--;
		chip->eoi(irq);
	}
}

void sysvec_complete_lost(unsigned int vector, struct pt_regs *regs)
{
	irq_handler_t h = sysvec_handlers[vector - FIRST_SYSTEM_VECTOR];

	printk(KERN_EMERG
	       "APIC vector %#x was taken but its entry overran the stack: handled now\n",
	       vector);
	this_cpu()->irq_depth++;
	if (h)
		h(regs); /* its handler sends the APIC's EOI */
	this_cpu()->irq_depth--;
}
