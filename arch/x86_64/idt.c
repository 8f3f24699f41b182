/*
 * The IDT and the C side of interrupt entry: trap_dispatch() sends exceptions to the core's
 * policy by name (arch/x86_64/core.h) and interrupts to the driver that asked for the IRQ.
 */
#include "arch/x86_64/idt.h"
#include "arch/x86_64/core.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/asm/special_insns.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/setjmp.h"
#include "arch/x86_64/syscall.h"
#include "arch/x86_64/traps.h"
#include "kernel/printk/printk.h"

#define NR_VECTORS     48
#define GATE_INTERRUPT 0x8e /* present, DPL 0, 64-bit interrupt gate (IF cleared on entry) */

struct idt_gate {
	u16 offset_low;
	u16 selector;
	u8 ist;
	u8 type_attr;
	u16 offset_mid;
	u32 offset_high;
	u32 reserved;
} __attribute__((packed));

struct idt_ptr {
	u16 limit;
	u64 base;
} __attribute__((packed));

extern const u64 isr_stub_table[NR_VECTORS];
extern const u64 sysvec_stub_table[NR_SYSTEM_VECTORS];
extern const u8 __entry_text_start[], __entry_text_end[];

static struct idt_gate idt[256];
static irq_handler_t irq_handlers[NR_IRQS];
static const struct irq_chip *chip = &pic_chip;
static irq_handler_t sysvec_handlers[NR_SYSTEM_VECTORS];

static void set_gate(int vector, u64 addr, int ist)
{
	struct idt_gate *g = &idt[vector];

	g->offset_low = addr & 0xffff;
	g->selector = KERNEL_CS;
	g->ist = ist;
	g->type_attr = GATE_INTERRUPT;
	g->offset_mid = (addr >> 16) & 0xffff;
	g->offset_high = addr >> 32;
	g->reserved = 0;
}

/*
 * #DF, NMI and #MC run on their own IST stacks: they can arrive when the current stack is
 * unusable (a #DF from a stack overflow is exactly that case).
 */
static int ist_for_vector(int vector)
{
	switch (vector) {
	case X86_TRAP_DF:
		return IST_DF;
	case X86_TRAP_NMI:
		return IST_NMI;
	case X86_TRAP_MC:
		return IST_MCE;
	default:
		return 0;
	}
}

void idt_load(void)
{
	struct idt_ptr ptr = { sizeof(idt) - 1, (u64)idt };

	asm volatile("lidt %0" : : "m"(ptr));
}

void idt_init(void)
{
	int v;

	for (v = 0; v < NR_VECTORS; v++)
		set_gate(v, isr_stub_table[v], ist_for_vector(v));
	for (v = 0; v < NR_SYSTEM_VECTORS; v++)
		set_gate(FIRST_SYSTEM_VECTOR + v, sysvec_stub_table[v], 0);
	idt_load();
}

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

void trap_dispatch(struct pt_regs *regs)
{
	struct percpu *cpu = this_cpu();

	/* Entering exception context: the policy reads the depth to know what it interrupted. */
	cpu->fault_depth++;
	/* A fault of a user program is its own (NMI and #MC are not: they come from outside). */
	if (user_mode(regs) && regs->vector != X86_TRAP_NMI && regs->vector != X86_TRAP_MC)
		user_fault(regs);
	if (!kernel_exception(regs))
		die("unhandled exception", regs);
	/* CR2 would keep this fault's address and mislead whoever reads it next: clear it. */
	write_cr2(0);
	cpu->fault_depth--;
}

bool in_entry_text(u64 addr)
{
	return addr >= (u64)__entry_text_start && addr < (u64)__entry_text_end;
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

void exception_abandon(void)
{
	write_cr2(0);
	this_cpu()->fault_depth--;
}

void exception_resume_longjmp(struct pt_regs *regs, struct jmp_buf *jb, int val)
{
	/* iretq "returns" into kernel_longjmp(jb, val): the System V ABI passes them in rdi, rsi.
	 */
	regs->rip = (u64)kernel_longjmp;
	regs->rdi = (u64)jb;
	regs->rsi = val;
}
