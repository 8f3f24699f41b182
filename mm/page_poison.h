/*
 * Page poisoning (Linux's page_poison=1): every page freed to the page allocator is filled with
 * PAGE_POISON, and the fill is checked when the page is handed out again. A write to a page
 * after it was freed is reported then, naming the page; a read after the free reads the poison
 * (0xaa... as a pointer is not even canonical) instead of the stale contents that would let the
 * bug go unseen. Off unless the command line says page_poison=1: it costs a fill and a check
 * per page.
 */
#ifndef MM_PAGE_POISON_H
#define MM_PAGE_POISON_H

#include "kernel/lib/types.h"

#define PAGE_POISON 0xaa

/* The command line's page_poison=1 (before mm_init()). */
void page_poison_enable(void);
/* Take a bitmap of span_pages bits from the page allocator (mm_init() calls it); false if off. */
bool page_poison_init(u64 span_pages);
/* Fill the n pages from the direct-map address addr with PAGE_POISON, and remember that. */
void poison_pages(void *addr, u64 n);
/* Check and forget the poison of the n pages at addr (those poisoned since boot). */
void check_poisoned_pages(void *addr, u64 n);
/* Pages found written after they were freed, since boot (meminfo and the tests show it). */
u64 page_poison_errors(void);

extern bool page_poisoning;

#endif
