/*
 * The SMP figures of the benchmark (kernel/debug/bench.c runs them after bench_figures.c's):
 * what an IPI and a TLB shootdown cost, and what the lazy purge saves on stack frees. Names end
 * in the number of CPUs online (`make bench SMP=4`), since that is what the cost grows with;
 * a figure that needs other CPUs is left out when there are none. docs/BENCHMARKS.md has them.
 */
#include "kernel/debug/bench.h"
#include "arch/x86_64/paging.h"
#include "kernel/lib/string.h"
#include "kernel/lib/vsprintf.h"
#include "kernel/printk/printk.h"
#include "kernel/smp.h"
#include "kernel/stack.h"
#include "kernel/task.h"
#include "mm/tlbflush.h"
#include "mm/vmalloc.h"
#include "arch/x86_64/asm/special_insns.h"

static char shootdown_name[32], ipi_name[32], immediate_name[40], lazy_name[40], busy_all_name[48];

/* ---------------------------------------------------------------- one page, one IPI */

static u8 *flush_page; /* a mapped vmalloc page: what the flushes drop */

static int flush_setup(u64 unused)
{
	flush_page = vmalloc(PAGE_SIZE);
	return flush_page ? 0 : -1;
}

static void flush_teardown(void)
{
	vfree(flush_page);
	vmalloc_purge();
}

/* INVLPG of one page on this CPU, the reference for the shootdown. */
static u64 run_flush_local(void)
{
	u64 t0;

	(void)*(volatile u8 *)flush_page; /* the entry is in the TLB: INVLPG has work */
	t0 = bench_clock();
	local_flush_tlb_kernel_range((u64)flush_page, (u64)flush_page + PAGE_SIZE);
	return bench_clock() - t0;
}

/* The same page from every online CPU's TLB, waiting for each acknowledgement. */
static u64 run_shootdown(void)
{
	u64 t0;

	(void)*(volatile u8 *)flush_page;
	t0 = bench_clock();
	if (flush_tlb_kernel_range((u64)flush_page, (u64)flush_page + PAGE_SIZE))
		bench_fail("the shootdown could not reach every CPU");
	return bench_clock() - t0;
}

static void nop(void *info)
{
}

/* An IPI to every other CPU and back: smp_call_function() waiting for each to finish. */
static u64 run_ipi_round_trip(void)
{
	u64 t0 = bench_clock();

	if (smp_call_function(nop, NULL, true) != (int)num_online_cpus() - 1)
		bench_fail("not every CPU took the call");
	return bench_clock() - t0;
}

static const struct bench_op flush_ops[] = {
	{ "tlb_flush_local_1p", run_flush_local, false },
	/* Interrupts on: waiting for the other CPUs with them off is refused. */
	{ shootdown_name, run_shootdown, true },
};

static const struct bench_op ipi_ops[] = {
	{ ipi_name, run_ipi_round_trip, true },
};

/* ---------------------------------------------------------------- stack frees and the purge */

#define BATCH_STACKS 64 /* a run frees this many: several purges' worth at any CPU count */

static struct kernel_stack batch[BATCH_STACKS];

/* Untimed: a clean purge list, then BATCH_STACKS fresh (uncached) stacks. */
static bool alloc_batch(void)
{
	int i;

	vmalloc_purge();
	for (i = 0; i < BATCH_STACKS; i++) {
		if (vmap_stack_alloc(&batch[i], false)) {
			while (i--)
				vmap_stack_free(&batch[i], false);
			bench_fail("no memory for the stacks");
			return false;
		}
	}
	return true;
}

/* Each free followed by its own purge: one shootdown per stack. Cycles per stack. */
static u64 run_vfree_immediate(void)
{
	u64 t0;
	int i;

	if (!alloc_batch())
		return 0;
	t0 = bench_clock();
	for (i = 0; i < BATCH_STACKS; i++) {
		vmap_stack_free(&batch[i], false);
		vmalloc_purge();
	}
	return (bench_clock() - t0) / BATCH_STACKS;
}

