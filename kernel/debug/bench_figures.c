/*
 * The figures of the benchmark, in groups that share a set-up; kernel/debug/bench.c runs
 * them. Every stack path hands out a zeroed THREAD_SIZE stack, as Linux does, so like is compared
 * with like, and a bare memset of THREAD_SIZE bytes is the floor under all of them.
 *
 * All figures but two call the allocators directly, so both builds (VMAP_STACK=y and =n)
 * measure them the same way; task_create_exit_reap and context_switch go through the build's
 * own stack path.
 */
#include "kernel/debug/bench.h"
#include "arch/x86_64/paging.h"
#include "kernel/printk/printk.h"
#include "kernel/stack.h"
#include "kernel/lib/string.h"
#include "kernel/task.h"
#include "kernel/lib/vsprintf.h"
#include "mm/kfence.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"
#include "mm/slab.h"
#include "mm/vmarea.h"
#include "mm/vmalloc.h"

/* A figure that runs with interrupts off, and one that creates or switches tasks. */
#define FIGURE(n, fn)                                                                              \
	{                                                                                          \
		.name = (n), .run = (fn)                                                           \
	}
#define TASK_FIGURE(n, fn)                                                                         \
	{                                                                                          \
		.name = (n), .run = (fn), .irqs_on = true                                          \
	}
/*
 * A figure whose vfree() purges in most runs: with other CPUs online, the purge's shootdown
 * needs interrupts on, and belongs in the figure as it would in the kernel.
 */
#define PURGE_FIGURE(n, fn) TASK_FIGURE(n, fn)

/* Names that carry the stack size, so builds with another THREAD_SIZE are not mixed up. */
static char memset_name[24], order_name[32], order_nozero_name[40];

/* ---------------------------------------------------------------- one stack, every path */

static void *memset_buf;

static u64 run_rdtsc_overhead(void)
{
	u64 t0 = bench_clock();

	return bench_clock() - t0;
}

static u64 run_memset(void)
{
	u64 t0 = bench_clock();

	memset(memset_buf, 0, THREAD_SIZE);
	return bench_clock() - t0;
}

static u64 vmap_stack_alloc_free(bool use_cache)
{
	struct kernel_stack s;
	u64 t0 = bench_clock();

	if (vmap_stack_alloc(&s, use_cache)) {
		bench_fail("no memory for a vmapped stack");
		return 0;
	}
	vmap_stack_free(&s, use_cache);
	return bench_clock() - t0;
}

static u64 run_stack_cached(void)
{
	return vmap_stack_alloc_free(true);
}

static u64 run_stack_uncached(void)
{
	return vmap_stack_alloc_free(false);
}

/*
 * The VMAP_STACK=n path: one THREAD_SIZE_ORDER block (order 2 for 16 KiB stacks; the figure's
 * name, order<n>_alloc_free, follows it), zeroed, with the canary.
 */
static u64 run_order2(void)
{
	struct kernel_stack s;
	u64 t0 = bench_clock();

	if (direct_stack_alloc(&s)) {
		bench_fail("no THREAD_SIZE_ORDER block free");
		return 0;
	}
	direct_stack_free(&s);
	return bench_clock() - t0;
}

/* The buddy allocator alone: what the direct-mapped path costs besides its memset. */
static u64 run_order2_nozero(void)
{
	u64 t0 = bench_clock();
	void *p = alloc_pages(THREAD_SIZE_ORDER);

	if (!p) {
		bench_fail("no THREAD_SIZE_ORDER block free");
		return 0;
	}
	free_pages(p, THREAD_SIZE_ORDER);
	return bench_clock() - t0;
}

/*
 * The order-2 figures start from a known state of the buddy lists; otherwise they step by a
 * split and a merge (about 100 instructions) whenever unrelated code changes what the groups
 * before left behind. Take order-2 blocks until two in a row are buddies (an allocation that
 * splits a bigger block hands out its lower half and frees the upper one, which the next
 * allocation takes), hold one and give the other back: a free order-2 block then heads its
 * list for as long as the figures run. Each run takes a block from that list without a split
 * and gives it back without a merge (its buddy is not free): the allocator's cheapest order-2
 * path, the same in every build.
 */
