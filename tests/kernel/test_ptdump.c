/*
 * The page-table dump (lab 1): the runs cover the kernel half in order and are merged as far as
 * they can be; they agree with a page-by-page walk; and they show the kernel's own policy: text
 * read-only and executable, nothing both writable and executable, the direct map in huge pages,
 * a stack's guard page unmapped.
 */
#include "arch/x86_64/cpu.h"
#include "kernel/debug/ktest.h"
#include "kernel/printk/printk.h"
#include "kernel/task.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"
#include "mm/ptdump.h"

extern u8 _text[], _rodata[], _data[];

#define MAX_RUNS 512

/* The NX and G bits the kernel's entries have where it asks for them: none on CPUs without. */
#define NX (PTE_NX & __supported_pte_mask)
#define G  (PTE_GLOBAL & __supported_pte_mask)

static struct ptdump_range runs[MAX_RUNS];
static int nr_runs;
static bool too_many;

static void collect(const struct ptdump_range *r, void *ctx)
{
	if (nr_runs == MAX_RUNS) {
		too_many = true;
		return;
	}
	runs[nr_runs++] = *r;
}

static void take_dump(void)
{
	nr_runs = 0;
	too_many = false;
	ptdump_walk(kernel_pml4_phys, collect, NULL);
	printk("# ptdump: %d runs\n", nr_runs);
}

/* The run that holds va, or NULL. */
static const struct ptdump_range *run_at(u64 va)
{
	int i;

	for (i = 0; i < nr_runs; i++) {
		if (va >= runs[i].start && (runs[i].end == 0 || va < runs[i].end))
			return &runs[i];
	}
	return NULL;
}

KTEST(ptdump, covers_kernel_half_in_order)
{
	int i;

	take_dump();
	KT_ASSERT(!too_many);
	KT_ASSERT(nr_runs > 0);
	KT_EXPECT_MSG(runs[0].start == KERNEL_HALF_START, "first run starts at %#lx",
		      runs[0].start);
	KT_EXPECT_MSG(runs[nr_runs - 1].end == 0, "last run ends at %#lx, not 2^64",
		      runs[nr_runs - 1].end);
	for (i = 0; i < nr_runs; i++) {
		const struct ptdump_range *r = &runs[i];

		KT_EXPECT_MSG(IS_ALIGNED(r->start, PAGE_SIZE) && IS_ALIGNED(r->end, PAGE_SIZE),
			      "run %d %#lx-%#lx is not page aligned", i, r->start, r->end);
		KT_EXPECT_MSG(r->end == 0 || r->end > r->start, "run %d is empty or backwards", i);
		KT_EXPECT_MSG(!r->flags == !r->level, "run %d: flags %#lx but level %d", i,
			      r->flags, r->level);
		if (i == 0)
			continue;
		KT_EXPECT_MSG(runs[i - 1].end == r->start, "gap or overlap before %#lx", r->start);
		KT_EXPECT_MSG(runs[i - 1].flags != r->flags || runs[i - 1].level != r->level,
			      "runs %d and %d look the same and were not merged", i - 1, i);
	}
}

/* Every run's first and last page, looked up on its own, says the same as the run. */
KTEST(ptdump, agrees_with_pagewalk)
{
	int i, j, checked = 0;

	take_dump();
	KT_ASSERT(!too_many && nr_runs > 0);
	for (i = 0; i < nr_runs; i++) {
		u64 probe[2] = { runs[i].start, runs[i].end - PAGE_SIZE };

		for (j = 0; j < 2; j++) {
			struct pt_walk w;
			bool mapped = pt_walk(kernel_pml4_phys, probe[j], &w);
			u64 e = w.entry[w.levels - 1];

			checked++;
			KT_EXPECT_MSG(mapped == !!runs[i].flags, "%#lx: pt_walk says %s", probe[j],
				      mapped ? "mapped" : "not mapped");
			if (!mapped)
				continue;
			KT_EXPECT_MSG(w.leaf_level == runs[i].level, "%#lx: level %d, run says %d",
				      probe[j], w.leaf_level, runs[i].level);
			KT_EXPECT_MSG(!!(e & PTE_NX) == !!(runs[i].flags & PTE_NX),
				      "%#lx: NX differs", probe[j]);
			KT_EXPECT_MSG(!!(e & PTE_WRITE) == !!(runs[i].flags & PTE_WRITE),
				      "%#lx: W differs", probe[j]);
		}
	}
	printk("# %d addresses checked against pt_walk\n", checked);
}

