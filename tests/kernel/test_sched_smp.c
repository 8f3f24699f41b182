/*
 * SMP, second stage: tasks run on every CPU. A task can be pinned and moved; an overflow on one
 * CPU kills only its task while tasks on the other CPUs go on; thousands of tasks created on one
 * CPU and ended on others leave memory exactly as it was, their stacks freed into the cache of
 * the CPU they ended on. Every wait here is for a state (a counter moving, a task ending), never
 * for an amount of time: the deadlines only keep a broken kernel from hanging the suite.
 */
#include "kernel/debug/ktest.h"
#include "kernel/debug/lkdtm.h"
#include "kernel/lib/string.h"
#include "kernel/lib/vsprintf.h"
#include "kernel/printk/printk.h"
#include "kernel/smp.h"
#include "kernel/stack.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include "arch/x86_64/asm/special_insns.h"

#define DEADLINE (60 * HZ) /* only against a hang; a healthy run takes a fraction of it */

static bool need_cpus(u32 n)
{
	static char why[48]; /* ktest_skip() keeps the pointer */

	if (num_online_cpus() >= n)
		return true;
	snprintf(why, sizeof(why), "needs %u CPUs online, %u are", n, num_online_cpus());
	ktest_skip(why);
	return false;
}

/* Pinned to each CPU in turn, the test itself runs there; then anywhere again. */
KTEST(sched_smp, set_cpus_allowed_moves_the_running_task)
{
	u32 cpu;

	if (!need_cpus(2))
		return;
	for (cpu = 0; cpu < nr_cpu_ids(); cpu++) {
		if (cpu_info(cpu)->state != CPU_ONLINE)
			continue;
		KT_EXPECT(set_cpus_allowed(current, cpu) == 0);
		KT_EXPECT_MSG(smp_processor_id() == cpu, "pinned to CPU %u, running on CPU %u", cpu,
			      smp_processor_id());
		KT_EXPECT(current->cpu == (int)cpu);
	}
	KT_EXPECT(set_cpus_allowed(current, NR_CPUS + 1) == -1);
	KT_EXPECT(set_cpus_allowed(current, -1) == 0);
	KT_EXPECT(current->cpu_allowed == -1);
}

/* Spinners that note every CPU they run on, until told to stop. */
static volatile u32 cpus_seen;
static volatile bool spinners_stop;

static int spin_and_note_cpu(void *arg)
{
	while (!spinners_stop)
		__atomic_fetch_or(&cpus_seen, 1u << smp_processor_id(), __ATOMIC_RELAXED);
	return 0;
}

/* Unpinned tasks spread over the CPUs: each CPU ends up running one of them. */
KTEST(sched_smp, unpinned_tasks_run_on_every_cpu)
{
	struct task *t[NR_CPUS];
	u32 n = num_online_cpus(), all = 0, i;
	u64 deadline = jiffies + DEADLINE;

	if (!need_cpus(2))
		return;
	for (i = 0; i < nr_cpu_ids(); i++)
		all |= cpu_info(i)->state == CPU_ONLINE ? 1u << i : 0;
	cpus_seen = 0;
	spinners_stop = false;
	for (i = 0; i < n; i++)
		t[i] = kthread_run(spin_and_note_cpu, NULL, "spinner");
	while ((cpus_seen & all) != all && jiffies < deadline)
		sleep_ms(10);
	spinners_stop = true;
	for (i = 0; i < n; i++) {
		if (t[i])
			KT_EXPECT(wait(t[i]->pid, NULL) == 0);
	}
	KT_EXPECT_MSG((cpus_seen & all) == all, "spinners ran on CPUs %#x of %#x", cpus_seen, all);
}

/* Counting tasks that note which CPUs they ran on, until told to stop. */
struct pull_counter {
	volatile u64 count;
};

/* Per CPU: the counter that ran there last, and how often that changed. */
static struct pull_counter *volatile pull_cpu_last[NR_CPUS];
static volatile u32 pull_cpu_changes[NR_CPUS];
static volatile bool pull_stop;