#define PIN_TRIES 16
static void *order2_pin;

static void pin_order2_block(void)
{
	void *held[PIN_TRIES];
	int n = 0;

	order2_pin = NULL;
	while (n < PIN_TRIES && (held[n] = alloc_pages(THREAD_SIZE_ORDER))) {
		if (n && ((u64)held[n] ^ (u64)held[n - 1]) == THREAD_SIZE) {
			free_pages(held[n], THREAD_SIZE_ORDER);
			order2_pin = held[--n];
			break;
		}
		n++;
	}
	while (n-- > 0)
		free_pages(held[n], THREAD_SIZE_ORDER);
	if (!order2_pin)
		pr_warn("bench: no pair of order-%d buddies: the order-%d figures depend on "
			"state\n",
			THREAD_SIZE_ORDER, THREAD_SIZE_ORDER);
}

/*
 * Park 32 pages on this CPU's page list (mm/page_alloc.c keeps up to 64), so that the runs take
 * and give back their pages there and never refill the list: a refill splits the smallest free
 * blocks, and would split the pinned order-2 block's partner.
 */
#define FILL_PAGES 32

static void fill_page_list(void)
{
	void *pages[FILL_PAGES];
	int n = 0, i;

	while (n < FILL_PAGES && (pages[n] = alloc_page()))
		n++;
	for (i = 0; i < n; i++)
		free_page(pages[i]);
}

static int stack_paths_setup(u64 unused)
{
	struct kernel_stack s;

	memset_buf = alloc_pages(THREAD_SIZE_ORDER);
	if (!memset_buf)
		return -1;
	/* The cached figure must time a hit: put a stack in the cache (=n builds have none). */
	if (vmap_stack_alloc(&s, false)) {
		free_pages(memset_buf, THREAD_SIZE_ORDER);
		return -1;
	}
	vmap_stack_free(&s, true);
	fill_page_list();
	pin_order2_block();
	return 0;
}

static void stack_paths_teardown(void)
{
	if (order2_pin)
		free_pages(order2_pin, THREAD_SIZE_ORDER);
	free_pages(memset_buf, THREAD_SIZE_ORDER);
	/* Tasks of a VMAP_STACK=n kernel never use the cache: leave it as it was, empty. */
	if (!VMAP_STACK)
		drain_stack_cache();
}

static int bench_task_fn(void *arg)
{
	return 0;
}

/*
 * Through the build's own stack path: a VMAP_STACK=y kernel gets a cached stack here. Measured
 * in the same rounds as the memset, so the two builds can be compared through their ratio to it
 * even when the host runs one boot slower than the other.
 */
static u64 run_task_create_exit_reap(void)
{
	u64 t0 = bench_clock();
	struct task *t = kthread_run(bench_task_fn, NULL, "bench");
	int status;

	if (!t) {
		bench_fail("no memory for a task");
		return 0;
	}
	wait(t->pid, &status);
	return bench_clock() - t0;
}

static const struct bench_op stack_path_ops[] = {
	FIGURE("rdtsc_overhead", run_rdtsc_overhead),
	FIGURE(memset_name, run_memset),
	FIGURE("stack_alloc_free_cached", run_stack_cached),
	FIGURE("stack_alloc_free_uncached", run_stack_uncached),
	FIGURE(order_name, run_order2),
	FIGURE(order_nozero_name, run_order2_nozero),
	TASK_FIGURE("task_create_exit_reap", run_task_create_exit_reap),
};

/* ---------------------------------------------------------------- the uncached stack, step by step
 */

/*
 * What stack_alloc_free_uncached is made of, each step alone and undone at once: the vm_struct
 * from the slab, the area in the tree, the pages from the page allocator, and the PTEs (map,
 * then unmap with its TLB flush). The sum is close to the whole; the rest is locks and calls.
 */
#define STACK_PAGES (THREAD_SIZE / PAGE_SIZE)

