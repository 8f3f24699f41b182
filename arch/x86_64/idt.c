/*
 * The IDT and the C side of exception entry: idt_init() fills the gates (the #DF, NMI and #MC
 * ones on IST stacks), and trap_dispatch() sends every exception to the core's policy by name
 * (arch/x86_64/core.h). Interrupts go on to arch/x86_64/irq.c.
 */
#include "arch/x86_64/idt.h"
#include "arch/x86_64/core.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/asm/special_insns.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/setjmp.h"
#include "arch/x86_64/syscall.h"
#include "arch/x86_64/traps.h"

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