static int count_and_note_cpu(void *arg)
{
	struct pull_counter *c = arg;

	while (!pull_stop) {
		u32 cpu = smp_processor_id();

		if (pull_cpu_last[cpu] != c) {
			pull_cpu_last[cpu] = c;
			pull_cpu_changes[cpu]++;
		}
		c->count++;
		/*
		 * A spin-wait hint, as any busy loop should have: QEMU's TCG with every vCPU on one
		 * host thread (make test's 64 CPUs) then lets the next vCPU run, where a bare loop
		 * holds the thread for its whole slice (7.5 -> 4.5 s of host CPU with 64 CPUs).
		 */
		cpu_relax();
	}
	return 0;
}

/*
 * Has every online CPU taken turns between two of them at least (one is what an idle pull alone
 * gives a CPU), and every one of them counted?
 */
static bool every_cpu_and_task_ran(const struct pull_counter *c, u32 n)
{
	u32 i;

	for (i = 0; i < nr_cpu_ids(); i++) {
		if (cpu_info(i)->state == CPU_ONLINE && pull_cpu_changes[i] < 2)
			return false;
	}
	for (i = 0; i < n; i++) {
		if (!c[i].count)
			return false;
	}
	return true;
}

/*
 * Pull balancing: 4N counting tasks, all queued on CPU 0 (pinned there, then let go while still
 * queued). Only pulls from CPU 0's queue can bring them to the other CPUs: every CPU must end up
 * taking turns between several (an idle CPU pulls one; the tick's balance the rest), and every
 * task must count (none starves on a long queue).
 */
KTEST(sched_smp, idle_cpus_pull_4n_counting_tasks_queued_on_cpu_0)
{
	static struct pull_counter counters[4 * NR_CPUS];
	static struct task *tasks[4 * NR_CPUS];
	u32 n = 4 * num_online_cpus(), on_other = 0, i;
	u64 deadline = jiffies + DEADLINE;

	if (!need_cpus(2))
		return;
	memset((void *)pull_cpu_last, 0, sizeof(pull_cpu_last));
	memset((void *)pull_cpu_changes, 0, sizeof(pull_cpu_changes));
	memset(counters, 0, sizeof(counters));
	pull_stop = false;
	for (i = 0; i < n; i++) {
		tasks[i] = kthread_create(count_and_note_cpu, &counters[i], "pullcount");
		KT_ASSERT(tasks[i] && set_cpus_allowed(tasks[i], 0) == 0);
		wake_up_process(tasks[i]);
	}
	for (i = 0; i < n; i++)
		set_cpus_allowed(tasks[i], -1);
	while (!every_cpu_and_task_ran(counters, n) && jiffies < deadline)
		sleep_ms(10);
	for (i = 0; i < n; i++)
		on_other += tasks[i]->cpu != 0;
	pull_stop = true;
	for (i = 0; i < n; i++)
		KT_EXPECT(wait(tasks[i]->pid, NULL) == 0);
	KT_EXPECT_MSG(every_cpu_and_task_ran(counters, n),
		      "a CPU never took turns between two tasks, or a task never counted");
	printk("# %u of %u tasks last ran on a CPU other than 0\n", on_other, n);
}

/* A counter pinned to one CPU, counting without sleeping: it only moves while it runs there. */
struct counter {
	volatile u64 count;
	volatile bool stop;
	volatile int wrong_cpu; /* the CPU it found itself on, if ever not its own; else -1 */
	int cpu;
};

static int count_on_cpu(void *arg)
{
	struct counter *c = arg;

	while (!c->stop) {
		if ((int)smp_processor_id() != c->cpu)
			c->wrong_cpu = smp_processor_id();
		c->count++;
	}
	return 0;
}

static struct task *start_counter(struct counter *c, int cpu)
{
	struct task *t = kthread_create(count_on_cpu, c, "counter");

