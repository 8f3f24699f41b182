/*
 * Tasks: preemptive interleaving, exit status through wait, stacks that are reclaimed exactly,
 * zeroed when reused, never shared, with unmapped guards between them; clean failure when memory
 * runs out; and the seed's argument: fragmented memory still gives VMAP stacks.
 */
#include "arch/x86_64/asm/irqflags.h"
#include "kernel/debug/ktest.h"
#include "kernel/lib/errno.h"
#include "kernel/lib/string.h"
#include "kernel/printk/printk.h"
#include "kernel/smp.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include "mm/fail.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"

KTEST(task, exit_status_through_wait)
{
	struct task *t = kthread_run(ktest_return_arg, (void *)42, "ret42");
	int status = -1, pid;

	KT_ASSERT(t);
	pid = t->pid; /* the reap frees t (KFENCE caught a read of t->pid after it) */
	KT_ASSERT(wait(pid, &status) == 0);
	KT_EXPECT(WIFEXITED(status));
	KT_EXPECT(WEXITSTATUS(status) == 42);
	KT_EXPECT(wait(pid, &status) == -ECHILD); /* reaped: gone */
	KT_EXPECT(wait(-5, &status) == -ECHILD);
	KT_EXPECT(wait(current->pid, &status) == -ECHILD);
}

/* Busy tasks that never yield: only the timer can make them take turns. */
#define SPINNERS 4
static volatile int turn_log[4096];
static volatile int turn_pos;

static int spinner(void *arg)
{
	int id = (int)(u64)arg, last = -1;
	u64 end = jiffies + 30, sum = 0;

	while (jiffies < end) {
		sum += id + 1;
		local_irq_disable();
		if (turn_pos < (int)ARRAY_SIZE(turn_log) && last != turn_pos) {
			turn_log[turn_pos++] = id;
			last = turn_pos;
		}
		local_irq_enable();
	}
	return id * 10 + (sum > 0);
}

KTEST(task, preemption_interleaves_busy_tasks)
{
	struct task *t[SPINNERS];
	int i, switches = 0, status;

	turn_pos = 0;
	for (i = 0; i < SPINNERS; i++) {
		t[i] = kthread_run(spinner, (void *)(u64)i, "spinner");
		KT_ASSERT(t[i]);
	}
	for (i = 0; i < SPINNERS; i++) {
		KT_ASSERT(wait(t[i]->pid, &status) == 0);
		KT_EXPECT_MSG(WEXITSTATUS(status) == i * 10 + 1, "spinner %d returned %d", i,
			      WEXITSTATUS(status));
	}
	for (i = 1; i < turn_pos; i++)
		switches += turn_log[i] != turn_log[i - 1];
	printk("# %d log entries, %d changes of task\n", turn_pos, switches);
	/* Each spinner runs 300 ms in 20 ms slices: many more changes than tasks. */
	KT_EXPECT(switches >= 2 * SPINNERS);
}

static int sleeper(void *arg)
{
	u64 start = jiffies;

	sleep_ms((u64)arg);
	return (int)(jiffies - start);
}

KTEST(task, sleep_ms_sleeps)
{
	struct task *a = kthread_run(sleeper, (void *)50, "sleep50");
	struct task *b = kthread_run(sleeper, (void *)10, "sleep10");
	int sa, sb;

	KT_ASSERT(a && b);
	KT_ASSERT(wait(a->pid, &sa) == 0 && wait(b->pid, &sb) == 0);
	KT_EXPECT_MSG(WEXITSTATUS(sa) >= 5, "slept %d ticks for 50 ms", WEXITSTATUS(sa));
	KT_EXPECT(WEXITSTATUS(sb) >= 1);
}

static int sleep_forever(void *arg)
{
	for (;;)
		sleep_ms(10);
	return 0;
}

KTEST(task, kill_ends_task_and_tells_waiter)
{
	struct task *t = kthread_create(sleep_forever, NULL, "victim");
	int status, pid;

	KT_ASSERT(t);
	/* On this CPU: on another, it could end between the two kills below (the second: -1). */
	set_cpus_allowed(t, smp_processor_id());
	wake_up_process(t);
	pid = t->pid; /* t is freed once reaped */
	sleep_ms(20);
	KT_EXPECT(kill(t->pid) == 0);
	KT_EXPECT(kill(t->pid) == 0); /* asked twice before it ran: it still ends once */
	KT_ASSERT(wait(t->pid, &status) == 0);
	KT_EXPECT(status == KILLED_BY_KILL);
	KT_EXPECT(kill(pid) == -ESRCH); /* reaped: no such task */
	KT_EXPECT(kill(1) == -EPERM);
	KT_EXPECT(kill(current->pid) == -EPERM);
	KT_EXPECT(kill(123456) == -ESRCH);
}

