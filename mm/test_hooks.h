/*
 * What the kernel keeps for its tests (tests/kernel/) alone: hooks a test points at a function of
 * its own to stop the kernel at a chosen point, or a fault to inject. Each hook is
 * NULL or 0 unless a test sets it. They are declared here, not in the headers of the code that
 * calls them, so that those headers speak only of the kernel. This header is in mm, the lowest
 * layer with a hook, so that every file that defines one can include it.
 */
#ifndef MM_TEST_HOOKS_H
#define MM_TEST_HOOKS_H

#include "kernel/lib/types.h"

/* mm/pgtable.c: called inside map_kernel_page() between making a page table and installing it. */
extern void (*pgtable_test_hook)(u64 va);
/* mm/pgtable.c: called in a map with the entry to write found, before writing it (lock held). */
extern void (*pgtable_walked_test_hook)(u64 va);

/* mm/vmalloc.c: called before each batch of a new area's pages (index of its first) is mapped. */
extern void (*vmalloc_test_hook)(u64 page_index);

/* kernel/smp_call.c: the CPUs (a bit each) whose IPI is sent but reported as not sent. */
extern u64 smp_call_test_lost_sends;
/*
 * kernel/smp_call.c: called as smp_call_function() starts and as it returns, in task context with
 * interrupts on, where the caller may be preempted and moved to another CPU.
 */
extern void (*smp_call_test_hook)(void);

/*
 * mm/tlbflush.c: called by local_flush_tlb_kernel_range() before (done false) and after (done
 * true) this CPU's flush, in whatever context the flush runs.
 */
extern void (*tlb_local_flush_test_hook)(u64 start, u64 end, bool done);
/*
 * mm/tlbflush.c: called as flush_tlb_kernel_range() starts a shootdown with other CPUs online, in
 * task context with interrupts on; true makes the shootdown fail (returns -1, nothing flushed).
 */
extern bool (*tlb_shootdown_test_hook)(u64 start, u64 end);

/*
 * kernel/user/process.c: called in process_wait() between claiming the child and reaping it,
 * where a kill must not end the caller (a yield there is a preemption point a test can aim a kill
 * at).
 */
extern void (*process_wait_test_hook)(void);

#endif
