/*
 * Each CPU's stacks that are not a task's: the boot stack, the IRQ stack and the IST stacks of
 * #DF, NMI and #MC, each between guard pages in the vmalloc range once vmalloc works. Which of
 * them an address lies on (stack_lookup(), for backtraces), and whether a fault was an overrun of
 * one (cpu_stack_overflow_hit(), for the #DF handler). The task stacks are in kernel/stack.c.
 */
#include "kernel/cpu_stack.h"
#include "arch/x86_64/core.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/percpu.h"
#include "kernel/printk/printk.h"
#include "kernel/lib/errno.h"
#include "kernel/lib/string.h"
#include "kernel/stack.h"
#include "kernel/task.h"
#include "mm/vmalloc.h"

/* The boot stack: what kernel_main runs on until the first task has a guarded stack. */
u8 boot_stack[BOOT_STACK_SIZE] __attribute__((aligned(16)));
asm(".globl boot_stack_top\n.set boot_stack_top, boot_stack + 16384");
_Static_assert(BOOT_STACK_SIZE == 16384, "boot_stack_top is set for a 16 KiB boot stack");

/* Until ist_stacks_init(), #DF, NMI and #MC share this small stack: it has no guard. */
static u8 boot_ist_stack[PAGE_SIZE] __attribute__((aligned(16)));

/*
 * Each CPU's stacks that are not a task's (slot 0 the IRQ stack, then IST1..NR_IST), by CPU
 * number: where they are, for the overflow reports and backtraces.
 */
struct cpu_stack {
	const char *name;
	struct vm_struct *vm;
};
static DEFINE_PER_CPU(struct cpu_stack, cpu_stacks[NR_IST + 1]);

static struct cpu_stack *this_cpu_stacks(void)
{
	return *this_cpu_ptr(&cpu_stacks);
}

const char *cpu_stack_overflow_hit(u64 addr, u64 *base, u64 *top)
{
	struct cpu_stack *cs = this_cpu_stacks();
	unsigned int i;

	/* The same zone as a task's stack. */
	for (i = 0; i <= NR_IST; i++) {
		const struct vmarea *va = cs[i].vm ? &cs[i].vm->va : NULL;

		if (va && stack_area_overrun_hit(va, addr)) {
			*base = va->addr;
			*top = vmarea_addr_end(va);
			return cs[i].name;
		}
	}
	return NULL;
}

const char *cpu_stack_usage(unsigned int i, const char **name, u64 *used, u64 *size)
{
	const struct vmarea *va;
	struct cpu_stack *cs;

	if (i == 0) {
		*name = "boot";
		*size = BOOT_STACK_SIZE;
		*used = stack_used_bytes((u64)boot_stack, (u64)boot_stack + BOOT_STACK_SIZE);
		return "boot";
	}
	cs = this_cpu_stacks();
	if (--i > NR_IST || !cs[i].vm)
		return NULL;
	va = &cs[i].vm->va;
	*name = cs[i].name;
	*size = vmarea_addr_end(va) - va->addr;
	*used = stack_used_bytes(va->addr, vmarea_addr_end(va));
	return i == 0 ? "irq" : "ist";
}

const struct vm_struct *cpu_stack_area(u32 cpu, int slot, const char **name)
{
	if (cpu >= NR_CPUS || !percpu_areas[cpu] || slot < 0 || slot > NR_IST)
		return NULL;
	if (name)
		*name = per_cpu(cpu_stacks, cpu)[slot].name;
	return per_cpu(cpu_stacks, cpu)[slot].vm;
}

/*
 * For backtraces (arch/x86_64/stacktrace.c calls it by name): this CPU's stacks and the running
 * task's. A stack not made yet has no area, and is not found.
 */
const char *stack_lookup(u64 addr, u64 *lo, u64 *hi)
{
	struct cpu_stack *cs = this_cpu_stacks();
	struct task *t = current;
	unsigned int i;

	for (i = 0; i <= NR_IST; i++) {
		const struct vmarea *va = cs[i].vm ? &cs[i].vm->va : NULL;

		if (va && addr >= va->addr && addr < vmarea_addr_end(va)) {
			*lo = va->addr;
			*hi = vmarea_addr_end(va);
			return cs[i].name;
		}
	}
	if (t && t->stack.base && addr >= t->stack.base && addr < stack_top(&t->stack)) {
		*lo = t->stack.base;
		*hi = stack_top(&t->stack);
		return "TASK";
	}
	return NULL;
}

void boot_ist_stacks_init(void)
{
	struct percpu *cpu = this_cpu();
	int ist;

	for (ist = 1; ist <= NR_IST; ist++)
		tss_set_ist(&cpu->arch, ist, (u64)boot_ist_stack + sizeof(boot_ist_stack));
}

/* CPU cpu's IST stacks, each between guard pages, into its TSS; -1 if out of memory. */
static int alloc_ist_stacks(struct percpu *cpu)
{
	static const char *const names[NR_IST] = { "ist #DF", "ist NMI", "ist #MC" };
	static const char *const short_names[NR_IST] = { "#DF", "NMI", "#MC" };
	int i;

	for (i = 0; i < NR_IST; i++) {
		struct cpu_stack *cs = &per_cpu(cpu_stacks, cpu->cpu)[i + 1];
		u8 *stack = vmalloc_guarded(IST_STACK_SIZE, 1, names[i], &cs->vm);

		if (!stack)
			return -1;
		memset(stack, 0, IST_STACK_SIZE); /* zero: what the high-water mark looks for */
		tss_set_ist(&cpu->arch, i + 1, (u64)stack + IST_STACK_SIZE);
		cs->name = short_names[i];
	}
	return 0;
}

static int alloc_irq_stack(struct percpu *cpu)
{
	struct cpu_stack *cs = &per_cpu(cpu_stacks, cpu->cpu)[0];
	u8 *stack = vmalloc_guarded(IRQ_STACK_SIZE, 1, "irq stack", &cs->vm);

	if (!stack)
		return -1;
	memset(stack, 0, IRQ_STACK_SIZE); /* zero: what the high-water mark looks for */
	cpu->irq_stack_top = (u64)stack + IRQ_STACK_SIZE;
	cs->name = "IRQ";
	return 0;
}

void ist_stacks_init(void)
{
	if (alloc_ist_stacks(this_cpu()))
		panic("stack: no memory for the IST stacks");
}

void irq_stack_init(void)
{
	if (alloc_irq_stack(this_cpu()))
		panic("stack: no memory for the IRQ stack");
}

/*
 * Made by the boot CPU for an AP before it starts. On failure the stacks made so far are kept:
 * the AP is not started, and the areas show up in vmallocinfo under their names.
 */
int ap_cpu_stacks_init(struct percpu *cpu)
{
	return alloc_ist_stacks(cpu) || alloc_irq_stack(cpu) ? -ENOMEM : 0;
}
