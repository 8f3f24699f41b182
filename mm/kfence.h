/*
 * KFENCE, the guarded heap (Linux 5.12's Kernel Electric-Fence): a small pool of pages in a range
 * of its own, where each object lives alone on a page between two unmapped guard pages. One
 * kmalloc() per sample interval is served from it (kfence.sample_interval=<ms>, 0 = off;
 * kfence=all sends every allocation that fits). An access past the object faults on a guard; a
 * freed object's page is unmapped, so a use after the free faults too; the rest of the page is
 * filled with a pattern checked at kfree(). mm/kfence.c has the picture.
 */
#ifndef MM_KFENCE_H
#define MM_KFENCE_H

#include "arch/x86_64/paging.h"

#define KFENCE_NUM_OBJECTS 255 /* Linux's CONFIG_KFENCE_NUM_OBJECTS default */
/* Object pages alternate with guard pages, with a guard first: 2 x (objects + 1) pages. */
#define KFENCE_POOL_PAGES (2 * (KFENCE_NUM_OBJECTS + 1))
#define KFENCE_POOL_SIZE  (KFENCE_POOL_PAGES * PAGE_SIZE)
/* The pool's range: the PML4 entry (401) between the direct map and the vmalloc range. */
#define KFENCE_POOL_START	       (PAGE_OFFSET + DIRECT_MAP_SIZE)
#define KFENCE_DEFAULT_SAMPLE_INTERVAL 100 /* ms, as Linux */

/*
 * The slack's pattern: the byte at addr holds kfence_canary(addr). It depends on the address, so
 * that a memset() of any one value over the slack cannot match it everywhere.
 */
static inline u8 kfence_canary(u64 addr)
{
	return 0xcb ^ (addr & 7);
}

/*
 * 0: the next kmalloc() takes a sample (the tick opens the gate each interval, kfence=all keeps
 * it open); anything else: closed. kmalloc() reads it on every call: one load and a compare.
 */
extern int kfence_allocation_gate;

static inline bool is_kfence_address(const void *addr)
{
	return (u64)addr - KFENCE_POOL_START < KFENCE_POOL_SIZE;
}

/* Command-line settings, before mm_init(): the interval in ms (0 = off), and the all mode. */
void kfence_set_sample_interval(u64 ms);
void kfence_set_guard_all(bool all);
u64 kfence_sample_interval(void);
/* Map the pool and take its pages (mm_init()). */
void kfence_init(void);
/* The timer's tick, every ms milliseconds: opens the gate once per sample interval. */
void kfence_tick(u64 ms);

/* An object of size bytes from the pool, or NULL (pool off or full, size over a page). */
void *kfence_alloc(size_t size);
/* kmalloc()'s slow path, with the gate found open: take the sample, or NULL to use the slab. */
void *kfence_sample_alloc(size_t size);
/* Free a pool object (kfree() sends them here); bad frees are reported and ignored. */
void kfence_free(const void *addr);

/*
 * A page fault at addr in the pool (is_kfence_address()), from the instruction at ip: print
 * Linux's report (BUG: KFENCE: out-of-bounds write in <function>, the object, where it was
 * allocated and freed). kernel/fault.c then decides what becomes of the task. False if addr is
 * not in the pool.
 */
bool kfence_report_fault(u64 addr, bool is_write, u64 ip);

struct kfence_stats {
	u64 objects;	 /* in the pool */
	u64 in_use;	 /* allocated now */
	u64 allocations; /* served from the pool since boot */
	u64 frees;	 /* given back to it */
	u64 fallbacks;	 /* kfence=all: the pool was full, the slab served it */
	u64 faults;	 /* out-of-bounds and use-after-free faults reported */
	u64 bad_frees;	 /* double and invalid frees reported */
	u64 corruptions; /* objects whose slack was found written at their free */
	u64 interval_ms; /* 0: sampling off */
	bool all;	 /* kfence=all */
};
void kfence_get_stats(struct kfence_stats *st);

#endif
