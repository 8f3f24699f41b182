/*
 * Allocation failure injection, in the spirit of Linux's fail_page_alloc, failslab and
 * /proc/<pid>/fail-nth: make the n-th allocation from now fail, to see that every caller copes.
 * Page allocations (alloc_pages), slab objects (kmalloc) and vmalloc address space count alike.
 */
#ifndef MM_FAIL_H
#define MM_FAIL_H

#include "kernel/lib/types.h"

/* The n-th allocation from now fails, once; 0 turns injection off. */
void fail_nth_set(u64 n);
/* Allocations counted since fail_nth_set(), and allocations made to fail since boot. */
u64 fail_nth_count(void);
u64 fail_nth_injected(void);
/*
 * Called by each allocator before it allocates: true means "fail this one". Inline, so that
 * with injection off (always, but in tests) an allocation pays one load and one test: every
 * page of a stack asks, so a call here would show in the cost of each stack.
 */
extern u64 fail_nth;
bool should_fail_alloc_count(void);
static inline bool should_fail_alloc(void)
{
	return __atomic_load_n(&fail_nth, __ATOMIC_RELAXED) && should_fail_alloc_count();
}

#endif
