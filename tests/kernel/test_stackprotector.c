/*
 * The stack protector: every task and every CPU's idle task has a canary of its own, the CPU's
 * slot holds the running task's after every switch (on every CPU, across moves between them),
 * and a guarded frame whose canary no longer matches - overrun, or checked against another
 * task's - kills only its task while a sibling runs on.
 */
#include "arch/x86_64/asm/irqflags.h"
#include "kernel/debug/ktest.h"
#include "kernel/debug/lkdtm.h"
#include "kernel/lib/string.h"
#include "kernel/lib/vsprintf.h"
#include "kernel/locking/spinlock.h"
#include "kernel/printk/printk.h"
#include "kernel/smp.h"
#include "kernel/stackprotector.h"
#include "kernel/task.h"

static bool need_stackprotector(void)
{
	if (!STACKPROTECTOR)
		ktest_skip("STACKPROTECTOR=n: no canaries");
	return STACKPROTECTOR;
}

static bool canary_looks_random(u64 c)
{
	return c && !(c & 0xff);
}

KTEST(stackprotector, two_tasks_get_different_canaries)
{
	struct task *a, *b;
	u32 i, j;

	if (!need_stackprotector())
		return;
	a = kthread_create(ktest_return_arg, NULL, "canary-a");
	b = kthread_create(ktest_return_arg, NULL, "canary-b");
	KT_ASSERT(a && b);
	printk("# canaries %016lx and %016lx (%s)\n", a->stack_canary, b->stack_canary,
	       stack_canary_source());
	KT_EXPECT(canary_looks_random(a->stack_canary) && canary_looks_random(b->stack_canary));
	KT_EXPECT(a->stack_canary != b->stack_canary);
	KT_EXPECT(a->stack_canary != current->stack_canary);
	KT_EXPECT(kill_and_reap(a->pid, NULL) == 0);
	KT_EXPECT(kill_and_reap(b->pid, NULL) == 0);
	/* The idle tasks too: each CPU's is drawn apart. */
	for (i = 0; i < nr_cpu_ids(); i++) {
		const struct task *ti = percpu_areas[i] ? percpu_areas[i]->idle : NULL;

		if (!ti)
			continue;
		KT_EXPECT_MSG(canary_looks_random(ti->stack_canary), "CPU %u's idle: %016lx", i,
			      ti->stack_canary);
		for (j = 0; j < i; j++) {
			if (percpu_areas[j] && percpu_areas[j]->idle)
				KT_EXPECT(percpu_areas[j]->idle->stack_canary != ti->stack_canary);
		}
	}
}

/* Read with interrupts off: the task cannot move to another CPU between the two reads. */
static bool slot_holds_current(void)
{
	u64 flags = local_irq_save();
	bool ok = this_cpu_read(stack_canary) == this_cpu_read(curr)->stack_canary;

	local_irq_restore(flags);
	return ok;
}

#define SWITCHES 100

/* Switch SWITCHES times - to each online CPU in turn where there are several - checking each. */
static int switch_and_check(void *arg)
{
	int i, bad = 0;
	u32 cpu = 0;

	for (i = 0; i < SWITCHES; i++) {
		if (num_online_cpus() > 1) {
			do
				cpu = (cpu + 1) % nr_cpu_ids();
			while (cpu_info(cpu)->state != CPU_ONLINE);
			set_cpus_allowed(current, cpu);
		}
		yield();
		bad += !slot_holds_current();
	}
	return bad;
}

KTEST(stackprotector, the_slot_holds_the_running_tasks_canary_after_each_switch)
{
	struct task *t[3];
	int i, pids[3], status;

	if (!need_stackprotector())
		return;
	KT_EXPECT(slot_holds_current());
	for (i = 0; i < 3; i++) {
		t[i] = kthread_run(switch_and_check, NULL, "canary-switch");
		KT_ASSERT(t[i]);
		pids[i] = t[i]->pid;
	}
	KT_EXPECT(switch_and_check(NULL) == 0);
	set_cpus_allowed(current, -1);
	for (i = 0; i < 3; i++) {
		KT_ASSERT(wait(pids[i], &status) == 0);
		KT_EXPECT_MSG(status == 0, "pid %d: %d of %d switches left another canary there",
			      pids[i], WEXITSTATUS(status), SWITCHES);
	}
}