	c->count = 0;
	c->stop = false;
	c->wrong_cpu = -1;
	c->cpu = cpu;
	if (t && set_cpus_allowed(t, cpu)) {
		kill_and_reap(t->pid, NULL);
		return NULL;
	}
	if (t)
		wake_up_process(t);
	return t;
}

/* Has each counter moved past where it was? Waits for it, or gives up at the deadline. */
static bool counters_advance(struct counter *a, struct counter *b)
{
	u64 a0 = a->count, b0 = b->count, deadline = jiffies + DEADLINE;

	while (jiffies < deadline) {
		if (a->count > a0 + 1000 && b->count > b0 + 1000)
			return true;
		yield();
	}
	return false;
}

/*
 * EXHAUST_STACK on CPU 1, while counters run on CPUs 0 and 2: the oops names CPU 1 and the
 * task, the task is killed, and both counters go on counting after the kill - on their own
 * CPUs, never moved.
 */
KTEST(sched_smp, overflow_on_cpu_1_leaves_counters_on_cpus_0_and_2_counting)
{
	static struct counter c0, c2;
	const struct lkdtm_test *lt = lkdtm_find("EXHAUST_STACK");
	struct task *t0, *t2;
	u64 mark = printk_log_mark();
	char line[48];
	int status = 0, pid = -1;

	if (!VMAP_STACK) {
		ktest_skip("VMAP_STACK=n: overruns go unnoticed");
		return;
	}
	if (!need_cpus(3))
		return;
	KT_ASSERT(lt);
	t0 = start_counter(&c0, 0);
	t2 = start_counter(&c2, 2);
	KT_ASSERT(t0 && t2);
	KT_EXPECT_MSG(counters_advance(&c0, &c2), "before: counters at %lu and %lu", c0.count,
		      c2.count);
	KT_ASSERT(lkdtm_run_on(lt, 1, &status, &pid) == 0);
	KT_EXPECT_MSG(status == KILLED_STACK_OVERFLOW, "status %#x", status);
	snprintf(line, sizeof(line), "CPU: 1 PID: %d Comm: lkdtm", pid);
	KT_EXPECT_MSG(printk_log_contains(mark, line), "no '%s' in the log", line);
	KT_EXPECT_MSG(counters_advance(&c0, &c2), "after the kill: counters at %lu and %lu",
		      c0.count, c2.count);
	c0.stop = c2.stop = true;
	KT_EXPECT(wait(t0->pid, NULL) == 0 && wait(t2->pid, NULL) == 0);
	KT_EXPECT_MSG(c0.wrong_cpu < 0 && c2.wrong_cpu < 0, "pinned counters ran on CPU %d / %d",
		      c0.wrong_cpu, c2.wrong_cpu);
}

/*
 * 10,000 tasks, created here and each pinned to the next online CPU in turn: free pages (page
 * tables included), slab objects, vmalloc areas and tasks back exactly at the baseline. A stack
 * is allocated on the creator's CPU and freed by the CPU its task ended on, into that CPU's
 * cache: those frees are counted.
 */
KTEST(sched_smp, create_and_exit_10000_over_every_cpu_back_to_baseline)
{
	struct ktest_mem before;
	struct stack_stats s0, s1;
	u32 cpus[NR_CPUS], n = 0, i;
	int status, bad = 0;

	if (!need_cpus(2))
		return;
	for (i = 0; i < nr_cpu_ids(); i++) {
		if (cpu_info(i)->state == CPU_ONLINE)
			cpus[n++] = i;
	}
	/* Warm up: slab and page tables as the loop will want them, on every CPU. */
	for (i = 0; i < 2 * n; i++) {
		struct task *t = kthread_create(ktest_return_arg, NULL, "warmup");

		KT_ASSERT(t && set_cpus_allowed(t, cpus[i % n]) == 0);
		wake_up_process(t);
		wait(t->pid, &status);
	}
	ktest_mem_snapshot(&before);
	stack_stats(&s0);
	for (i = 0; i < 10000; i++) {
		struct task *t = kthread_create(ktest_return_arg, (void *)(u64)(i & 0x7f), "short");

		KT_ASSERT(t);
		KT_ASSERT(set_cpus_allowed(t, cpus[i % n]) == 0);
		wake_up_process(t);
		if (wait(t->pid, &status) || status != W_EXITCODE(i & 0x7f, 0))
			bad++;
	}
	stack_stats(&s1);
	KT_EXPECT_MSG(!bad, "%d of 10000 tasks did not end with their status", bad);
	KT_EXPECT_MSG(s1.cross_cpu_frees > s0.cross_cpu_frees, "no stack freed on another CPU");
	printk("# %lu stacks freed on another CPU than their own\n",
	       s1.cross_cpu_frees - s0.cross_cpu_frees);
	KT_EXPECT_MEM_UNCHANGED(before);
}

