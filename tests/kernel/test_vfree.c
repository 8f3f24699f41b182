/*
 * Giving a vmalloc area's pages back (lab 3): a purge frees the pages an area holds in batches
 * of at most MAP_BATCH, one call of free_pages_bulk() each, and all of them; page poisoning
 * (page_poison=1), which catches a page written after it was freed; a vmalloc() or a stack that
 * runs out of memory purges first; and what waits for a purge never holds more than 1/32 of RAM.
 */
#include "kernel/debug/ktest.h"
#include "kernel/printk/printk.h"
#include "kernel/stack.h"
#include "mm/page_alloc.h"
#include "mm/page_poison.h"
#include "mm/vmalloc.h"

#define AREA_PAGES 40 /* two full batches of 16 and a last one of 8 */
#define BATCH	   16 /* MAP_BATCH in mm/vmalloc.c */

/*
 * Counted, not timed: the calls of free_pages_bulk() in the purge and the pages they gave back.
 * A free page by page, or a batch too many, shows in the count.
 */
KTEST(mm, purge_frees_held_pages_in_batches)
{
	u64 calls0, pages0, calls1, pages1, free0;
	u8 *p;
	int i;

	/* Warm up: page tables that any such area needs stay; then nothing waits for a purge. */
	vfree(vmalloc(AREA_PAGES * PAGE_SIZE));
	vmalloc_purge();
	free0 = nr_free_pages();
	p = vmalloc(AREA_PAGES * PAGE_SIZE);
	KT_ASSERT(p);
	for (i = 0; i < AREA_PAGES; i++)
		p[i * PAGE_SIZE] = i;
	page_free_batches(&calls0, &pages0);
	vfree(p); /* this many pages may start the purge at once */
	vmalloc_purge();
	page_free_batches(&calls1, &pages1);
	KT_EXPECT_MSG(pages1 - pages0 == AREA_PAGES,
		      "free_pages_bulk() freed %lu pages in the purge of a %d-page area",
		      pages1 - pages0, AREA_PAGES);
	KT_EXPECT_MSG(calls1 - calls0 == (AREA_PAGES + BATCH - 1) / BATCH,
		      "%lu calls of free_pages_bulk() for %d pages: expected %d (batches of %d)",
		      calls1 - calls0, AREA_PAGES, (AREA_PAGES + BATCH - 1) / BATCH, BATCH);
	KT_EXPECT_MSG(nr_free_pages() >= free0, "%lu pages fewer free than before the vmalloc",
		      free0 - nr_free_pages());
}

/* The machinery the test above relies on: a write to a freed page is reported, naming it. */
KTEST(mm, page_poison_reports_a_write_after_free)
{
	u64 mark, errors;
	u8 *p, *q;

	if (!page_poisoning) {
		ktest_skip("boot with page_poison=1");
		return;
	}
	p = alloc_page();
	KT_ASSERT(p);
	free_page(p);
	KT_EXPECT_MSG(p[100] == PAGE_POISON, "a freed page holds %#x, not the poison", p[100]);
	p[100] = 1; /* the bug this catches */
	mark = printk_log_mark();
	errors = page_poison_errors();
	q = alloc_page(); /* the page freed last is handed out first */
	KT_ASSERT(q);
	KT_EXPECT(q == p);
	KT_EXPECT(page_poison_errors() == errors + 1);
	KT_EXPECT(printk_log_contains(mark, "was written after it was freed"));
	free_page(q);
}

#define HELD_PAGES 16 /* fewer than a purge waits for (32 with one CPU): the area keeps them */
#define WANT_PAGES 4

/*
 * Out of memory, but a freed area still holds pages (they wait for its purge's shootdown): a
 * vmalloc() purges and tries again rather than fail. Every other free page is taken first.
 */
KTEST(mm, vmalloc_purges_held_pages_when_memory_runs_out)
{
	struct vmalloc_stats st;
	void *hoard = NULL, *p;
	u64 taken = 0;
	u8 *v;

	/* Warm up: page tables that any such area needs stay; then nothing waits for a purge. */
	vfree(vmalloc(HELD_PAGES * PAGE_SIZE));
	vmalloc_purge();
	v = vmalloc(HELD_PAGES * PAGE_SIZE);
	KT_ASSERT(v);
	vfree(v);
	vmalloc_stats(&st);
	KT_EXPECT_MSG(st.held_pages >= HELD_PAGES, "freed areas hold %lu pages", st.held_pages);
	if (st.held_pages < HELD_PAGES)
		return;
	while ((p = alloc_page())) {
		*(void **)p = hoard;
		hoard = p;
		taken++;
	}
	v = vmalloc(WANT_PAGES * PAGE_SIZE);
	KT_EXPECT_MSG(v, "vmalloc(%d pages) failed: %lu pages taken, %lu held by freed areas",
		      WANT_PAGES, taken, st.held_pages);
	vfree(v);
	while ((p = hoard)) {
		hoard = *(void **)p;
		free_page(p);
	}
	vmalloc_purge();
}

/*
 * Stack after stack freed (uncached, as when the per-CPU cache is full): the pages waiting for a
 * purge never exceed 1/32 of RAM, checked after every free; more than one purge happens, so the
 * cap was reached. Then, with freed stacks holding pages and every other page taken, a new stack
 * still comes: its allocation purges first.
 */
#define CAP_ROUNDS 3 /* the cap's worth of stacks freed this many times over */

KTEST(mm, freed_stacks_never_hold_more_than_a_32nd_of_ram)
{
	struct vmalloc_stats a, st;
	struct page_stats ps;
	struct kernel_stack s;
	void *hoard = NULL, *p;
	u64 cap, i, n, worst = 0;
	int err;

	page_stats(&ps);
	cap = ps.total / 32;
	vmalloc_purge();
	vmalloc_stats(&a);
	n = CAP_ROUNDS * (cap / (THREAD_SIZE / PAGE_SIZE) + 1);
	for (i = 0; i < n; i++) {
		KT_ASSERT(vmap_stack_alloc(&s, false) == 0);
		vmap_stack_free(&s, false);
		vmalloc_stats(&st);
		worst = MAX(worst, st.held_pages);
		if (st.held_pages > cap)
			break;
	}
	printk("# %lu stacks freed: %lu purges, at most %lu pages held (cap %lu, 1/32 of %lu)\n", i,
	       st.nr_purges - a.nr_purges, worst, cap, ps.total);
	KT_EXPECT_MSG(worst <= cap, "freed stacks held %lu pages, above 1/32 of RAM (%lu)", worst,
		      cap);
	KT_EXPECT_MSG(st.nr_purges - a.nr_purges >= CAP_ROUNDS - 1,
		      "%lu purges for %lu stacks freed: the cap was never reached",
		      st.nr_purges - a.nr_purges, i);

	/* Leave some held, take every free page: the next stack must come from a purge. */
	vmap_stack_alloc(&s, false);
	vmap_stack_free(&s, false);
	vmalloc_stats(&st);
	KT_ASSERT(st.held_pages > 0);
	while ((p = alloc_page())) {
		*(void **)p = hoard;
		hoard = p;
	}
	err = vmap_stack_alloc(&s, false);
	KT_EXPECT_MSG(err == 0, "no stack with every page taken and %lu held for a purge",
		      st.held_pages);
	if (!err)
		vmap_stack_free(&s, false);
	while ((p = hoard)) {
		hoard = *(void **)p;
		free_page(p);
	}
	vmalloc_purge();
}