/* Start from an empty stack cache, so the baseline holds no cached stacks either. */
static void settle(void)
{
	struct task *t = kthread_run(ktest_return_arg, NULL, "warmup");
	int status;

	if (t)
		wait(t->pid, &status);
	drain_stack_cache();
}

KTEST(task, create_and_reap_10000_back_to_baseline)
{
	struct ktest_mem before;
	int i, status;

	settle();
	ktest_mem_snapshot(&before);
	for (i = 0; i < 10000; i++) {
		struct task *t = kthread_run(ktest_return_arg, (void *)(u64)(i & 0x7f), "short");

		KT_ASSERT(t);
		KT_ASSERT(wait(t->pid, &status) == 0);
		if (WEXITSTATUS(status) != (i & 0x7f)) {
			KT_EXPECT_MSG(0, "task %d returned %d", i, WEXITSTATUS(status));
			break;
		}
	}
	KT_EXPECT_MEM_UNCHANGED(before);
}

static u64 deepest_zero_run(u64 base, u64 limit)
{
	const u64 *p = (const u64 *)base;

	while ((u64)p < limit && *p == 0)
		p++;
	return (u64)p - base;
}

/* Its 8 KiB frame is far above the kernel's -Wframe-larger-than limit, on purpose. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wframe-larger-than="
static int dirty_stack(void *arg)
{
	volatile u8 buf[8192];
	int i;

	for (i = 0; i < (int)sizeof(buf); i++)
		buf[i] = 0xa5;
	return buf[100] == 0xa5;
}
#pragma GCC diagnostic pop

/* A task that checks its own stack is zero below where it is running. */
static int check_zero_below_me(void *arg)
{
	u64 base = current->stack.base;
	u64 rsp = (u64)__builtin_frame_address(0) - 512;

	*(u64 *)arg = base;
	return deepest_zero_run(base, rsp) >= rsp - base - 8;
}

/*
 * Run fn on this CPU only: when it ends, its stack goes into this CPU's cache, where the next
 * task created here looks first (the caches are per CPU).
 */
static struct task *run_here(int (*fn)(void *arg), void *arg, const char *name)
{
	struct task *t = kthread_create(fn, arg, name);

	if (t) {
		set_cpus_allowed(t, smp_processor_id());
		wake_up_process(t);
	}
	return t;
}

KTEST(task, cached_stack_is_zeroed)
{
	struct task *a, *b;
	u64 a_base, b_base = 0;
	int status;

	if (!VMAP_STACK) {
		ktest_skip("VMAP_STACK=n has no stack cache");
		return;
	}
	drain_stack_cache();
	a = run_here(dirty_stack, NULL, "dirty");
	KT_ASSERT(a);
	a_base = a->stack.base;
	KT_ASSERT(wait(a->pid, &status) == 0 && WEXITSTATUS(status) == 1);
	b = kthread_run(check_zero_below_me, &b_base, "clean");
	KT_ASSERT(b);
	KT_ASSERT(wait(b->pid, &status) == 0);
	KT_EXPECT_MSG(b_base == a_base, "stack %#lx did not come from the cache (%#lx)", b_base,
		      a_base);
	KT_EXPECT_MSG(WEXITSTATUS(status) == 1, "a reused stack was handed out dirty");
}

