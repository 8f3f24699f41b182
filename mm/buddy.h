/*
 * Buddy page allocator: pure logic, no locking, no printing, no libc, so that the same file
 * builds in the kernel and in host unit tests. The kernel wrapper adds the lock and the messages.
 *
 * A zone manages the page frames [base_pfn, base_pfn + span). Free memory is kept as blocks of
 * 2^order pages (order 0..MAX_PAGE_ORDER), each starting at a pfn that is a multiple of its own
 * size. The two halves of an order k+1 block are "buddies". Allocation splits a bigger free
 * block in halves until it has the size asked for; freeing merges a block with its buddy for as
 * long as the buddy is free.
 *
 * The bookkeeping lives in an array given by the caller, one struct page per frame of the span,
 * so the allocator never reads or writes the managed memory itself.
 */
#ifndef MM_BUDDY_H
#define MM_BUDDY_H

#include "kernel/lib/types.h"

#define MAX_PAGE_ORDER 10 /* largest block: 2^10 pages = 4 MiB */
#define NR_PAGE_ORDERS (MAX_PAGE_ORDER + 1)

/*
 * Every page frame of the span is in exactly one of these states (flags, then meaning):
 *
 *   PG_reserved		not managed: a hole, the kernel image, firmware, not added yet
 *   PG_reserved | PG_pinned	same, and buddy_add_range() must leave it reserved
 *   PG_buddy			first page of a free block; order gives its size
 *   0				any other page of a free block
 *   PG_head			first page of an allocated block; order gives its size
 *   PG_head | PG_parked	an allocated order-0 page its owner has freed, parked on a
 *				per-CPU list (mm/page_alloc.c) until it comes back to the zone
 *   PG_tail			any other page of an allocated block
 */
#define PG_reserved 0x01
#define PG_pinned   0x02
#define PG_buddy    0x04
#define PG_head	    0x08
#define PG_tail	    0x10
#define PG_parked   0x20

#define BUDDY_NIL      0xffffffffu	/* "no page" in the free list links */
#define BUDDY_MAX_SPAN ((u64)BUDDY_NIL) /* map indices must fit in a u32 below BUDDY_NIL */

struct page {
	u32 next; /* free list: map index of the next free block, or BUDDY_NIL */
	u32 prev; /* free list: map index of the previous free block, or BUDDY_NIL */
	u8 order; /* block order, valid on PG_buddy and PG_head pages */
	u8 flags; /* PG_* */
};

struct buddy_zone {
	u64 base_pfn;		       /* first page frame of the zone */
	u64 span;		       /* page frames in the zone, holes included */
	struct page *map;	       /* map[i] describes pfn base_pfn + i */
	u32 free_list[NR_PAGE_ORDERS]; /* map index of the first free block, or BUDDY_NIL */
	u64 nr_free[NR_PAGE_ORDERS];   /* free blocks on each list */
	u64 managed;		       /* pages made usable by buddy_add_range() */
	u64 free;		       /* pages in free blocks; managed - free are allocated */
};

/* buddy_alloc() result when nothing fits. */
#define BUDDY_NO_PAGE (-1)

/* buddy_block_order() result for a pfn that does not start a block. */
#define BUDDY_NO_ORDER (~0u)

/* buddy_free() errors; the zone is left unchanged when one is returned. */
#define BUDDY_ENOTALLOC (-1) /* outside the zone, reserved, or inside an allocated block */
#define BUDDY_EDOUBLE	(-2) /* the page is already free */
#define BUDDY_EORDER	(-3) /* starts an allocated block of another order */

/* Set up an empty zone: every page starts reserved. map must have span_pages entries. */
void buddy_init(struct buddy_zone *z, struct page *map, u64 base_pfn, u64 span_pages);

/*
 * Make [pfn, pfn + count) usable and free it, as the largest blocks aligned to their size that
 * fit. Pages outside the zone, pages already usable and pinned pages are skipped.
 */
void buddy_add_range(struct buddy_zone *z, u64 pfn, u64 count);

/*
 * Pin [pfn, pfn + count) as reserved, so that a later buddy_add_range() over a bigger range
 * (a firmware "usable" region holding the kernel image, say) leaves these pages out. Call it
 * before adding: a page that is already usable may be allocated, so it is left alone.
 */
void buddy_reserve_range(struct buddy_zone *z, u64 pfn, u64 count);

/* Allocate 2^order pages; returns the first pfn (aligned to 2^order) or BUDDY_NO_PAGE. */
s64 buddy_alloc(struct buddy_zone *z, unsigned int order);

/*
 * Free a block from buddy_alloc(); returns 0 or a BUDDY_E* error, and then changes nothing.
 * On BUDDY_EORDER, buddy_block_order(z, pfn) gives the order the block really has. A stale
 * pfn whose block has been allocated again since cannot be detected: it is the new owner's.
 */
int buddy_free(struct buddy_zone *z, u64 pfn, unsigned int order);

/*
 * A freed order-0 page that is not given back to the zone yet, but kept on a per-CPU list for
 * the next allocation (Linux's per-CPU page lists). buddy_park() checks the free as buddy_free()
 * would and marks the page parked, so a second free of it is a double free; buddy_unpark()
 * clears the mark, for the page to be handed out again or given to buddy_free().
 */
int buddy_park(struct buddy_zone *z, u64 pfn);
/* Inline: the per-CPU list hands out a page with it on every order-0 allocation. */
static inline void buddy_unpark(struct buddy_zone *z, u64 pfn)
{
	z->map[pfn - z->base_pfn].flags = PG_head;
}

/*
 * Turn the allocated block (pfn, order), order >= 1, into two allocated blocks of order - 1,
 * its two halves, to be freed one by one. Returns 0 or a BUDDY_E* error (and changes nothing).
 */
int buddy_split(struct buddy_zone *z, u64 pfn, unsigned int order);

/* Order of the free or allocated block starting at pfn, or BUDDY_NO_ORDER. */
unsigned int buddy_block_order(const struct buddy_zone *z, u64 pfn);

const char *buddy_strerror(int err);

u64 buddy_free_pages(const struct buddy_zone *z);
u64 buddy_managed_pages(const struct buddy_zone *z);
u64 buddy_reserved_pages(const struct buddy_zone *z);  /* span - managed */
u64 buddy_allocated_pages(const struct buddy_zone *z); /* managed - free */
u64 buddy_nr_free_blocks(const struct buddy_zone *z, unsigned int order);

/*
 * Check every invariant of the zone (slow: it visits every page). Returns 0 if consistent,
 * else -1 with the first problem found written into why (NUL-terminated, may be truncated).
 */
int buddy_check(const struct buddy_zone *z, char *why, size_t why_len);

#endif
