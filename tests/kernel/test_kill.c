/*
 * kill() and failed allocations leave nothing behind: a task is ended only at a safe point (never
 * with an allocation in flight), a killed waiter orphans nobody, and every allocation of task
 * creation can fail with memory exactly as it was.
 */
#include "arch/x86_64/asm/irqflags.h"
#include "arch/x86_64/asm/special_insns.h"
#include "kernel/debug/ktest.h"
#include "kernel/locking/spinlock.h"
#include "kernel/printk/printk.h"
#include "kernel/stack.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include "kernel/wait.h"
#include "mm/fail.h"
#include "mm/test_hooks.h"
#include "mm/vmalloc.h"

/* A task with memory in flight across a switch: vmalloc'd, not yet recorded anywhere. */
static volatile bool hog_midway;

static int hold_memory_across_a_switch(void *arg)
{
	for (;;) {
		void *p;

		kill_disable();
		p = vmalloc(4 * PAGE_SIZE);
		hog_midway = true;
		yield(); /* kill() runs now, while p is known only to this frame */
		vfree(p);
		kill_enable();
		sleep_ms(1);
	}
	return 0;
}

/* Start fn, wait until *midway says it is where we want it, kill it and reap it. */
static void kill_when_midway(int (*fn)(void *arg), volatile bool *midway)
{
	struct task *t;
	int status = -1;

	*midway = false;
	t = kthread_run(fn, NULL, "midway");
	KT_ASSERT(t);
	while (!*midway)
		yield();
	KT_EXPECT(kill(t->pid) == 0);
	KT_ASSERT(wait(t->pid, &status) == 0);
	KT_EXPECT_MSG(status == KILLED_BY_KILL, "status %#x", status);
}

KTEST(kill, kill_waits_until_no_allocation_is_in_flight)
{
	struct ktest_mem before;

	ktest_mem_snapshot(&before);
	kill_when_midway(hold_memory_across_a_switch, &hog_midway);
	KT_EXPECT_MEM_UNCHANGED(before);
}

/* A task stopped (by the hook) in the middle of vmalloc() when kill() comes. */
static void *volatile midway_area;
static volatile bool in_vmalloc;

static void yield_inside_vmalloc(u64 page_index)
{
	if (page_index == 0) {
		vmalloc_test_hook = NULL;
		in_vmalloc = true;
		yield(); /* a safe point, were it not inside vmalloc */
	}
}

static int vmalloc_then_sleep(void *arg)
{
	/* Interrupts off: the only switch before the result is stored is the one in the hook. */
	local_irq_disable();
	vmalloc_test_hook = yield_inside_vmalloc; /* this task's vmalloc, not its creator's */
	midway_area = vmalloc(4 * PAGE_SIZE);
	local_irq_enable();
	for (;;)
		sleep_ms(1);
	return 0;
}

KTEST(kill, kill_mid_vmalloc_leaks_nothing)
{
	struct ktest_mem before;

	ktest_mem_snapshot(&before);
	midway_area = NULL;
	kill_when_midway(vmalloc_then_sleep, &in_vmalloc);
	vmalloc_test_hook = NULL;
	KT_EXPECT_MSG(midway_area, "killed inside vmalloc: the area was left half-built");
	vfree(midway_area);
	KT_EXPECT_MEM_UNCHANGED(before);
}

/*
 * Make the 1st, 2nd, ... allocation of kthread_create() fail, one run each, until a run makes
 * fewer allocations than the one meant to fail: each failure must give NULL and leave memory
 * exactly as it was. The cache is drained first, so the stack comes from vmalloc.
 */
KTEST(kill, every_failed_allocation_of_kthread_create_leaks_nothing)
{
	struct ktest_mem before, after;
	struct task *t;
	int status;
	u64 n;

	/* Once through, so that slab pages and page tables the path needs already exist. */
	drain_stack_cache();
	t = kthread_create(ktest_return_arg, NULL, "warmup");
	KT_ASSERT(t && kill(t->pid) == 0 && wait(t->pid, &status) == 0);
	for (n = 1; n < 100; n++) {
		ktest_mem_snapshot(&before);
		fail_nth_set(n);
		t = kthread_create(ktest_return_arg, NULL, "failing");
		fail_nth_set(0);
		if (t) {
			/* Fewer than n allocations: every one of them has failed once. */
			KT_EXPECT(kill(t->pid) == 0 && wait(t->pid, &status) == 0);
			break;
		}
		ktest_mem_snapshot(&after);
		KT_EXPECT_MSG(!ktest_mem_diff(&before, &after, "# "),
			      "allocation %lu failed and memory is not as it was (above)", n);
	}
	printk("# kthread_create: failed each of its %lu allocations in turn\n", n - 1);
	/* The task and its stack at least: with VMAP_STACK also the area and each page. */
	KT_EXPECT_MSG(n - 1 >= (VMAP_STACK ? 3 + THREAD_SIZE / PAGE_SIZE : 2) && n < 100,
		      "%lu allocation points", n - 1);
}

static int sleep_200ms(void *arg)
{
	sleep_ms(200);
	return 0;
}

static int wait_for_child(void *arg)
{
	return wait(((struct task *)arg)->pid, NULL);
}

/*
 * A task killed while it waits for a child gives up the wait; the child, now without a waiter,
 * must be freed at its death, not left on the task list for ever.
 */