KTEST(task, stacks_never_share_pages_and_have_guards)
{
	struct task *t[8];
	int i, j, status;
	u64 k;

	for (i = 0; i < 8; i++) {
		t[i] = kthread_create(ktest_return_arg, NULL, "layout");
		KT_ASSERT(t[i]);
	}
	for (i = 0; i < 8; i++) {
		u64 base = t[i]->stack.base, pa_i, pa_j;

		/* The guard pages are not mapped, and belong to no other stack. */
		if (VMAP_STACK) {
			KT_EXPECT(!lookup_kernel_page(base - 1, NULL, NULL));
			KT_EXPECT(!lookup_kernel_page(stack_top(&t[i]->stack), NULL, NULL));
		}
		for (j = 0; j < 8; j++) {
			if (i == j)
				continue;
			KT_EXPECT(!stack_guard_hit(&t[j]->stack, base));
			/* No byte of stack i is inside stack j or its guards. */
			KT_EXPECT(base + THREAD_SIZE + stack_guard_size() <=
					  t[j]->stack.base - stack_guard_size() ||
				  t[j]->stack.base + THREAD_SIZE + stack_guard_size() <=
					  base - stack_guard_size());
			for (k = 0; k < THREAD_SIZE / PAGE_SIZE; k++) {
				lookup_kernel_page(base + k * PAGE_SIZE, &pa_i, NULL);
				lookup_kernel_page(t[j]->stack.base + k * PAGE_SIZE, &pa_j, NULL);
				KT_EXPECT(pa_i != pa_j);
			}
		}
	}
	for (i = 0; i < 8; i++) {
		wake_up_process(t[i]);
		KT_EXPECT(wait(t[i]->pid, &status) == 0);
	}
}

KTEST(task, high_water_mark_measures_use)
{
	struct task *t = kthread_create(dirty_stack, NULL, "deep");
	u64 before;
	int status;

	KT_ASSERT(t);
	before = stack_high_water(&t->stack);
	KT_EXPECT(before < 256);
	wake_up_process(t);
	/* Look at it dead but unreaped: its high-water mark is kept in the task. */
	while (t->state != TASK_DEAD)
		sleep_ms(10);
	sleep_ms(10);
	KT_EXPECT_MSG(t->max_stack_used >= 8192 && t->max_stack_used < THREAD_SIZE,
		      "high water %lu", t->max_stack_used);
	KT_EXPECT(wait(t->pid, &status) == 0);
}

/* Creating tasks until memory runs out fails cleanly, and everything comes back. */
KTEST(task, out_of_memory_fails_cleanly)
{
	struct ktest_mem before;
	struct task *first = NULL, *t;
	int n = 0, status;

	settle();
	ktest_mem_snapshot(&before);
	/* Keep the created tasks in a list through their (unused) arg field. */
	while ((t = kthread_create(ktest_return_arg, first, "hog"))) {
		t->arg = first;
		first = t;
		n++;
	}
	printk("# created %d tasks before memory ran out\n", n);
	KT_EXPECT(n > 100);
	while (first) {
		t = first;
		first = t->arg;
		t->arg = NULL;
		wake_up_process(t);
		KT_EXPECT(wait(t->pid, &status) == 0);
	}
	KT_EXPECT_MEM_UNCHANGED(before);
}

/*
 * Fragment physical memory: take every free page, then give back every other one. Half the
 * memory is free, but no two free pages are buddies, so no block of order 1 or more exists.
 * VMAP stacks need only single pages; direct-mapped stacks need a THREAD_SIZE_ORDER block
 * (order 1 at least: THREAD_SIZE is 8 KiB or more).
 */
KTEST(task, fragmented_memory)
{
	struct page_stats ps;
	void *kept = NULL, *given = NULL, *p;
	u64 n = 0;
	struct task *t;
	int status;

	settle();
	while ((p = alloc_page())) {
		/* Alternate by physical address parity so neighbours never both come back. */
		if ((virt_to_phys(p) >> PAGE_SHIFT) & 1) {
			*(void **)p = given;
			given = p;
		} else {
			*(void **)p = kept;
			kept = p;
		}
		n++;
	}
	while (given) {
		p = given;
		given = *(void **)p;
		free_page(p);
	}
	page_stats(&ps);
	printk("# %lu pages free, free blocks of order 1: %lu, order 2: %lu\n", ps.free,
	       ps.free_blocks[1], ps.free_blocks[2]);
	KT_EXPECT(ps.free > 100 && ps.free_blocks[1] == 0 && ps.free_blocks[2] == 0);

	t = kthread_run(ktest_return_arg, (void *)7, "fragmented");
	if (VMAP_STACK) {
		KT_EXPECT_MSG(t, "VMAP stack could not be made from single pages");
	} else {
		KT_EXPECT_MSG(!t,
			      "a direct-mapped stack was made without a THREAD_SIZE_ORDER block");
	}
	if (t) {
		KT_EXPECT(wait(t->pid, &status) == 0 && WEXITSTATUS(status) == 7);
	}
	while (kept) {
		p = kept;
		kept = *(void **)p;
		free_page(p);
	}
	/* With memory whole again, the direct-mapped build can create tasks too. */
	t = kthread_run(ktest_return_arg, (void *)8, "whole");
	KT_ASSERT(t);
	KT_EXPECT(wait(t->pid, &status) == 0 && WEXITSTATUS(status) == 8);
}

