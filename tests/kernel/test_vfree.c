/*
 * Giving a vmalloc area's pages back (lab 3): a purge frees the pages an area holds in batches
 * of at most MAP_BATCH, one call of free_pages_bulk() each, and all of them; page poisoning
 * (page_poison=1), which catches a page written after it was freed; and a vmalloc() that runs
 * out of memory purges first.
 */
#include "kernel/debug/ktest.h"
#include "kernel/printk/printk.h"
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