/* Run fn in a task while a sibling counts: killed for a corrupted stack in `where`, and only it. */
static void corrupted_frame_kills_only_its_task(int (*fn)(void *), const char *where)
{
	struct task *sib = kthread_run(ktest_sibling, NULL, "sibling"), *t;
	u64 mark = printk_log_mark();
	int status = -1, pid;
	char line[96];

	KT_ASSERT(sib);
	t = kthread_run(fn, NULL, "lkdtm");
	KT_ASSERT(t);
	pid = t->pid;
	KT_ASSERT(wait(pid, &status) == 0);
	KT_EXPECT_MSG(status == KILLED_STACK_CORRUPT, "ended with status %#x", status);
	snprintf(line, sizeof(line), "stack-protector: Kernel stack is corrupted in: %s+0x", where);
	KT_EXPECT(printk_log_contains(mark, line));
	snprintf(line, sizeof(line), "PID: %d Comm: lkdtm", pid);
	KT_EXPECT(printk_log_contains(mark, line));
	KT_EXPECT(printk_log_contains(mark, "Call Trace:"));
	KT_EXPECT(printk_log_contains(mark, "end trace: killing lkdtm"));
	KT_EXPECT(!printk_log_contains(mark, "FAIL:"));
	KT_EXPECT(ktest_sibling_runs_on(sib));
}

static void lkdtm_kills_only_its_task(const char *name, const char *where)
{
	const struct lkdtm_test *lt = lkdtm_find(name);

	KT_ASSERT(lt);
	if (need_stackprotector())
		corrupted_frame_kills_only_its_task(lt->fn, where);
}

KTEST(stackprotector, a_char_array_overrun_is_caught)
{
	lkdtm_kills_only_its_task("CORRUPT_STACK", "corrupt_char_array");
}

KTEST(stackprotector, an_int_array_overrun_is_caught)
{
	lkdtm_kills_only_its_task("CORRUPT_STACK_STRONG", "corrupt_int_array");
}

/*
 * A guarded frame checked against another canary than the one it was entered with, as a switch
 * that loaded the wrong one would leave it. Interrupts off: a switch meanwhile would load the
 * right one again. This also shows that the compiler reads the very field this_cpu() changes.
 */
static noinline void return_with_another_canary(void)
{
	char buf[8] __attribute__((aligned(8)));

	asm volatile("" : : "r"(buf) : "memory");
	local_irq_disable();
	this_cpu()->stack_canary ^= 0x100;
}

static int another_canary_task(void *arg)
{
	return_with_another_canary();
	local_irq_enable();
	pr_err("FAIL: a frame checked against another canary returned\n");
	return 1;
}

KTEST(stackprotector, a_frame_checked_against_another_canary_is_caught)
{
	if (need_stackprotector())
		corrupted_frame_kills_only_its_task(another_canary_task,
						    "return_with_another_canary");
}

KTEST(stackprotector, report_stack_canary_finds_two_different_canaries)
{
	const struct lkdtm_test *lt = lkdtm_find("REPORT_STACK_CANARY");
	u64 mark = printk_log_mark();
	int status = -1;

	if (!need_stackprotector())
		return;
	KT_ASSERT(lt && lkdtm_run(lt, &status, NULL) == 0);
	KT_EXPECT_MSG(status == 0, "status %#x", status);
	KT_EXPECT(printk_log_contains(mark, "lkdtm: ok: stack canaries differ between pid "));
	KT_EXPECT(!printk_log_contains(mark, "FAIL:"));
}

static DEFINE_SPINLOCK(canary_test_lock);

/* Does the failure path refuse the kill now, with a reason that contains `want`? */
static bool refused_because(const char *want)
{
	char buf[128];
	const char *why = stack_chk_why_not_killable(buf, sizeof(buf));

	if (!why || !strstr(why, want)) {
		printk("# expected a reason with '%s', got '%s'\n", want, why ? why : "(kill)");
		return false;
	}
	return true;
}

/* In a task of its own (the tests run in init, which is never killed): one bit per wrong answer. */
static int kill_decisions(void *arg)
{
	char buf[128];
	int wrong = 0;
	u64 flags;

	if (stack_chk_why_not_killable(buf, sizeof(buf)))
		wrong |= 1;
	flags = spin_lock_irqsave(&canary_test_lock);
	wrong |= refused_because("holds lock 'canary_test_lock'") ? 0 : 2;
	spin_unlock_irqrestore(&canary_test_lock, flags);
	kill_disable();
	wrong |= refused_because("kill_disable()") ? 0 : 4;
	kill_enable();
	flags = local_irq_save();
	this_cpu_inc(irq_depth);
	wrong |= refused_because("interrupt context") ? 0 : 8;
	this_cpu_dec(irq_depth);
	this_cpu_inc(fault_depth);
	wrong |= refused_because("exception handler") ? 0 : 16;
	this_cpu_dec(fault_depth);
	local_irq_restore(flags);
	return wrong;
}

/* The overflow kill's rules, and two of its own; init and idle are refused by the same rules. */
KTEST(stackprotector, the_kill_is_refused_where_it_is_not_safe)
{
	struct task *t = kthread_run(kill_decisions, NULL, "canary-decide");
	int status = -1, pid;

	KT_ASSERT(t);
	pid = t->pid;
	KT_ASSERT(wait(pid, &status) == 0);
	KT_EXPECT_MSG(status == 0, "wrong decisions: %#x", WEXITSTATUS(status));
	KT_EXPECT(current->pid != 1 || refused_because("Attempted to kill init!"));
}
