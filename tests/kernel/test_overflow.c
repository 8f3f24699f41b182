/*
 * The overflow policy's rules, one case at a time, without overflowing anything: which addresses
 * are an overrun of a stack (the zone's edges, byte for byte), which faults are an overrun of
 * the current task's stack (fresh and stale evidence on a #DF, a #PF in and near the guard), and
 * when a kill is not safe. The end-to-end tests are lkdtm.*; these say which rule is wrong.
 */
#include "arch/x86_64/asm/irqflags.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/percpu.h"
#include "kernel/debug/ktest.h"
#include "kernel/fault.h"
#include "kernel/cpu_stack.h"
#include "kernel/lib/string.h"
#include "kernel/locking/spinlock.h"
#include "kernel/stack.h"
#include "kernel/task.h"
#include "mm/vmalloc.h"

extern const u8 __entry_text_start[];

static int idle(void *arg)
{
	for (;;)
		sleep_ms(100);
	return 0;
}

static bool zone(u64 addr)
{
	return stack_overflow_hit(&current->stack, addr);
}

/* The overrun zone of a task's stack: both guards and the page below, not a byte more or less. */
KTEST(overflow, task_stack_zone_edges)
{
	u64 base = current->stack.base, top = stack_top(&current->stack);
	u64 g = stack_guard_size(), below = base - g - PAGE_SIZE;

	if (!VMAP_STACK) {
		ktest_skip("VMAP_STACK=n: no guards, no zone");
		return;
	}
	KT_EXPECT_MSG(zone(base - 1), "the last byte of the leading guard");
	KT_EXPECT_MSG(zone(base - 8), "the push just below the base");
	KT_EXPECT_MSG(zone(base - g), "the first byte of the leading guard");
	KT_EXPECT_MSG(zone(base - g - 1), "the top of the page below the guard (probes)");
	KT_EXPECT_MSG(zone(below), "the first byte of the page below the guard");
	KT_EXPECT_MSG(!zone(below - 1), "the page under the zone is another area's");
	KT_EXPECT_MSG(!zone(base), "the base is the stack's own");
	KT_EXPECT_MSG(!zone(top - 1), "the top byte is the stack's own");
	KT_EXPECT_MSG(zone(top), "the first byte of the trailing guard");
	KT_EXPECT_MSG(zone(top + g - 1), "the last byte of the trailing guard");
	KT_EXPECT_MSG(!zone(top + g), "above the trailing guard");
}

/* This CPU's IRQ stack has the same zone, and a hit names it with its bounds. */
KTEST(overflow, irq_stack_zone_edges)
{
	const char *name = NULL;
	const struct vm_struct *vm;
	const struct vmarea *va;
	u64 lo = 0, hi = 0, flags = local_irq_save();

	vm = cpu_stack_area(this_cpu()->cpu, 0, &name);
	if (!vm) { /* guarded with VMAP_STACK=n too */
		local_irq_restore(flags);
		ktest_skip("no guarded IRQ stack");
		return;
	}
	va = &vm->va;
	name = cpu_stack_overflow_hit(va->addr - 1, &lo, &hi);
	KT_EXPECT(name && !strcmp(name, "IRQ") && lo == va->addr && hi == vmarea_addr_end(va));
	name = cpu_stack_overflow_hit(va->span_start - PAGE_SIZE, &lo, &hi);
	KT_EXPECT_MSG(name && !strcmp(name, "IRQ"), "the page below the IRQ stack's guard: %s",
		      name ? name : "(none)");
	name = cpu_stack_overflow_hit(va->span_start - PAGE_SIZE - 1, &lo, &hi);
	KT_EXPECT_MSG(!name || strcmp(name, "IRQ"), "below the zone is not the IRQ stack's");
	name = cpu_stack_overflow_hit(vmarea_addr_end(va) - 8, &lo, &hi);
	KT_EXPECT_MSG(!name, "inside the IRQ stack: %s", name ? name : "(none)");
	local_irq_restore(flags);
}

static u64 pf(u64 cr2)
{
	struct pt_regs regs = { .rsp = current->stack.base + THREAD_SIZE / 2 };

	return stack_overflow_address(current, &regs, cr2, false);
}

static u64 df(u64 rsp, u64 cr2)
{
	struct pt_regs regs = { .rsp = rsp };

	return stack_overflow_address(current, &regs, cr2, true);
}

/* A #PF was delivered on a good stack: CR2 is fresh, and only the guards are this stack's. */
KTEST(overflow, page_fault_counts_only_the_guards)
{
	u64 base = current->stack.base, top = stack_top(&current->stack);
	u64 g = stack_guard_size();
	static struct task no_stack;
	struct pt_regs regs = { .rsp = base + 64 };
	struct task *other;

	if (!VMAP_STACK) {
		ktest_skip("VMAP_STACK=n: no guards");
		return;
	}
	KT_EXPECT_MSG(pf(base - 1) == base - 1, "the last byte of the leading guard");
	KT_EXPECT_MSG(pf(base - g) == base - g, "the first byte of the leading guard");
	KT_EXPECT_MSG(pf(top) == top, "the first byte of the trailing guard");
	KT_EXPECT_MSG(pf(top + g - 1) == top + g - 1, "the last byte of the trailing guard");
	KT_EXPECT_MSG(pf(base - g - 8) == 0, "the page below the guard is another area's");
	KT_EXPECT_MSG(pf(top + g) == 0, "above the trailing guard");
	KT_EXPECT_MSG(pf(base) == 0 && pf(top - 8) == 0, "inside the stack");
	KT_EXPECT_MSG(pf(0) == 0 && pf(VMALLOC_START) == 0, "a NULL or a vmalloc address");
	/* Another task's guard: a stray access by this task, not this task's overflow. */
	other = kthread_create(idle, NULL, "other");
	KT_ASSERT(other);
	KT_EXPECT_MSG(pf(other->stack.base - 1) == 0, "another task's leading guard");
	KT_EXPECT_MSG(pf(stack_top(&other->stack)) == 0, "another task's trailing guard");
	kill_and_reap(other->pid, NULL);
	/* A task without a stack has no overrun to blame on it. */
	KT_EXPECT(stack_overflow_address(&no_stack, &regs, 0xfff, false) == 0);
	KT_EXPECT(stack_overflow_address(&no_stack, &regs, 0xfff, true) == 0);
}