/* The frees as vfree() batches them, the purge of the last batch included. Cycles per stack. */
static u64 run_vfree_lazy(void)
{
	u64 t0;
	int i;

	if (!alloc_batch())
		return 0;
	t0 = bench_clock();
	for (i = 0; i < BATCH_STACKS; i++)
		vmap_stack_free(&batch[i], false);
	vmalloc_purge();
	return (bench_clock() - t0) / BATCH_STACKS;
}

static const struct bench_op vfree_ops[] = {
	{ immediate_name, run_vfree_immediate, true },
	{ lazy_name, run_vfree_lazy, true },
};

/*
 * Not a time: how many purges (each one shootdown when other CPUs are online) 1,000 stack frees
 * cost, without the per-CPU cache and through it: counted over COUNT_FREES frees, since a purge
 * comes only every few thousand, and printed per 1,000 with one decimal, once after the group.
 */
#define COUNT_FREES 10000

/* " key=n.n" (n per COUNT_FREES, as per 1,000) at the end of line. */
static void add_per_1000(char *line, size_t len, const char *key, u64 n)
{
	u64 tenths = n * 10000 / COUNT_FREES, used = strlen(line);

	snprintf(line + used, len - used, " %s=%lu.%lu", key, tenths / 10, tenths % 10);
}

static void count_shootdowns(void)
{
	struct vmalloc_stats a, b;
	struct tlb_stats ta, tb;
	struct kernel_stack s;
	u64 purges[2], shootdowns[2];
	char line[160] = "";
	int pass, i;

	for (pass = 0; pass < 2; pass++) {
		vmalloc_purge();
		vmalloc_stats(&a);
		tlb_stats(&ta);
		for (i = 0; i < COUNT_FREES; i++) {
			if (vmap_stack_alloc(&s, pass))
				return;
			vmap_stack_free(&s, pass);
		}
		vmalloc_stats(&b);
		tlb_stats(&tb);
		purges[pass] = b.nr_purges - a.nr_purges;
		shootdowns[pass] = tb.shootdowns - ta.shootdowns;
	}
	add_per_1000(line, sizeof(line), "purges_uncached", purges[0]);
	add_per_1000(line, sizeof(line), "shootdowns_uncached", shootdowns[0]);
	add_per_1000(line, sizeof(line), "purges_cached", purges[1]);
	add_per_1000(line, sizeof(line), "shootdowns_cached", shootdowns[1]);
	/* One printk: a line made of pieces could mix with another CPU's. */
	printk("bench-count: per_1000_stack_frees cpus=%u%s lazy_max_pages=%lu\n",
	       num_online_cpus(), line, b.lazy_max_pages);
}

static void vfree_teardown(void)
{
	vmalloc_purge();
	count_shootdowns();
}

/* ---------------------------------------------------------------- tasks on several CPUs at once */

#define BUSY_TASKS 16 /* tasks each busy CPU creates, runs and reaps in one run */

static volatile bool busy_go;
static bool busy_unpinned; /* the children of busy_all_cpus go where the scheduler puts them */
static volatile u32 busy_ready;
static int saved_cpu_allowed;

static int busy_child(void *arg)
{
	return 0;
}

/*
 * BUSY_TASKS times: a task pinned to this CPU, created, run to its exit and reaped. Unpinned
 * (busy_all_cpus): the scheduler places each task (kernel/sched.c, least_loaded_cpu()).
 */
static bool busy_loop(int cpu)
{
	int i, status;

	for (i = 0; i < BUSY_TASKS; i++) {
		struct task *t = kthread_create(busy_child, NULL, "bench-child");

		if (!t)
			return false;
		if (!busy_unpinned)
			set_cpus_allowed(t, cpu);
		wake_up_process(t);
		wait(t->pid, &status);
	}
	return true;
}