static struct vmarea_space step_space;
static struct vm_struct *step_vm;
static u64 step_pa[STACK_PAGES];

static int steps_setup(u64 unused)
{
	u64 i;

	/* A space as large as the vmalloc range, empty: the tree's own cost, without its lock. */
	vmarea_space_init(&step_space, VMALLOC_START, VMALLOC_END);
	if (!vmalloc_guarded(THREAD_SIZE, STACK_GUARD_PAGES, "bench", &step_vm))
		return -1;
	for (i = 0; i < STACK_PAGES; i++)
		lookup_kernel_page(step_vm->va.addr + i * PAGE_SIZE, &step_pa[i], NULL);
	return 0;
}

static void steps_teardown(void)
{
	vfree_area(step_vm);
}

static u64 run_step_vm_struct(void)
{
	u64 t0 = bench_clock();

	kfree(kmalloc(sizeof(struct vm_struct)));
	return bench_clock() - t0;
}

static u64 run_step_area(void)
{
	struct vmarea va;
	u64 t0 = bench_clock();

	if (vmarea_alloc(&step_space, &va, STACK_PAGES, STACK_GUARD_PAGES)) {
		bench_fail("no room in an empty space");
		return 0;
	}
	vmarea_free(&step_space, &va);
	return bench_clock() - t0;
}

static u64 run_step_pages(void)
{
	void *pages[STACK_PAGES];
	u64 t0 = bench_clock();

	if (alloc_pages_bulk(STACK_PAGES, pages)) {
		bench_fail("no pages for a stack");
		return 0;
	}
	free_pages_bulk(pages, STACK_PAGES);
	return bench_clock() - t0;
}

/* Unmap the stack's PTEs (with the flush) and put the same pages back. */
static u64 run_step_ptes(void)
{
	u64 t0 = bench_clock(), mapped;

	unmap_kernel_range(step_vm->va.addr, STACK_PAGES, NULL, NULL);
	if (map_kernel_range(step_vm->va.addr, STACK_PAGES, step_pa, PAGE_KERNEL, &mapped))
		bench_fail("no memory for a page table");
	return bench_clock() - t0;
}

static const struct bench_op step_ops[] = {
	FIGURE("step_vm_struct", run_step_vm_struct),
	FIGURE("step_area", run_step_area),
	FIGURE("step_pages", run_step_pages),
	FIGURE("step_ptes", run_step_ptes),
};

/* ---------------------------------------------------------------- context switch */

static volatile bool switch_stop;
static struct task *switch_partner;

static int switch_partner_fn(void *arg)
{
	while (!switch_stop)
		yield();
	return 0;
}

static int switch_saved_cpu_allowed;

/*
 * The timed task and its partner both pinned to this CPU: with other CPUs online the partner
 * would otherwise run beside it, and yield() would find no one to switch to.
 */
static int switch_setup(u64 unused)
{
	int cpu = this_cpu()->cpu;

	switch_saved_cpu_allowed = current->cpu_allowed;
	if (set_cpus_allowed(current, cpu))
		return -1;
	switch_stop = false;
	switch_partner = kthread_create(switch_partner_fn, NULL, "bench-yield");
	if (!switch_partner) {
		set_cpus_allowed(current, switch_saved_cpu_allowed);
		return -1;
	}
	set_cpus_allowed(switch_partner, cpu);
	wake_up_process(switch_partner);
	return 0;
}

static void switch_teardown(void)
{
	int status;

	switch_stop = true;
	wait(switch_partner->pid, &status);
	set_cpus_allowed(current, switch_saved_cpu_allowed);
}

/* yield() to the partner, which yields straight back: two switches. */
static u64 run_context_switch(void)
{
	u64 before = switch_partner->switches, t0, t1;

	t0 = bench_clock();
	yield();
	t1 = bench_clock();
	if (switch_partner->switches == before)
		bench_fail("yield() did not switch to the partner task");
	return (t1 - t0) / 2;
}

static const struct bench_op switch_ops[] = {
	TASK_FIGURE("context_switch", run_context_switch),
};

