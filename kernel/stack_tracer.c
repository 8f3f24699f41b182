/*
 * The stack tracer (kernel/stack_tracer.h). Two records, both kept since the last reset:
 *
 * - The deepest chain. At the end of every interrupt, on the stack it interrupted, the tracer
 *   measures how deep that code was (the top of the stack minus the RSP the CPU saved) and, if
 *   it is the deepest so far, keeps the frame-pointer chain that was there. A sample: the
 *   deepest chain an interrupt happened to catch, which can only be shallower than the truth.
 *
 * - The high-water mark of each task entry function: a stack starts all zero, so the lowest
 *   word that is not zero is the deepest the task ever went, interrupts on top included
 *   (stack_high_water()). Kept when the stack is given back, and read from the living tasks
 *   when the records are shown. This one misses nothing: scripts/stackcheck --measured checks
 *   it against the bound proven at build time.
 */
#include "kernel/stack_tracer.h"
#include "arch/x86_64/asm/io.h"
#include "arch/x86_64/idt.h"
#include "kernel/lib/ksyms.h"
#include "kernel/lib/string.h"
#include "kernel/printk/printk.h"
#include "kernel/stack.h"
#include "kernel/task.h"

#define MAX_CHAIN 24 /* frames kept of the deepest chain */
#define MAX_ROOTS 64 /* task entry functions with a record */

bool stack_tracer_enabled;

/* The deepest sampled chain: each frame's return address and its depth below the top. */
static struct {
	u64 depth, size; /* bytes below the top of the stack; the stack's size */
	int pid, nr;
	char comm[TASK_COMM_LEN];
	u64 addr[MAX_CHAIN], at[MAX_CHAIN];
} deepest;

static struct root_record {
	int (*fn)(void *arg);
	u64 used, tasks;
} roots[MAX_ROOTS];
static u64 roots_dropped; /* records lost because the table was full */

void stack_tracer_enable(bool on)
{
	stack_tracer_enabled = on;
}

void stack_tracer_reset(void)
{
	u64 flags = local_irq_save();

	deepest.depth = 0;
	deepest.nr = 0;
	memset(roots, 0, sizeof(roots));
	roots_dropped = 0;
	local_irq_restore(flags);
}

/* Follow the frame pointers of the interrupted code, only inside its own stack. */
static void save_chain(struct pt_regs *regs, u64 base, u64 top)
{
	u64 rbp = regs->rbp;
	int n = 0;

	deepest.addr[n] = regs->rip;
	deepest.at[n++] = top - regs->rsp;
	while (n < MAX_CHAIN && rbp >= base && rbp + 16 <= top && !(rbp & 7)) {
		u64 next = ((u64 *)rbp)[0], ret = ((u64 *)rbp)[1];

		if (!ret)
			break;
		/* The caller's RSP after the call returns: just above the return address. */
		deepest.addr[n] = ret;
		deepest.at[n++] = top - (rbp + 16);
		if (next <= rbp)
			break; /* frames only go up; anything else is not a chain */
		rbp = next;
	}
	deepest.nr = n;
}

void stack_tracer_sample(struct pt_regs *regs)
{
	struct task *t = current;
	u64 base, top;

	if (!stack_tracer_enabled || !t || !t->stack.base)
		return;
	base = t->stack.base;
	top = stack_top(&t->stack);
	/* Only an interrupted task: not the boot stack, not an exception's IST stack. */
	if (regs->rsp < base || regs->rsp >= top || top - regs->rsp <= deepest.depth)
		return;
	deepest.depth = top - regs->rsp;
	deepest.size = THREAD_SIZE;
	deepest.pid = t->pid;
	memcpy(deepest.comm, t->comm, sizeof(deepest.comm));
	save_chain(regs, base, top);
}

static void record_root(int (*fn)(void *arg), u64 used, bool dead)
{
	int i;

	for (i = 0; i < MAX_ROOTS && roots[i].fn && roots[i].fn != fn; i++)
		;
	if (i == MAX_ROOTS) {
		roots_dropped++;
		return;
	}
	roots[i].fn = fn;
	roots[i].tasks += dead;
	if (used > roots[i].used)
		roots[i].used = used;
}

void stack_tracer_task_done(struct task *t, u64 used)
{
	if (stack_tracer_enabled && t->fn)
		record_root(t->fn, used, true);
}

u64 stack_tracer_used(int (*fn)(void *arg))
{
	int i;

	for (i = 0; i < MAX_ROOTS && roots[i].fn; i++) {
		if (roots[i].fn == fn)
			return roots[i].used;
	}
	return 0;
}

u64 stack_tracer_deepest(void)
{
	return deepest.depth;
}

static void fold_live_task(struct task *t, void *ctx)
{
	if (t->stack.base && t->fn)
		record_root(t->fn, stack_high_water(&t->stack), false);
}

static void show_chain(void)
{
	char sym[128];
	int i;

	if (!deepest.nr) {
		printk("stack_trace: no interrupt has sampled a task's stack yet\n");
		return;
	}
	printk("stack_trace: deepest sampled chain: %lu of %lu bytes, pid %d (%s), when an "
	       "interrupt came (its entry frame is below these)\n",
	       deepest.depth, deepest.size, deepest.pid, deepest.comm);
	printk("        Depth    Size   Location    (%d entries)\n", deepest.nr);
	printk("        -----    ----   --------\n");
	for (i = 0; i < deepest.nr; i++) {
		u64 size = deepest.at[i] - (i + 1 < deepest.nr ? deepest.at[i + 1] : 0);

		if (i)
			ksym_format_return(deepest.addr[i], sym, sizeof(sym));
		else
			ksym_format(deepest.addr[i], sym, sizeof(sym));
		printk("  %2d) %8lu %7lu   %s\n", i, deepest.at[i], size, sym);
	}
}

void stack_tracer_show(void)
{
	const char *name, *which;
	u64 off, size, used;
	unsigned int i;

	printk("stack_trace: %s\n", stack_tracer_enabled ? "on" : "off (stack_trace on)");
	show_chain();
	/* The living tasks' marks join the records of the dead ones (the table only grows). */
	for_each_task(fold_live_task, NULL);
	for (i = 0; i < MAX_ROOTS && roots[i].fn; i++) {
		if (!ksym_lookup((u64)roots[i].fn, &name, &off, &size))
			name = "?";
		printk("stack_trace: root %s measured %lu of %u bytes (%lu tasks ended)\n", name,
		       roots[i].used, THREAD_SIZE, roots[i].tasks);
	}
	if (roots_dropped)
		printk("stack_trace: %lu tasks not recorded: the table is full\n", roots_dropped);
	for (i = 0; (which = cpu_stack_usage(i, &name, &used, &size)); i++)
		printk("stack_trace: stack %s measured %lu of %lu bytes (%s)\n", which, used, size,
		       name);
}