/* A driver on CPU (long)arg: waits for the start, then does its loop beside the others. */
static int busy_driver(void *arg)
{
	__atomic_fetch_add(&busy_ready, 1, __ATOMIC_SEQ_CST);
	while (!busy_go)
		cpu_relax();
	return busy_loop((int)(long)arg) ? 0 : 1;
}

/*
 * The timed task stays on CPU 0, where it does CPU 0's share: the others' drivers would
 * otherwise share a CPU with it.
 */
static int busy_setup(u64 unused)
{
	saved_cpu_allowed = current->cpu_allowed;
	return set_cpus_allowed(current, 0);
}

static void busy_teardown(void)
{
	set_cpus_allowed(current, saved_cpu_allowed);
}

/*
 * ncpus CPUs each create, run and reap BUSY_TASKS pinned tasks at the same time: the cycles from
 * the start (every driver waiting) to the last reap, per task of all of them. Perfect scaling
 * halves it from 1 to 2 CPUs; whatever serialises them (the one run queue under sched_lock, the
 * vmalloc and page-allocator locks) keeps it up.
 */
static u64 run_busy(u32 ncpus)
{
	static struct task *drv[NR_CPUS];
	u64 t0, t1;
	u32 c, n = 0;
	int status, bad = 0;

	busy_go = false;
	busy_ready = 0;
	for (c = 1; c < ncpus; c++) {
		drv[c] = kthread_create(busy_driver, (void *)(long)c, "bench-busy");
		if (!drv[c])
			break;
		set_cpus_allowed(drv[c], c);
		wake_up_process(drv[c]);
		n++;
	}
	while (busy_ready < n)
		cpu_relax();
	t0 = bench_clock();
	busy_go = true;
	if (n + 1 != ncpus || !busy_loop(0))
		bad = 1;
	for (c = 1; c <= n; c++) {
		wait(drv[c]->pid, &status);
		bad |= status;
	}
	t1 = bench_clock();
	if (bad)
		bench_fail("no memory for a task");
	return (t1 - t0) / (ncpus * BUSY_TASKS);
}

static u64 run_busy1(void)
{
	return run_busy(1);
}

static u64 run_busy2(void)
{
	return run_busy(2);
}

static u64 run_busy4(void)
{
	return run_busy(4);
}

/* Every online CPU busy, the children unpinned: the per-CPU run queues' scale figure. */
static u64 run_busy_all(void)
{
	u64 cycles;

	busy_unpinned = true;
	cycles = run_busy(num_online_cpus());
	busy_unpinned = false;
	return cycles;
}

static const struct bench_op busy1_ops[] = {
	{ "task_create_exit_reap_busy1", run_busy1, true },
};
static const struct bench_op busy2_ops[] = {
	{ "task_create_exit_reap_busy2", run_busy2, true },
};
static const struct bench_op busy4_ops[] = {
	{ "task_create_exit_reap_busy4", run_busy4, true },
};
static const struct bench_op busy_all_ops[] = {
	{ busy_all_name, run_busy_all, true },
};

/* ---------------------------------------------------------------- the stack cache across CPUs */

#define HIT_TASKS 64

/*
 * HIT_TASKS tasks, task i created on CPU from[i % 2] and run (and so freed: a stack goes back
 * into the cache of the CPU that switches away from its dead task) on CPU to[i % 2]. The caches
 * are warmed by a first pass; the second is counted. Prints the hit rate of the allocations.
 */
static void count_hits(const char *name, const int from[2], const int to[2])
{
	struct stack_stats a, b;
	u64 hits, allocs;
	int pass, i, status;

	drain_stack_cache();
	for (pass = 0; pass < 2; pass++) {
		stack_stats(&a);
		for (i = 0; i < HIT_TASKS; i++) {
			struct task *t;

			set_cpus_allowed(current, from[i % 2]);
			t = kthread_create(busy_child, NULL, "bench-hit");
			if (!t) {
				printk("bench-error: stack_cache_hit_rate_%s: no memory for a "
				       "task\n",
				       name);
				return;
			}
			set_cpus_allowed(t, to[i % 2]);
			wake_up_process(t);
			wait(t->pid, &status);
		}
		stack_stats(&b);
	}
	set_cpus_allowed(current, 0);
	hits = b.cache_hits - a.cache_hits;
	allocs = hits + b.cache_misses - a.cache_misses;
	printk("bench-count: stack_cache_hit_rate_%s cpus=%u hit_pct=%lu hits=%lu allocs=%lu "
	       "cross_cpu_frees=%lu\n",
	       name, num_online_cpus(), allocs ? hits * 100 / allocs : 0, hits, allocs,
	       b.cross_cpu_frees - a.cross_cpu_frees);
}