/* ---------------------------------------------------------------- TLB reach */

/*
 * 1024 stacks of THREAD_SIZE / PAGE_SIZE pages: with 16 KiB stacks 4096 4 KiB mappings, more
 * than the second-level TLB of current CPUs holds (1536 to 3072 entries), while the same memory
 * in the direct map is a handful of huge pages.
 */
#define TOUCH_STACKS 1024

static struct kernel_stack touch_vmap[TOUCH_STACKS], touch_direct[TOUCH_STACKS];

static void touch_free(int nr_vmap, int nr_direct)
{
	while (nr_vmap > 0)
		vmap_stack_free(&touch_vmap[--nr_vmap], false);
	while (nr_direct > 0)
		direct_stack_free(&touch_direct[--nr_direct]);
}

static int touch_setup(u64 unused)
{
	int i;

	for (i = 0; i < TOUCH_STACKS; i++) {
		if (vmap_stack_alloc(&touch_vmap[i], false)) {
			touch_free(i, i);
			return -1;
		}
		if (direct_stack_alloc(&touch_direct[i])) {
			touch_free(i + 1, i);
			return -1;
		}
	}
	return 0;
}

static void touch_teardown(void)
{
	touch_free(TOUCH_STACKS, TOUCH_STACKS);
}

/*
 * Write one word in every page of every stack, as tasks taking turns touch their stacks. The
 * word is the last of a cache line that differs from stack to stack: at one fixed offset all
 * writes would fall into the same few cache sets, and the figure would measure cache conflicts
 * instead of the TLB.
 */
static u64 touch_stacks(const struct kernel_stack *st)
{
	u64 t0 = bench_clock();
	int i, p;

	for (i = 0; i < TOUCH_STACKS; i++) {
		u64 off = PAGE_SIZE - 8 - 64 * (i % 64);

		for (p = 0; p < THREAD_SIZE / (int)PAGE_SIZE; p++)
			*(volatile u64 *)(st[i].base + p * PAGE_SIZE + off) = i;
	}
	return bench_clock() - t0;
}

static u64 run_touch_vmap(void)
{
	return touch_stacks(touch_vmap);
}

static u64 run_touch_direct(void)
{
	return touch_stacks(touch_direct);
}

static const struct bench_op touch_ops[] = {
	FIGURE("stack_touch_vmap", run_touch_vmap),
	FIGURE("stack_touch_direct", run_touch_direct),
};

/* ---------------------------------------------------------------- vmalloc */

static u64 vmalloc_vfree(u64 pages)
{
	u64 t0 = bench_clock();
	void *p = vmalloc(pages * PAGE_SIZE);

	if (!p) {
		bench_fail("vmalloc failed");
		return 0;
	}
	vfree(p);
	return bench_clock() - t0;
}

static u64 run_vmalloc_1p(void)
{
	return vmalloc_vfree(1);
}

static u64 run_vmalloc_4p(void)
{
	return vmalloc_vfree(4);
}

static u64 run_vmalloc_64p(void)
{
	return vmalloc_vfree(64);
}

static const struct bench_op vmalloc_ops[] = {
	PURGE_FIGURE("vmalloc_vfree_1p", run_vmalloc_1p),
	PURGE_FIGURE("vmalloc_vfree_4p", run_vmalloc_4p),
};

/*
 * kmalloc + kfree of 32 bytes with KFENCE's gate closed (the sample not taken: what every
 * allocation but one per interval costs, and the same instructions as with sampling off), and
 * with it open (the sample taken: the object from the guarded pool, as every one with kfence=all).
 */
static u64 kmalloc_kfree_gate(int gate)
{
	u64 t0;

	__atomic_store_n(&kfence_allocation_gate, gate, __ATOMIC_RELAXED);
	t0 = bench_clock();
	kfree(kmalloc(32));
	return bench_clock() - t0;
}

static u64 run_kmalloc_kfree(void)
{
	return kmalloc_kfree_gate(1);
}

