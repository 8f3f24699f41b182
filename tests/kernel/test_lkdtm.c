/*
 * Stack overflows: every lkdtm crash test kills exactly its own task, with the full report,
 * while a sibling keeps running; a thousand in a row leave memory exactly as it was; two
 * overflowing tasks are both caught; a neighbour's stack is never touched.
 * With VMAP_STACK=n the same tests show the "before" picture instead (see lkdtm.novmap_*).
 */
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/asm/irqflags.h"
#include "kernel/debug/lkdtm.h"
#include "kernel/debug/torture.h"
#include "kernel/debug/ktest.h"
#include "kernel/cpu_stack.h"
#include "tests/kernel/adjacent_stacks.h"
#include "kernel/printk/printk.h"
#include "kernel/lib/string.h"
#include "kernel/task.h"
#include "kernel/lib/vsprintf.h"
#include "mm/pgtable.h"

/* Run one lkdtm test with a sibling counting; check the kill, the report and the sibling. */
static void overflow_kills_only_the_task(const char *name, const char *how)
{
	const struct lkdtm_test *lt = lkdtm_find(name);
	struct task *sib = kthread_run(ktest_sibling, NULL, "sibling");
	u64 mark = printk_log_mark();
	int status = -1, pid;
	char line[64];

	KT_ASSERT(lt && sib);
	if (!VMAP_STACK) {
		ktest_skip("VMAP_STACK=n: no guard pages (see lkdtm.novmap_*)");
		kill(sib->pid);
		wait(sib->pid, &status);
		return;
	}
	KT_ASSERT(lkdtm_run(lt, &status, &pid) == 0);
	KT_EXPECT_MSG(status == KILLED_STACK_OVERFLOW, "%s ended with status %#x", name, status);
	KT_EXPECT(printk_log_contains(mark, "BUG: TASK stack guard page was hit at "));
	KT_EXPECT(printk_log_contains(mark, how));
	snprintf(line, sizeof(line), "PID: %d Comm: lkdtm", pid);
	KT_EXPECT(printk_log_contains(mark, line));
	KT_EXPECT(printk_log_contains(mark, "RIP: 0008:"));
	KT_EXPECT(printk_log_contains(mark, "Call Trace:"));
	KT_EXPECT(printk_log_contains(mark, "kthread_start+0x"));
	KT_EXPECT(!printk_log_contains(mark, "FAIL:"));
	KT_EXPECT(ktest_sibling_runs_on(sib));
}

KTEST(lkdtm, stack_guard_page_leading)
{
	overflow_kills_only_the_task("STACK_GUARD_PAGE_LEADING",
				     "kernel stack overflow (page-fault)");
}

KTEST(lkdtm, stack_guard_page_trailing)
{
	overflow_kills_only_the_task("STACK_GUARD_PAGE_TRAILING",
				     "kernel stack overflow (page-fault)");
}

/* The report is printed from the IRQ stack: the 512 bytes left would not hold printk. */
KTEST(lkdtm, stack_guard_page_leading_nearly_full)
{
	const struct lkdtm_test *lt = lkdtm_find("STACK_GUARD_PAGE_LEADING_NEARLY_FULL");
	u64 mark = printk_log_mark();
	int status = -1;

	if (!VMAP_STACK) {
		ktest_skip("VMAP_STACK=n: no guard pages");
		return;
	}
	/* The test moves RSP itself, so the backtrace has no frames to show between. */
	KT_ASSERT(lt && lkdtm_run(lt, &status, NULL) == 0);
	KT_EXPECT_MSG(status == KILLED_STACK_OVERFLOW, "status %#x", status);
	KT_EXPECT(printk_log_contains(mark, "BUG: TASK stack guard page was hit at "));
	KT_EXPECT(printk_log_contains(mark, "kernel stack overflow (page-fault)"));
	KT_EXPECT(!printk_log_contains(mark, "double-fault"));
}

/* The interrupt whose entry overran the stack is finished late; the sibling's ticks go on. */
static void irq_overflow_finished_late(const char *name)
{
	u64 mark = printk_log_mark();

	overflow_kills_only_the_task(name, "kernel stack overflow (double-fault)");
	if (VMAP_STACK)
		KT_EXPECT(printk_log_contains(mark, "was taken but its entry overran the stack"));
}

KTEST(lkdtm, exhaust_stack_irq_entry)
{
	irq_overflow_finished_late("EXHAUST_STACK_IRQ_ENTRY");
}

KTEST(lkdtm, exhaust_stack_irq_delivery)
{
	irq_overflow_finished_late("EXHAUST_STACK_IRQ_DELIVERY");
}