/*
 * Not a time: after the busy1 figure, how often a task's stack comes from the cache when tasks
 * exit where they started, exit on another CPU, or go both ways in turn.
 */
static void busy1_teardown(void)
{
	static const int zero[2] = { 0, 0 }, one[2] = { 1, 1 };
	static const int ab[2] = { 0, 1 }, ba[2] = { 1, 0 };

	count_hits("same_cpu", zero, zero);
	count_hits("other_cpu", zero, one);
	count_hits("both_ways", ab, ba);
	busy_teardown();
}

/* ---------------------------------------------------------------- the list */

#define OPS(a) .ops = (a), .nr_ops = ARRAY_SIZE(a)

const struct bench_group bench_smp_groups[] = {
	{ .what = "one page flushed: this CPU's TLB, every CPU's (a shootdown)",
	  OPS(flush_ops),
	  .runs = 1001,
	  .setup = flush_setup,
	  .teardown = flush_teardown },
	{ .what = "an IPI round trip to every other CPU",
	  OPS(ipi_ops),
	  .runs = 1001,
	  .min_cpus = 2 },
	{ .what = "vfree of a stack, per stack of 64: a shootdown each, or the lazy purge",
	  OPS(vfree_ops),
	  .runs = 51,
	  .teardown = vfree_teardown },
	/*
	 * One group per CPU count, each left out where fewer CPUs are online. busy1 too needs a
	 * second CPU: with one, it is task_create_exit_reap, and a 1-CPU boot (the gate's) has
	 * no figure that other CPUs' timing could move.
	 */
	{ .what = "task create+exit+reap, per task, 1 CPU busy (and the stack cache hit rates)",
	  OPS(busy1_ops),
	  .runs = 51,
	  .setup = busy_setup,
	  .teardown = busy1_teardown,
	  .min_cpus = 2 },
	{ .what = "task create+exit+reap, per task, 2 CPUs busy at once",
	  OPS(busy2_ops),
	  .runs = 51,
	  .setup = busy_setup,
	  .teardown = busy_teardown,
	  .min_cpus = 2 },
	{ .what = "task create+exit+reap, per task, 4 CPUs busy at once",
	  OPS(busy4_ops),
	  .runs = 51,
	  .setup = busy_setup,
	  .teardown = busy_teardown,
	  .min_cpus = 4 },
	/* With one CPU too: that is the figure the others are held to (within 1.5x). */
	{ .what = "task create+exit+reap, per task, every CPU busy, the tasks unpinned",
	  OPS(busy_all_ops),
	  .runs = 51,
	  .setup = busy_setup,
	  .teardown = busy_teardown },
};
const int bench_smp_nr_groups = ARRAY_SIZE(bench_smp_groups);

void bench_smp_init(void)
{
	u32 n = num_online_cpus();

	snprintf(shootdown_name, sizeof(shootdown_name), "tlb_shootdown_1p_cpus%u", n);
	snprintf(ipi_name, sizeof(ipi_name), "ipi_round_trip_cpus%u", n);
	snprintf(immediate_name, sizeof(immediate_name), "stack_vfree_immediate_cpus%u", n);
	snprintf(lazy_name, sizeof(lazy_name), "stack_vfree_lazy_cpus%u", n);
	snprintf(busy_all_name, sizeof(busy_all_name), "task_create_exit_reap_busy_cpus%u", n);
}