KTEST(task, stack_end_canary_without_vmap)
{
	if (VMAP_STACK) {
		KT_EXPECT(stack_guard_size() == STACK_GUARD_PAGES * 4096UL);
		KT_EXPECT(current->stack.vm != NULL);
		return;
	}
	KT_EXPECT(*(u64 *)current->stack.base == STACK_END_MAGIC);
	KT_EXPECT(stack_end_intact(&current->stack));
}

KTEST(task, runs_on_a_task_stack)
{
	u64 rsp = (u64)__builtin_frame_address(0);

	/* The tests run in init, not on the boot stack. */
	KT_EXPECT(current && current->pid == 1);
	KT_EXPECT(rsp >= current->stack.base && rsp < stack_top(&current->stack));
	if (VMAP_STACK)
		KT_EXPECT(rsp >= VMALLOC_START && rsp < VMALLOC_END);
}

/* Two tasks that expect a fault at once: each catch belongs to its own task. */
static volatile bool catch_armed, catch_go;

static void read_address(void *addr)
{
	(void)*(volatile u8 *)addr;
}

static void wait_then_fault(void *addr)
{
	catch_armed = true;
	while (!catch_go)
		sleep_ms(1);
	read_address(addr);
}

static int fault_with_catch(void *arg)
{
	struct fault_record rec;

	if (!ktest_expect_fault(wait_then_fault, (void *)0x18, &rec))
		return 1;
	return rec.cr2 == 0x18 ? 0 : 2;
}

KTEST(task, a_fault_catch_belongs_to_the_task_that_armed_it)
{
	struct fault_record rec;
	struct task *t;
	int status = -1;

	catch_armed = catch_go = false;
	t = kthread_run(fault_with_catch, NULL, "catcher");
	KT_ASSERT(t);
	while (!catch_armed)
		sleep_ms(1);
	/* This task's own catch, armed and used while the other task's is armed too. */
	KT_EXPECT(ktest_expect_fault(read_address, (void *)0x10, &rec));
	KT_EXPECT(rec.cr2 == 0x10);
	catch_go = true;
	KT_ASSERT(wait(t->pid, &status) == 0);
	KT_EXPECT_MSG(status == 0, "the catcher ended with %#x", status);
}

/* Where a task may scribble: from the base up, but past the canary of a direct-mapped stack. */
static u64 scribble_start(void)
{
	return current->stack.base + (VMAP_STACK ? 0 : sizeof(u64));
}

/* Fill everything below the frame with a pattern, from the stack's base up. */
static int scribble_on_own_stack(void *arg)
{
	u64 below = (u64)__builtin_frame_address(0) - 512;

	*(u64 *)arg = current->stack.base;
	memset((void *)scribble_start(), 0xa5, below - scribble_start());
	return 0;
}

/* Is the stack, from its base to below this frame, all zero? 0 if so. */
static int check_own_stack_zero(void *arg)
{
	const u8 *p = (const u8 *)scribble_start();
	u64 below = (u64)__builtin_frame_address(0) - 512, n = 0;

	*(u64 *)arg = current->stack.base;
	for (; (u64)p < below; p++)
		n += *p != 0;
	return n ? 1 : 0;
}

/*
 * A task writes a pattern over its whole stack and dies; the next task gets that stack from the
 * cache and must find nothing of it (with STACK_ZERO_DIRTY too: only the pages written are
 * zeroed, and that must be all of them).
 */
KTEST(task, a_reused_stack_is_all_zero)
{
	u64 first = 0, second = 0;
	struct task *t;
	int status = -1;

	drain_stack_cache();
	t = run_here(scribble_on_own_stack, &first, "scribble");
	KT_ASSERT(t && wait(t->pid, &status) == 0 && status == 0);
	t = kthread_run(check_own_stack_zero, &second, "check");
	KT_ASSERT(t && wait(t->pid, &status) == 0);
	if (VMAP_STACK && NR_CACHED_STACKS)
		KT_EXPECT_MSG(second == first, "the second task got another stack");
	KT_EXPECT_MSG(status == 0, "the reused stack held the last task's bytes");
}