static int spin_near_the_end(void *left)
{
	lkdtm_spin_with_bytes_left((u64)left);
}

/*
 * A task spinning with little stack left, interrupts on. Preempting it needs stack of its own
 * (the switch) and so does ending it; with every amount left, from what the interrupt entry
 * just fits in up to past the preemption reserve, the task must end - killed by the overflow
 * policy, or preempted and then killed by kill() - and never take the kernel down.
 */
KTEST(lkdtm, spinning_near_the_end_of_the_stack_never_panics)
{
	static const u64 lefts[] = { 176, 208, 240, 272, 304,  336, 384,
				     448, 512, 640, 768, 1024, 1280 };
	unsigned int i;

	if (!VMAP_STACK) {
		ktest_skip("VMAP_STACK=n: an overrun is silent there");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(lefts); i++) {
		struct task *t = kthread_run(spin_near_the_end, (void *)lefts[i], "spinner");
		int status = -1, pid;

		KT_ASSERT(t);
		pid = t->pid;
		sleep_ms(30); /* it runs now: it is preempted, or ended by the overflow policy */
		kill(pid);
		KT_ASSERT(wait(pid, &status) == 0);
		printk("# %lu bytes left: %s\n", lefts[i],
		       status == KILLED_STACK_OVERFLOW ? "ended by the overflow policy"
						       : "preempted, then killed");
		KT_EXPECT_MSG(status == KILLED_STACK_OVERFLOW || status == KILLED_BY_KILL,
			      "%lu bytes left: status %#x", lefts[i], status);
	}
}

KTEST(lkdtm, exhaust_stack)
{
	u64 mark = printk_log_mark();

	overflow_kills_only_the_task("EXHAUST_STACK", "kernel stack overflow (double-fault)");
	/* The backtrace names the function that recursed (GCC may add a suffix: .isra.0). */
	if (VMAP_STACK)
		KT_EXPECT(printk_log_contains(mark, "] recursive_loop"));
}

KTEST(lkdtm, stack_big_frame)
{
	u64 mark = printk_log_mark();

	overflow_kills_only_the_task("STACK_BIG_FRAME", "kernel stack overflow (double-fault)");
	if (VMAP_STACK)
		KT_EXPECT(printk_log_contains(mark, "] big_frame"));
}

KTEST(lkdtm, exhaust_stack_irqs_off)
{
	overflow_kills_only_the_task("EXHAUST_STACK_IRQS_OFF",
				     "kernel stack overflow (double-fault)");
}

/*
 * A thousand overflows, alternating the #DF path (EXHAUST_STACK) and the #PF path
 * (STACK_GUARD_PAGE_LEADING, whose report runs on the IRQ stack): memory exactly as it was.
 */
KTEST(lkdtm, thousand_overflows_back_to_baseline)
{
	const struct lkdtm_test *lt[2] = { lkdtm_find("EXHAUST_STACK"),
					   lkdtm_find("STACK_GUARD_PAGE_LEADING") };
	struct ktest_mem before;
	int i, status, saved = console_loglevel, killed = 0;

	if (!VMAP_STACK) {
		ktest_skip("VMAP_STACK=n");
		return;
	}
	KT_ASSERT(lt[0] && lt[1]);
	KT_ASSERT(lkdtm_run(lt[0], &status, NULL) == 0); /* warm up */
	KT_ASSERT(lkdtm_run(lt[1], &status, NULL) == 0);
	ktest_mem_snapshot(&before);
	/* Every report still goes into the log in full; only the console is spared 1,000 of them.
	 */
	console_loglevel = 0;
	for (i = 0; i < 1000; i++) {
		if (lkdtm_run(lt[i % 2], &status, NULL) == 0 && status == KILLED_STACK_OVERFLOW)
			killed++;
	}
	console_loglevel = saved;
	KT_EXPECT_MSG(killed == 1000, "%d of 1000 overflows killed their task", killed);
	KT_EXPECT_MEM_UNCHANGED(before);
}

static int run_exhaust(void *arg)
{
	return lkdtm_find("EXHAUST_STACK")->fn(arg);
}