/*
 * A #DF: the saved RSP in the zone is an overrun; so is CR2 in a guard when RSP sits just above
 * the base (a push from there failed). CR2 with RSP anywhere else is the stale address of an
 * earlier fault, maybe another task's in this same (cached, reused) range: no overrun.
 */
KTEST(overflow, double_fault_trusts_rsp_and_fresh_cr2_only)
{
	u64 base = current->stack.base, top = stack_top(&current->stack);
	u64 g = stack_guard_size(), below = base - g - PAGE_SIZE;
	u64 irq_top = this_cpu()->irq_stack_top;

	if (!VMAP_STACK) {
		ktest_skip("VMAP_STACK=n: no guards");
		return;
	}
	KT_EXPECT_MSG(df(base - 8, 0) == base - 8, "RSP in the leading guard");
	KT_EXPECT_MSG(df(base - g - 8, 0) == base - g - 8, "RSP below the guard (a probe)");
	KT_EXPECT_MSG(df(below, 0) == below, "RSP at the bottom of the zone");
	KT_EXPECT_MSG(df(below - 8, 0) == 0, "RSP under the zone");
	KT_EXPECT_MSG(df(base, base - 8) == base - 8, "RSP at the base, the push below it");
	KT_EXPECT_MSG(df(base + 16, base - 24) == base - 24, "16 bytes left, the frame push");
	KT_EXPECT_MSG(df(top - 256, base - 8) == 0, "a stale CR2: RSP far from the guard");
	KT_EXPECT_MSG(df(top - 256, 0) == 0, "no evidence at all");
	KT_EXPECT_MSG(df(base + 64, base - g - 8) == 0, "CR2 below the guard: another area's");
	if (irq_top)
		KT_EXPECT_MSG(df(irq_top - IRQ_STACK_SIZE - 8, 0) == 0,
			      "RSP in the IRQ stack's guard is not this task's overrun");
}

static DEFINE_SPINLOCK(overflow_test_lock);

static bool has(const char *why, const char *words)
{
	return why && strstr(why, words);
}

/*
 * Each reason a kill is not safe, one at a time, with interrupts off so that this CPU's state is
 * ours to set and put back; and interrupts off alone is no such reason.
 */
KTEST(overflow, why_not_killable_names_each_reason)
{
	static struct task t;
	struct percpu *cpu;
	struct pt_regs regs = { .rip = (u64)idle, .rflags = 0x2 };
	char buf[128];
	const char *why;
	u64 flags = local_irq_save(), lock_flags;

	cpu = this_cpu();
	t.pid = 1000;
	why = why_not_killable(&t, &regs, buf, sizeof(buf));
	KT_EXPECT_MSG(!why, "a plain task, interrupts off, no lock: '%s'", why);
	t.is_idle = true;
	KT_EXPECT_MSG(why_not_killable(&t, &regs, buf, sizeof(buf)), "the idle task");
	t.is_idle = false;
	t.pid = 1;
	why = why_not_killable(&t, &regs, buf, sizeof(buf));
	KT_EXPECT_MSG(has(why, "Attempted to kill init!"), "init: '%s'", why);
	t.pid = 1000;

	lock_flags = spin_lock_irqsave(&overflow_test_lock);
	why = why_not_killable(&t, &regs, buf, sizeof(buf));
	spin_unlock_irqrestore(&overflow_test_lock, lock_flags);
	KT_EXPECT_MSG(has(why, "'overflow_test_lock'"), "a lock held: '%s'", why);

	kill_disable();
	why = why_not_killable(&t, &regs, buf, sizeof(buf));
	kill_enable();
	KT_EXPECT_MSG(why, "inside kill_disable()");

	cpu->irq_depth++;
	why = why_not_killable(&t, &regs, buf, sizeof(buf));
	KT_EXPECT_MSG(why, "in an interrupt handler");
	regs.rip = (u64)__entry_text_start;
	why = why_not_killable(&t, &regs, buf, sizeof(buf));
	KT_EXPECT_MSG(!why, "in an interrupt's entry code (finished late): '%s'", why);
	regs.rip = (u64)idle;
	cpu->irq_depth--;

	cpu->fault_depth += 2;
	why = why_not_killable(&t, &regs, buf, sizeof(buf));
	cpu->fault_depth -= 2;
	KT_EXPECT_MSG(why, "inside another exception handler");
	local_irq_restore(flags);
}
