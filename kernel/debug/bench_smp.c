/*
 * The SMP figures of the benchmark (kernel/debug/bench.c runs them after bench_figures.c's):
 * what an IPI and a TLB shootdown cost, and what the lazy purge saves on stack frees. Names end
 * in the number of CPUs online (`make bench SMP=4`), since that is what the cost grows with;
 * a figure that needs other CPUs is left out when there are none. docs/BENCHMARKS.md has them.
 */
#include "kernel/debug/bench.h"
#include "arch/x86_64/paging.h"
#include "kernel/lib/vsprintf.h"
#include "kernel/printk/printk.h"
#include "kernel/smp.h"
#include "kernel/stack.h"
#include "mm/tlbflush.h"
#include "mm/vmalloc.h"

static char shootdown_name[32], ipi_name[32], immediate_name[40], lazy_name[40];

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
 * cost, without the per-CPU cache and through it. Counts, printed once after the group.
 */
static void count_shootdowns(void)
{
	struct vmalloc_stats a, b;
	struct tlb_stats ta, tb;
	struct kernel_stack s;
	u64 purges[2], shootdowns[2];
	int pass, i;

	for (pass = 0; pass < 2; pass++) {
		vmalloc_purge();
		vmalloc_stats(&a);
		tlb_stats(&ta);
		for (i = 0; i < 1000; i++) {
			if (vmap_stack_alloc(&s, pass))
				return;
			vmap_stack_free(&s, pass);
		}
		vmalloc_stats(&b);
		tlb_stats(&tb);
		purges[pass] = b.nr_purges - a.nr_purges;
		shootdowns[pass] = tb.shootdowns - ta.shootdowns;
	}
	printk("bench-count: per_1000_stack_frees cpus=%u purges_uncached=%lu "
	       "shootdowns_uncached=%lu purges_cached=%lu shootdowns_cached=%lu\n",
	       num_online_cpus(), purges[0], shootdowns[0], purges[1], shootdowns[1]);
}

static void vfree_teardown(void)
{
	vmalloc_purge();
	count_shootdowns();
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
};
const int bench_smp_nr_groups = ARRAY_SIZE(bench_smp_groups);

void bench_smp_init(void)
{
	u32 n = num_online_cpus();

	snprintf(shootdown_name, sizeof(shootdown_name), "tlb_shootdown_1p_cpus%u", n);
	snprintf(ipi_name, sizeof(ipi_name), "ipi_round_trip_cpus%u", n);
	snprintf(immediate_name, sizeof(immediate_name), "stack_vfree_immediate_cpus%u", n);
	snprintf(lazy_name, sizeof(lazy_name), "stack_vfree_lazy_cpus%u", n);
}