static u64 run_kmalloc_kfree_sampled(void)
{
	return kmalloc_kfree_gate(0);
}

static const struct bench_op kmalloc_ops[] = {
	FIGURE("kmalloc_kfree_32", run_kmalloc_kfree),
	FIGURE("kmalloc_kfree_32_kfence", run_kmalloc_kfree_sampled),
};

/*
 * Alone in its group: vfree of 64 pages flushes the whole TLB, and the TLB misses that follow
 * belong to this figure, not to whichever figure would run next.
 */
static const struct bench_op vmalloc_big_ops[] = {
	PURGE_FIGURE("vmalloc_vfree_64p", run_vmalloc_64p),
};

/* ---------------------------------------------------------------- many live stacks */

/*
 * N live vmapped stacks, allocated one after another: the new stack then lands past all of
 * them, the worst place for an allocator that scans a list of areas.
 */
static struct kernel_stack *live;
static u64 nr_live;

static void live_teardown(void)
{
	while (nr_live > 0)
		vmap_stack_free(&live[--nr_live], false);
	vfree(live);
}

static int live_setup(u64 n)
{
	nr_live = 0;
	live = vzalloc(n * sizeof(*live));
	if (!live)
		return -1;
	for (; nr_live < n; nr_live++) {
		if (vmap_stack_alloc(&live[nr_live], false)) {
			pr_err("bench: only %lu of %lu live stacks fit in memory\n", nr_live, n);
			live_teardown();
			return -1;
		}
	}
	return 0;
}

/* Time the allocation of one more stack; its free is not timed. */
static u64 run_live_alloc(void)
{
	struct kernel_stack s;
	u64 t0 = bench_clock(), t1;

	if (vmap_stack_alloc(&s, false)) {
		bench_fail("no memory for a vmapped stack");
		return 0;
	}
	t1 = bench_clock();
	vmap_stack_free(&s, false);
	return t1 - t0;
}

/* Time the free of one more stack; its allocation is not timed. */
static u64 run_live_free(void)
{
	struct kernel_stack s;
	u64 t0;

	if (vmap_stack_alloc(&s, false)) {
		bench_fail("no memory for a vmapped stack");
		return 0;
	}
	t0 = bench_clock();
	vmap_stack_free(&s, false);
	return bench_clock() - t0;
}

/*
 * Where the free's tree work went: vfree() leaves a freed area in the tree until a purge takes a
 * batch out (mm/vmalloc.c). Time the purge of exactly one area, the stack just freed.
 */
static u64 run_live_purge(void)
{
	struct kernel_stack s;
	u64 t0;

	if (vmap_stack_alloc(&s, false)) {
		bench_fail("no memory for a vmapped stack");
		return 0;
	}
	vmalloc_purge();
	vmap_stack_free(&s, false);
	t0 = bench_clock();
	vmalloc_purge();
	return bench_clock() - t0;
}

/*
 * The worst place for one more stack: alone in a page table. Live stacks fill the vmalloc range
 * up to the next 2 MiB boundary, so every allocation there makes and zeroes a page table, and
 * every free scans it, finds it empty and frees it (mm/pgtable.c returns empty page tables).
 */
#define PTEDGE_MAX_LIVE (HUGE_2M / PAGE_SIZE)

static int ptedge_setup(u64 unused)
{
	struct kernel_stack s;

	nr_live = 0;
	live = vzalloc(PTEDGE_MAX_LIVE * sizeof(*live));
	if (!live)
		return -1;
	while (nr_live < PTEDGE_MAX_LIVE && !vmap_stack_alloc(&s, false)) {
		/* Areas are handed out in address order: is this the first one in its table? */
		if (nr_live && ALIGN_DOWN(s.base, HUGE_2M) >= stack_top(&live[nr_live - 1])) {
			vmap_stack_free(&s, false);
			return 0;
		}
		live[nr_live++] = s;
	}
	live_teardown();
	return -1;
}

static const struct bench_op ptedge_ops[] = {
	FIGURE("stack_alloc_uncached_ptedge", run_live_alloc),
	FIGURE("stack_free_uncached_ptedge", run_live_free),
};