/* Two tasks that overflow at the same moment: each waits until both are there, then goes. */
static volatile u32 at_the_line;

static int overflow_together(void *arg)
{
	__atomic_fetch_add(&at_the_line, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&at_the_line, __ATOMIC_SEQ_CST) < 2)
		cpu_relax();
	return lkdtm_find("EXHAUST_STACK")->fn(arg);
}

/*
 * Does the log from mark on hold the oops of CPU cpu whole? Its CPU line comes right after the
 * "kernel stack overflow" line and right before its registers, and no other CPU's line comes
 * before its end ("---[ end trace").
 */
static bool oops_whole(u64 mark, u32 cpu)
{
	static char log[32768];
	char cpu_line[32], *p, *line, *end, *other;
	u64 pos = mark;
	size_t n = 0, got;

	while (n < sizeof(log) - 1 && (got = printk_log_read(&pos, log + n, sizeof(log) - n)))
		n += got;
	log[n] = '\0';
	snprintf(cpu_line, sizeof(cpu_line), "\nCPU: %u PID: ", cpu);
	p = strstr(log, cpu_line);
	if (!p)
		return false;
	/* p is at the newline that ends the line before the CPU line: back to that line's start. */
	for (line = p; line > log && line[-1] != '\n'; line--)
		;
	end = strstr(p, "---[ end trace: killing ");
	other = strstr(p + 1, "\nCPU: ");
	return !strncmp(line, "kernel stack overflow (", 23) && strchr(p + 1, '\n') &&
	       !strncmp(strchr(p + 1, '\n') + 1, "RIP: ", 5) && end && (!other || other > end);
}

/*
 * EXHAUST_STACK on CPUs 1 and 2 at once: both reported (each oops names its CPU and stays whole,
 * its registers right after its CPU line), both tasks killed, the system goes on.
 */
KTEST(sched_smp, two_cpus_overflow_at_once_both_reported_and_killed)
{
	struct task *a, *b;
	u64 mark = printk_log_mark();
	int sa = 0, sb = 0;

	if (!VMAP_STACK) {
		ktest_skip("VMAP_STACK=n: overruns go unnoticed");
		return;
	}
	if (!need_cpus(3))
		return;
	at_the_line = 0;
	a = kthread_create(overflow_together, NULL, "overflow-a");
	b = kthread_create(overflow_together, NULL, "overflow-b");
	KT_ASSERT(a && b);
	KT_ASSERT(set_cpus_allowed(a, 1) == 0 && set_cpus_allowed(b, 2) == 0);
	wake_up_process(a);
	wake_up_process(b);
	KT_ASSERT(wait(a->pid, &sa) == 0 && wait(b->pid, &sb) == 0);
	KT_EXPECT_MSG(sa == KILLED_STACK_OVERFLOW && sb == KILLED_STACK_OVERFLOW,
		      "status %#x and %#x", sa, sb);
	KT_EXPECT(printk_log_contains(mark, "Comm: overflow-a"));
	KT_EXPECT(printk_log_contains(mark, "Comm: overflow-b"));
	KT_EXPECT_MSG(oops_whole(mark, 1) && oops_whole(mark, 2), "an oops was not whole");
}
