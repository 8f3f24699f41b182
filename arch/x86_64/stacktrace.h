#ifndef ARCH_STACKTRACE_H
#define ARCH_STACKTRACE_H

#include "kernel/lib/types.h"

#define BACKTRACE_MAX_FRAMES 24

/*
 * Print a frame-pointer backtrace starting at (rip, rbp); rsp (or 0) finds the caller of a
 * function that faulted before setting up its frame. Only frames inside [lo, hi) are
 * followed when lo < hi; otherwise any mapped, increasing frame address is. A corrupt frame
 * pointer ends the walk with a note instead of a fault.
 */
void show_backtrace(u64 rip, u64 rsp, u64 rbp, u64 lo, u64 hi);
/* Backtrace of the caller. */
void dump_stack(void);
/*
 * Save up to size return addresses of the caller's chain (the first is in the caller itself),
 * for printing later: where an object was allocated and freed (mm/kfence.c). Returns how many.
 */
int stack_trace_save(u64 *store, int size);
/* Print saved return addresses as show_backtrace() prints frames. */
void stack_trace_print(const u64 *entries, int nr);

#endif