/*
 * On cpu, with the stack cache emptied: two tasks run fn, with a then b, and a third checks that
 * the stack it gets is all zero. With a cache the three share one stack: fn leaves its stack's
 * base in *a_base and *b_base, the third task in its own.
 */
static void two_writers_then_a_check(u32 cpu, int (*fn)(void *arg), void *a, const u64 *a_base,
				     void *b, const u64 *b_base)
{
	u64 third = 0;
	struct task *t;
	int status = -1;

	KT_ASSERT(set_cpus_allowed(current, cpu) == 0);
	drain_stack_cache();
	t = run_here(fn, a, "scribble");
	KT_ASSERT(t && wait(t->pid, &status) == 0 && status == 0);
	t = run_here(fn, b, "scribble");
	KT_ASSERT(t && wait(t->pid, &status) == 0 && status == 0);
	t = run_here(check_own_stack_zero, &third, "check");
	KT_ASSERT(t && wait(t->pid, &status) == 0);
	set_cpus_allowed(current, 0); /* where ktest runs its tests */
	if (VMAP_STACK && NR_CACHED_STACKS)
		KT_EXPECT_MSG(*a_base == *b_base && *b_base == third,
			      "the tasks did not share one stack (%#lx %#lx %#lx)", *a_base,
			      *b_base, third);
	KT_EXPECT_MSG(status == 0, "the reused stack held the last task's bytes");
}

/* Scribble over the stack on one CPU, then move to another and end there: its cache gets it. */
struct scribble_move {
	u64 base;
	int write_cpu, exit_cpu;
};

static int scribble_then_move(void *arg)
{
	struct scribble_move *m = arg;

	set_cpus_allowed(current, m->write_cpu);
	scribble_on_own_stack(&m->base);
	set_cpus_allowed(current, m->exit_cpu);
	return 0;
}

/*
 * With STACK_ZERO_DIRTY, across CPUs: CPU 0 writes a stack (its TLB keeps the pages as dirty),
 * the stack is reused from CPU 1's cache - its dirty bits cleared - and written again on CPU 0.
 * Had CPU 0's TLB not been flushed when the bits were cleared, those writes would set no dirty
 * bit, the third task's zeroing would skip their pages, and it would read the second's bytes.
 */
KTEST(task, a_stack_written_on_another_cpu_is_all_zero_when_reused)
{
	struct scribble_move a = { 0, 0, 1 }, b = { 0, 0, 1 };

	if (num_online_cpus() < 2) {
		ktest_skip("one CPU online");
		return;
	}
	two_writers_then_a_check(1, scribble_then_move, &a, &a.base, &b, &b.base);
}

/* Each CPU but the last writes a page of its own; the task then moves to the last and ends. */
struct scribble_tour {
	u64 base;
	u32 ncpus;
};

static int scribble_a_page_per_cpu(void *arg)
{
	struct scribble_tour *m = arg;
	u64 pages = THREAD_SIZE / PAGE_SIZE - 1; /* below the page this frame is in */
	u32 cpu;

	m->base = current->stack.base;
	for (cpu = 0; cpu + 1 < m->ncpus; cpu++) {
		set_cpus_allowed(current, cpu);
		memset((void *)(scribble_start() + (cpu % pages) * PAGE_SIZE), 0xa5,
		       PAGE_SIZE - (scribble_start() - current->stack.base));
	}
	set_cpus_allowed(current, m->ncpus - 1);
	return 0;
}

/*
 * With STACK_ZERO_DIRTY, a stack's task migrating across every CPU: the first task writes a
 * page on each CPU but the last (each CPU's TLB keeps its page as dirty) and ends on the last,
 * whose cache reuses the stack for a second task that does the same, and then for a third that
 * checks it is all zero. A CPU that wrote without first dropping its stale entries (the reuse
 * cleared the dirty bits on the last CPU only) left its page unmarked, and the third task reads
 * it. Each CPU has a page of its own so that every CPU's flush counts.
 */
KTEST(task, a_stack_migrating_across_every_cpu_is_all_zero_when_reused)
{
	struct scribble_tour a = { 0, num_online_cpus() }, b = a;

	if (num_online_cpus() < 2) {
		ktest_skip("one CPU online");
		return;
	}
	two_writers_then_a_check(num_online_cpus() - 1, scribble_a_page_per_cpu, &a, &a.base, &b,
				 &b.base);
}