KTEST(ptdump, kernel_image_rights)
{
	const struct ptdump_range *text, *rodata, *data;

	take_dump();
	text = run_at((u64)_text);
	rodata = run_at((u64)_rodata);
	data = run_at((u64)_data);
	KT_ASSERT(text && rodata && data);
	KT_EXPECT_MSG(text->flags & PTE_PRESENT, "text not mapped");
	KT_EXPECT(!(text->flags & PTE_WRITE) && !(text->flags & PTE_NX) && text->level == 1);
	KT_EXPECT(!(rodata->flags & PTE_WRITE) && (rodata->flags & PTE_NX) == NX);
	KT_EXPECT((data->flags & PTE_WRITE) && (data->flags & PTE_NX) == NX);
	KT_EXPECT(!(text->flags & PTE_USER) && !(data->flags & PTE_USER));
}

/* As Linux's CONFIG_DEBUG_WX: no mapping may be both writable and executable. */
KTEST(ptdump, nothing_writable_and_executable)
{
	int i, wx = 0;

	/* Without NX every page is executable (Linux skips its W+X check there too). */
	if (!NX) {
		ktest_skip("CPU without NX");
		return;
	}
	take_dump();
	KT_ASSERT(!too_many && nr_runs > 0);
	for (i = 0; i < nr_runs; i++) {
		const struct ptdump_range *r = &runs[i];

		if ((r->flags & PTE_PRESENT) && (r->flags & PTE_WRITE) && !(r->flags & PTE_NX)) {
			printk("# W+X: %#lx-%#lx\n", r->start, r->end - 1);
			wx++;
		}
	}
	KT_EXPECT_MSG(wx == 0, "%d writable and executable runs", wx);
}

KTEST(ptdump, direct_map_huge_pages)
{
	const struct ptdump_range *r;
	int want = boot_cpu.gbpages && max_phys_addr >= (1UL << 30) ? 3 : 2;

	take_dump();
	r = run_at(PAGE_OFFSET);
	KT_ASSERT(r);
	KT_EXPECT_MSG(r->start == PAGE_OFFSET, "the direct map run starts at %#lx", r->start);
	KT_EXPECT_MSG(r->level == want, "direct map at 0 in level %d pages, expected %d", r->level,
		      want);
	KT_EXPECT((r->flags & PTE_WRITE) && (r->flags & PTE_NX) == NX &&
		  (r->flags & PTE_GLOBAL) == G);
}

KTEST(ptdump, stack_guard_unmapped)
{
	const struct ptdump_range *stack, *guard;
	u64 base = current->stack.base;

	if (!VMAP_STACK || !STACK_GUARD_PAGES) {
		ktest_skip("no guard pages in this build");
		return;
	}
	take_dump();
	stack = run_at(base);
	guard = run_at(base - 1);
	KT_ASSERT(stack && guard);
	KT_EXPECT_MSG(stack->flags & PTE_PRESENT, "the stack at %#lx is not mapped", base);
	KT_EXPECT(stack->level == 1 && (stack->flags & PTE_NX) == NX);
	KT_EXPECT_MSG(!guard->flags, "the guard page below %#lx is mapped", base);
	/* Guards on both sides: the stack is a run of its own, exactly. */
	KT_EXPECT_MSG(stack->start == base && stack->end == stack_top(&current->stack),
		      "the stack %#lx-%#lx is in the run %#lx-%#lx", base,
		      stack_top(&current->stack), stack->start, stack->end);
}