static const struct bench_op live10_ops[] = {
	FIGURE("stack_alloc_uncached_live10", run_live_alloc),
	FIGURE("stack_free_uncached_live10", run_live_free),
	FIGURE("stack_purge_one_live10", run_live_purge),
};

static const struct bench_op live1000_ops[] = {
	FIGURE("stack_alloc_uncached_live1000", run_live_alloc),
	FIGURE("stack_free_uncached_live1000", run_live_free),
	FIGURE("stack_purge_one_live1000", run_live_purge),
};

static const struct bench_op live10000_ops[] = {
	FIGURE("stack_alloc_uncached_live10000", run_live_alloc),
	FIGURE("stack_free_uncached_live10000", run_live_free),
	FIGURE("stack_purge_one_live10000", run_live_purge),
};

/* ---------------------------------------------------------------- the list */

#define OPS(a) .ops = (a), .nr_ops = ARRAY_SIZE(a)

const struct bench_group bench_groups[] = {
	{ .what = "one stack by every path, the memset floor, a whole task",
	  OPS(stack_path_ops),
	  .runs = 1001,
	  .setup = stack_paths_setup,
	  .teardown = stack_paths_teardown },
	{ .what = "the uncached stack path, step by step",
	  OPS(step_ops),
	  .runs = 1001,
	  .setup = steps_setup,
	  .teardown = steps_teardown },
	{ .what = "a switch between two tasks (yield ping-pong)",
	  OPS(switch_ops),
	  .runs = 1001,
	  .setup = switch_setup,
	  .teardown = switch_teardown },
	{ .what = "one write per page of 1024 stacks: 4 KiB mappings against huge pages",
	  OPS(touch_ops),
	  .runs = 201,
	  .setup = touch_setup,
	  .teardown = touch_teardown },
	{ .what = "vmalloc + vfree of 1 and 4 pages", OPS(vmalloc_ops), .runs = 1001 },
	{ .what = "vmalloc + vfree of 64 pages", OPS(vmalloc_big_ops), .runs = 1001 },
	{ .what = "kmalloc + kfree of 32 bytes: KFENCE's sample not taken, and taken",
	  OPS(kmalloc_ops),
	  .runs = 1001 },
	{ .what = "one more uncached stack with 10 live",
	  OPS(live10_ops),
	  .runs = 1001,
	  .setup = live_setup,
	  .teardown = live_teardown,
	  .param = 10 },
	{ .what = "one more uncached stack with 1000 live",
	  OPS(live1000_ops),
	  .runs = 1001,
	  .setup = live_setup,
	  .teardown = live_teardown,
	  .param = 1000 },
	{ .what = "one more uncached stack with 10000 live",
	  OPS(live10000_ops),
	  .runs = 1001,
	  .setup = live_setup,
	  .teardown = live_teardown,
	  .param = 10000 },
	{ .what = "one more uncached stack, alone in a page table",
	  OPS(ptedge_ops),
	  .runs = 1001,
	  .setup = ptedge_setup,
	  .teardown = live_teardown },
};
const int bench_nr_groups = ARRAY_SIZE(bench_groups);

void bench_figures_init(void)
{
	int g;

	snprintf(memset_name, sizeof(memset_name), "memset_%dk", THREAD_SIZE >> 10);
	snprintf(order_name, sizeof(order_name), "order%d_alloc_free", THREAD_SIZE_ORDER);
	snprintf(order_nozero_name, sizeof(order_nozero_name), "order%d_alloc_free_nozero",
		 THREAD_SIZE_ORDER);
	for (g = 0; g < bench_nr_groups; g++)
		BUG_ON(bench_groups[g].nr_ops > BENCH_MAX_OPS);
}

const char *bench_floor_name(void)
{
	return memset_name;
}

const char *const *bench_zeroing_names(void)
{
	static const char *names[] = { "stack_alloc_free_cached", "stack_alloc_free_uncached",
				       order_name, NULL };

	return names;
}
