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
#include "arch/x86_64/idt.h"
#include "kernel/cpu_stack.h"
#include "kernel/lib/ksyms.h"
#include "kernel/lib/string.h"
#include "kernel/locking/spinlock.h"
#include "kernel/printk/printk.h"
#include "kernel/stack.h"
#include "kernel/task.h"

#define MAX_CHAIN 24 /* frames kept of the deepest chain */
#define MAX_ROOTS 64 /* task entry functions with a record */

bool stack_tracer_enabled;

/*
 * Every CPU samples and records into the same two records: the lock keeps one CPU's chain from
 * being written over another's half-way, and a root's figures from being lost between two CPUs'
 * read-modify-writes. Taken from interrupt exit and under sched_lock (never the other way).
 */
static DEFINE_SPINLOCK(tracer_lock);

/* The deepest sampled chain: each frame's return address and its depth below the top. */
static struct deepest_chain {
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
	u64 flags = spin_lock_irqsave(&tracer_lock);

	deepest.depth = 0;
	deepest.nr = 0;
	memset(roots, 0, sizeof(roots));
	roots_dropped = 0;
	spin_unlock_irqrestore(&tracer_lock, flags);
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
	u64 base, top, flags;

	if (!stack_tracer_enabled || !t || !t->stack.base)
		return;
	base = t->stack.base;
	top = stack_top(&t->stack);
	/* Only an interrupted task: not the boot stack, not an exception's IST stack. */
	if (regs->rsp < base || regs->rsp >= top)
		return;
	flags = spin_lock_irqsave(&tracer_lock);
	if (top - regs->rsp <= deepest.depth) {
		spin_unlock_irqrestore(&tracer_lock, flags);
		return;
	}
	deepest.depth = top - regs->rsp;
	deepest.size = THREAD_SIZE;
	deepest.pid = t->pid;
	memcpy(deepest.comm, t->comm, sizeof(deepest.comm));
	save_chain(regs, base, top);
	spin_unlock_irqrestore(&tracer_lock, flags);
}

static void record_root(int (*fn)(void *arg), u64 used, bool dead)
{
	u64 flags = spin_lock_irqsave(&tracer_lock);
	int i;

	for (i = 0; i < MAX_ROOTS && roots[i].fn && roots[i].fn != fn; i++)
		;
	if (i == MAX_ROOTS) {
		roots_dropped++;
	} else {
		roots[i].fn = fn;
		roots[i].tasks += dead;
		if (used > roots[i].used)
			roots[i].used = used;
	}
	spin_unlock_irqrestore(&tracer_lock, flags);
}

/* Entry i of the root table, read whole under the lock; false past the last one. */
static bool read_root(unsigned int i, struct root_record *r)
{
	u64 flags = spin_lock_irqsave(&tracer_lock);
	bool found = i < MAX_ROOTS && roots[i].fn;

	if (found)
		*r = roots[i];
	spin_unlock_irqrestore(&tracer_lock, flags);
	return found;
}

void stack_tracer_task_done(struct task *t, u64 used)
{
	if (stack_tracer_enabled && t->fn)
		record_root(t->fn, used, true);
}

u64 stack_tracer_used(int (*fn)(void *arg))
{
	struct root_record r;
	unsigned int i;

	for (i = 0; read_root(i, &r); i++) {
		if (r.fn == fn)
			return r.used;
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

/* Printed from a copy taken under the lock: printing with it held would stall every CPU's sample.
 */
static void show_chain(void)
{
	static struct deepest_chain chain; /* the shell's alone: too big for its stack frame */
	char sym[128];
	u64 flags;
	int i;

	flags = spin_lock_irqsave(&tracer_lock);
	chain = deepest;
	spin_unlock_irqrestore(&tracer_lock, flags);
	if (!chain.nr) {
		printk("stack_trace: no interrupt has sampled a task's stack yet\n");
		return;
	}
	printk("stack_trace: deepest sampled chain: %lu of %lu bytes, pid %d (%s), when an "
	       "interrupt came (its entry frame is below these)\n",
	       chain.depth, chain.size, chain.pid, chain.comm);
	printk("        Depth    Size   Location    (%d entries)\n", chain.nr);
	printk("        -----    ----   --------\n");
	for (i = 0; i < chain.nr; i++) {
		u64 size = chain.at[i] - (i + 1 < chain.nr ? chain.at[i + 1] : 0);

		if (i)
			ksym_format_return(chain.addr[i], sym, sizeof(sym));
		else
			ksym_format(chain.addr[i], sym, sizeof(sym));
		printk("  %2d) %8lu %7lu   %s\n", i, chain.at[i], size, sym);
	}
}

void stack_tracer_show(void)
{
	const char *name, *which;
	struct root_record r;
	u64 off, size, used;
	unsigned int i;

	printk("stack_trace: %s\n", stack_tracer_enabled ? "on" : "off (stack_trace on)");
	show_chain();
	/* The living tasks' marks join the records of the dead ones (the table only grows). */
	for_each_task(fold_live_task, NULL);
	for (i = 0; read_root(i, &r); i++) {
		if (!ksym_lookup((u64)r.fn, &name, &off, &size))
			name = "?";
		printk("stack_trace: root %s measured %lu of %u bytes (%lu tasks ended)\n", name,
		       r.used, THREAD_SIZE, r.tasks);
	}
	if (roots_dropped)
		printk("stack_trace: %lu tasks not recorded: the table is full\n", roots_dropped);
	for (i = 0; (which = cpu_stack_usage(i, &name, &used, &size)); i++)
		printk("stack_trace: stack %s measured %lu of %lu bytes (%s)\n", which, used, size,
		       name);
}