KTEST(lkdtm, two_tasks_overflow_back_to_back)
{
	struct task *a = kthread_create(run_exhaust, NULL, "overflow-a");
	struct task *b = kthread_create(run_exhaust, NULL, "overflow-b");
	u64 mark = printk_log_mark();
	int sa, sb;

	KT_ASSERT(a && b);
	if (!VMAP_STACK) {
		ktest_skip("VMAP_STACK=n");
		kill(a->pid);
		kill(b->pid);
		wait(a->pid, &sa);
		wait(b->pid, &sb);
		return;
	}
	/* Back to back on one CPU; at the same moment on two is lkdtm.two_cpus_overflow_at_once. */
	set_cpus_allowed(a, 0);
	set_cpus_allowed(b, 0);
	wake_up_process(a);
	wake_up_process(b);
	KT_ASSERT(wait(a->pid, &sa) == 0 && wait(b->pid, &sb) == 0);
	KT_EXPECT(sa == KILLED_STACK_OVERFLOW && sb == KILLED_STACK_OVERFLOW);
	KT_EXPECT(printk_log_contains(mark, "Comm: overflow-a"));
	KT_EXPECT(printk_log_contains(mark, "Comm: overflow-b"));
}

static u64 checksum(u64 start, u64 len)
{
	u64 sum = 0, i;

	for (i = 0; i < len; i += 8)
		sum = sum * 31 + *(u64 *)(start + i);
	return sum;
}

/*
 * The victim's stack lies just below the overflowing task's (first fit puts the later area
 * above): the overrun runs towards it, and must stop at the guard without touching it. The
 * victim is created but never started, so nothing else changes its stack either.
 */
KTEST(lkdtm, neighbour_stack_untouched)
{
	struct task *victim, *t, *spare[16];
	u64 sum_before, sum_after;
	int status, nr_spare = 0, i;

	if (!VMAP_STACK) {
		ktest_skip("VMAP_STACK=n: see lkdtm.novmap_overrun_is_silent");
		return;
	}
	drain_stack_cache();
	/* A hole one stack wide, left by earlier tests, would part the two: fill it first. */
	for (;;) {
		victim = kthread_create(ktest_sibling, NULL, "victim");
		t = kthread_create(run_exhaust, NULL, "overflow");
		KT_ASSERT(victim && t);
		if (t->stack.base - stack_top(&victim->stack) == 2 * stack_guard_size() ||
		    nr_spare == ARRAY_SIZE(spare))
			break;
		spare[nr_spare++] = victim;
		spare[nr_spare++] = t;
	}
	KT_EXPECT_MSG(t->stack.base > victim->stack.base, "overflowing stack %#lx, victim %#lx",
		      t->stack.base, victim->stack.base);
	/* Nothing but guard pages between them. */
	KT_EXPECT(t->stack.base - stack_top(&victim->stack) == 2 * stack_guard_size());
	sum_before = checksum(victim->stack.base, THREAD_SIZE);
	wake_up_process(t);
	KT_ASSERT(wait(t->pid, &status) == 0);
	KT_EXPECT(status == KILLED_STACK_OVERFLOW);
	sum_after = checksum(victim->stack.base, THREAD_SIZE);
	KT_EXPECT(sum_before == sum_after);
	KT_EXPECT(kill(victim->pid) == 0);
	KT_EXPECT(wait(victim->pid, &status) == 0);
	for (i = 0; i < nr_spare; i++) /* never ran: they end at once */
		kill_and_reap(spare[i]->pid, NULL);
}

KTEST(lkdtm, ist_stacks_are_guarded)
{
	struct tss *tss = &this_cpu()->arch.tss;
	int i;

	for (i = 0; i < NR_IST; i++) {
		u64 top = tss->ist[i];

		KT_EXPECT(top >= VMALLOC_START && top < VMALLOC_END);
		KT_EXPECT(lookup_kernel_page(top - 8, NULL, NULL));
		KT_EXPECT(!lookup_kernel_page(top, NULL, NULL));
		KT_EXPECT(!lookup_kernel_page(top - IST_STACK_SIZE - 1, NULL, NULL));
	}
}

/*
 * VMAP_STACK=n: overrun about 1 KiB below the stack with interrupts off, then look. Its frame is
 * far above the kernel's -Wframe-larger-than limit, on purpose.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wframe-larger-than="
static noinline int bounded_recursion(int depth)
{
	volatile char buf[THREAD_SIZE / 8];

	memset((char *)buf, 0x5a, sizeof(buf));
	if ((u64)buf < current->stack.base - 1024 + sizeof(buf) || depth > 64)
		return buf[0];
	return bounded_recursion(depth + 1) + buf[1];
}
#pragma GCC diagnostic pop

static int silent_overrun(void *arg)
{
	bool *canary_broken = arg;

	local_irq_disable();
	bounded_recursion(0);
	*canary_broken = !stack_end_intact(&current->stack);
	/* Put the canary back, or the switch away from us would panic (the next test shows it). */
	*(u64 *)current->stack.base = STACK_END_MAGIC;
	local_irq_enable();
	return 0;
}

