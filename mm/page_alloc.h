/*
 * The physical page allocator: the kernel's wrapper around the buddy allocator in mm/buddy.c,
 * with locking, direct-map addresses and clear reports of bad frees.
 *
 * Note for readers of Linux: here alloc_pages() returns the direct-map address of the block
 * (Linux's __get_free_pages()), so it pairs with free_pages(addr, order) as in Linux.
 */
#ifndef MM_PAGE_ALLOC_H
#define MM_PAGE_ALLOC_H

#include "mm/buddy.h"
#include "mm/memmap.h"

void *alloc_pages(unsigned int order);
void free_pages(void *addr, unsigned int order);
static inline void *alloc_page(void)
{
	return alloc_pages(0);
}
static inline void free_page(void *addr)
{
	free_pages(addr, 0);
}
/*
 * n order-0 pages under one lock (a stack's, a vmalloc area's): 0 and all of them in pages[],
 * or -1 and none. free_pages_bulk() gives n order-0 pages back, under one lock too.
 */
int alloc_pages_bulk(unsigned int n, void **pages);
/*
 * Make a block of alloc_pages(order) two blocks of order - 1, freed one by one (tests that need
 * two neighbouring blocks: the halves of one block are adjacent whatever the allocator's policy).
 */
void split_pages(void *addr, unsigned int order);
void free_pages_bulk(void **pages, unsigned int n);
/* Since boot: the calls of free_pages_bulk() (one round trip each) and the pages they freed. */
void page_free_batches(u64 *calls, u64 *pages);
/* Give this CPU's parked free pages (see mm/page_alloc.c) back to the zone. */
void drain_local_pages(void);
/* An order-0 page filled with zeroes (page tables, stacks). */
void *get_zeroed_page(void);

struct page_stats {
	u64 total; /* usable RAM pages the allocator manages */
	u64 free;
	u64 reserved; /* pages of the span it does not manage (holes, kernel, firmware) */
	u64 free_blocks[NR_PAGE_ORDERS];
	u64 bad_frees; /* frees that were refused (double, wrong order, never allocated) */
};
void page_stats(struct page_stats *st);
u64 nr_free_pages(void);

/* Highest physical address of usable RAM (exclusive). */
extern u64 max_phys_addr;

/* Boot: manage usable RAM below `limit` now (the rest later, once the direct map covers it). */
void page_alloc_init(const struct memmap *map, u64 limit);
void page_alloc_add_above(const struct memmap *map, u64 limit);

#endif
