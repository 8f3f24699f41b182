/* In-kernel tests of the buddy allocator (lab 2), on the kernel's own zone and a scratch zone. */
#include "kernel/debug/ktest.h"
#include "kernel/printk/printk.h"
#include "mm/buddy.h"
#include "mm/page_alloc.h"

/*
 * The buddy allocator (lab 2). Free memory is kept maximally merged, so after any sequence of
 * allocations that are all freed again, the free blocks per order are exactly what they were.
 */
static bool same_free_blocks(const struct page_stats *a, const struct page_stats *b)
{
	bool same = true;
	unsigned int o;

	for (o = 0; o < NR_PAGE_ORDERS; o++) {
		if (a->free_blocks[o] != b->free_blocks[o]) {
			printk("# order %u: %lu free blocks before, %lu after\n", o,
			       a->free_blocks[o], b->free_blocks[o]);
			same = false;
		}
	}
	return same && a->free == b->free;
}

KTEST(buddy, freeing_merges_buddies)
{
	struct page_stats a, b;
	void *pages[64];
	int i;

	page_stats(&a);
	for (i = 0; i < 64; i++) {
		pages[i] = alloc_page();
		KT_ASSERT(pages[i]);
	}
	/* Free out of order: the even ones first, then the odd ones backwards. */
	for (i = 0; i < 64; i += 2)
		free_page(pages[i]);
	for (i = 63; i > 0; i -= 2)
		free_page(pages[i]);
	page_stats(&b);
	KT_EXPECT_MSG(same_free_blocks(&a, &b), "freed pages were not merged back");
}

KTEST(buddy, split_and_merge_every_order)
{
	struct page_stats a, b;
	unsigned int o;

	for (o = 0; o <= MAX_PAGE_ORDER; o++) {
		void *p;

		page_stats(&a);
		p = alloc_pages(o);
		KT_ASSERT(p);
		free_pages(p, o);
		page_stats(&b);
		KT_EXPECT_MSG(same_free_blocks(&a, &b), "order %u: not merged back", o);
	}
}

static void show_zone(const struct buddy_zone *z, const char *when)
{
	unsigned int o;

	printk("# %-34s free pages %lu, free blocks per order:", when, buddy_free_pages(z));
	for (o = 0; o <= 4; o++)
		printk(KERN_CONT " %lu", buddy_nr_free_blocks(z, o));
	printk(KERN_CONT "\n");
}

/*
 * Four free pages, and still no order-2 block: a block of 4 pages must be 4 pages in a row,
 * starting at a multiple of 4. A private 16-page zone (pure bookkeeping: the allocator never
 * touches the memory it manages) shows it without disturbing the kernel's own memory.
 */
KTEST(buddy, order2_fails_with_4_free_pages)
{
	static struct page map[16];
	struct buddy_zone z;
	char why[96];
	int i;

	buddy_init(&z, map, 0, 16);
	buddy_add_range(&z, 0, 16);
	show_zone(&z, "16 pages added:");
	for (i = 0; i < 16; i++)
		KT_ASSERT(buddy_alloc(&z, 0) >= 0);
	for (i = 0; i < 8; i += 2)
		KT_ASSERT(buddy_free(&z, i, 0) == 0);
	show_zone(&z, "pfns 0, 2, 4, 6 freed:");
	KT_EXPECT(buddy_free_pages(&z) == 4);
	KT_EXPECT_MSG(buddy_alloc(&z, 2) == BUDDY_NO_PAGE, "an order-2 block from 4 lone pages");
	/* Free their buddies 1 and 3: 0-1 and 2-3 merge, and then merge again into 0-3. */
	KT_ASSERT(buddy_free(&z, 1, 0) == 0 && buddy_free(&z, 3, 0) == 0);
	show_zone(&z, "pfns 1 and 3 freed as well:");
	KT_EXPECT_MSG(buddy_nr_free_blocks(&z, 2) == 1, "pfns 0-3 did not merge into one block");
	KT_EXPECT(buddy_alloc(&z, 2) == 0);
	KT_EXPECT_MSG(buddy_check(&z, why, sizeof(why)) == 0, "zone inconsistent: %s", why);
}