KTEST(kill, killing_a_waiter_leaves_no_orphan)
{
	u64 tasks = nr_tasks();
	struct task *child = kthread_run(sleep_200ms, NULL, "child");
	struct task *waiter;
	int status;

	KT_ASSERT(child);
	waiter = kthread_run(wait_for_child, child, "waiter");
	KT_ASSERT(waiter);
	sleep_ms(20);
	KT_EXPECT(kill(waiter->pid) == 0);
	KT_ASSERT(wait(waiter->pid, &status) == 0);
	/* Wait for a state: the child ends after its sleep and is freed, as if detached. */
	while (nr_tasks() != tasks)
		sleep_ms(10);
	KT_EXPECT(nr_tasks() == tasks);
}

/*
 * A task that is running when kill() comes, and goes to sleep before its next safe point: in
 * sleep_ms(), wait_event() or wait(). kill() wakes only a task that sleeps already, so each
 * sleeper must look at stop_pending before it sleeps, or the task sleeps out its time, or until
 * a wake-up that may never come (seen as a minute's stall: a process killed as it went into a
 * 60 s sleep). Each sleep below ends only by a kill, or by the test's own hand (gate_open).
 */
static volatile bool sleeper_spinning, gate_open;
static int (*go_to_sleep)(void *arg);
static struct wait_queue gate;
static struct task *never_ends;

static bool gate_is_open(void *arg)
{
	return gate_open;
}

static int wait_at_the_gate(void *arg)
{
	wait_event(&gate, gate_is_open, NULL);
	return 0;
}

static int sleep_an_hour(void *arg)
{
	sleep_ms(3600 * 1000);
	return 0;
}

/* wait() gives up, as asked, and returns: the caller stops at its next safe point, here. */
static int wait_for_a_task_that_never_ends(void *arg)
{
	if (wait(never_ends->pid, NULL))
		stop_if_asked();
	return 0;
}

/*
 * The spin is inside kill_disable(): else a preemption after the kill (on one CPU, the one that
 * lets the killer run) would end the task there, and it would never get to its sleeper.
 */
static int spin_until_asked_then_sleep(void *arg)
{
	kill_disable();
	sleeper_spinning = true;
	while (!current->stop_pending)
		cpu_relax();
	kill_enable();
	return go_to_sleep(NULL);
}

/*
 * Start a task that spins until kill() asks it to stop and then calls sleep, kill it, and give
 * it 10 s to end (it needs microseconds; a busy host may hold a CPU back a while): a task not
 * dead by then sleeps. Returns it unreaped (NULL if none was made).
 */
static struct task *kill_just_before(int (*sleep)(void *arg))
{
	struct task *t;
	u64 until;

	go_to_sleep = sleep;
	sleeper_spinning = false;
	t = kthread_run(spin_until_asked_then_sleep, NULL, "sleeper");
	if (!t)
		return NULL;
	while (!sleeper_spinning)
		yield();
	KT_EXPECT(kill(t->pid) == 0);
	until = jiffies + 10 * HZ;
	while (__atomic_load_n(&t->state, __ATOMIC_RELAXED) != TASK_DEAD && jiffies < until)
		sleep_ms(10);
	KT_EXPECT_MSG(t->state == TASK_DEAD, "killed before it slept, %s still sleeps 10 s later",
		      t->comm);
	return t;
}

/* End whatever sleep the test's task is still in, reap it, and check how it ended. */
static void wake_and_reap(struct task *t, int expected)
{
	int status = -1;

	gate_open = true;
	wake_up_all(&gate);
	wake_up_process(t);
	KT_ASSERT(wait(t->pid, &status) == 0);
	KT_EXPECT_MSG(status == expected, "status %#x, expected %#x", status, expected);
}

KTEST(kill, a_task_killed_just_before_it_sleeps_ends_without_sleeping)
{
	struct task *t = kill_just_before(sleep_an_hour);

	KT_ASSERT(t);
	wake_and_reap(t, KILLED_BY_KILL);
}

KTEST(kill, a_task_killed_just_before_it_waits_on_a_queue_ends_without_waiting)
{
	struct task *t;

	gate_open = false;
	t = kill_just_before(wait_at_the_gate);
	KT_ASSERT(t);
	wake_and_reap(t, KILLED_BY_KILL);
}

/*
 * The task it would wait for ends when the gate opens: detached by the waiter that gave up, it
 * is freed at its death; reaped by a waiter that did not give up (which then ends with 0).
 */
KTEST(kill, a_task_killed_just_before_it_waits_for_a_task_gives_up_the_wait)
{
	struct task *t;

	gate_open = false;
	never_ends = kthread_run(wait_at_the_gate, NULL, "never-ends");
	KT_ASSERT(never_ends);
	t = kill_just_before(wait_for_a_task_that_never_ends);
	KT_ASSERT(t);
	wake_and_reap(t, KILLED_BY_KILL);
}

/* kill_and_reap() of a detached task that never ran: it is reaped once, with its status. */
KTEST(kill, kill_and_reap_of_a_detached_new_task)
{
	struct task *t = kthread_create(ktest_return_arg, NULL, "new");
	int status = 0x1234;

	KT_ASSERT(t);
	kthread_detach(t);
	KT_EXPECT(kill_and_reap(t->pid, &status) == 0);
	KT_EXPECT_MSG(status == KILLED_BY_KILL, "status %#x", status);
}