/*
 * The "before" picture: a direct-mapped stack overrun into the stack below it goes unnoticed at
 * the time; only the canary shows it, and only when the scheduler next looks. The two stacks
 * are made adjacent on purpose: the test never depends on where the allocator puts them.
 */
KTEST(lkdtm, novmap_overrun_is_silent)
{
	static u8 saved[2048];
	struct task *victim, *t;
	bool canary_broken = false;
	u64 victim_top_sum;
	int status;

	if (VMAP_STACK) {
		ktest_skip("VMAP_STACK=y: guard pages catch this (see lkdtm.exhaust_stack)");
		return;
	}
	/* Two stacks in one block are adjacent only if a stack fills its block exactly. */
	if (THREAD_SIZE != PAGE_SIZE << THREAD_SIZE_ORDER) {
		KT_EXPECT_MSG(false,
			      "THREAD_SIZE %d is not a power of two: two stacks cannot be "
			      "made adjacent",
			      THREAD_SIZE);
		return;
	}
	victim = kthread_create(ktest_sibling, NULL, "victim");
	t = kthread_create(silent_overrun, &canary_broken, "overrun");
	KT_ASSERT(victim && t);
	if (!make_adjacent_stacks(victim, t)) {
		KT_EXPECT_MSG(false, "no free block of order %d for two adjacent stacks",
			      THREAD_SIZE_ORDER + 1);
		kill(t->pid);
		kill(victim->pid);
		wait(t->pid, &status);
		wait(victim->pid, &status);
		return;
	}
	KT_ASSERT(stack_top(&victim->stack) == t->stack.base);
	memcpy(saved, (void *)(stack_top(&victim->stack) - sizeof(saved)), sizeof(saved));
	victim_top_sum = checksum(stack_top(&victim->stack) - sizeof(saved), sizeof(saved));
	wake_up_process(t);
	KT_ASSERT(wait(t->pid, &status) == 0);
	KT_EXPECT_MSG(WIFEXITED(status), "the overrun was caught: status %#x", status);
	KT_EXPECT_MSG(canary_broken, "the overrun did not reach the canary");
	KT_EXPECT_MSG(checksum(stack_top(&victim->stack) - sizeof(saved), sizeof(saved)) !=
			      victim_top_sum,
		      "the neighbour's stack was not overwritten");
	/* Repair the victim (its saved frame was overwritten), then dispose of it unrun. */
	memcpy((void *)(stack_top(&victim->stack) - sizeof(saved)), saved, sizeof(saved));
	KT_EXPECT(kill(victim->pid) == 0);
	KT_EXPECT(wait(victim->pid, &status) == 0);
}

/*
 * The page below a stack's leading guard belongs to the area below (its trailing guard). A stray
 * read there by a task whose RSP is fine is an ordinary bad access, not this task's overflow: the
 * extra page counts only for RSP on a #DF (stack-clash probes), never for CR2 on a #PF.
 */
KTEST(lkdtm, a_read_below_the_guard_is_an_oops_not_an_overflow)
{
	u64 addr = current->stack.base - stack_guard_size() - 8, mark = printk_log_mark();
	struct fault_record rec;

	if (!VMAP_STACK) {
		ktest_skip("VMAP_STACK=n: the page below is mapped");
		return;
	}
	KT_ASSERT(ktest_expect_fault(ktest_read_byte, (void *)addr, &rec));
	KT_EXPECT(rec.vector == X86_TRAP_PF);
	KT_EXPECT(rec.cr2 == addr);
	KT_EXPECT(!printk_log_contains(mark, "stack guard page was hit"));
	KT_EXPECT(printk_log_contains(mark, "BUG: unable to handle page fault"));
}

/*
 * The stack torture where every overflow must be killed (no lock, allocation or scheduler in
 * the way): 30 rounds from a fixed seed, each followed by the torture's check that the system is
 * whole. scripts/torture runs the full torture, panics included.
 */
KTEST(lkdtm, torture_kills_leave_the_system_whole)
{
	struct torture_result res;

	if (!VMAP_STACK) {
		ktest_skip("VMAP_STACK=n: overruns go unnoticed (see lkdtm.novmap_*)");
		return;
	}
	KT_EXPECT(stacktorture(30, 0x7e57, 0, true, &res));
	printk("# %lu killed, %lu without overflow\n", res.killed, res.survived);
	KT_EXPECT_MSG(res.killed >= 15, "only %lu of 30 rounds overflowed", res.killed);
}
