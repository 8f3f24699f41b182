/*
 * Crash tests for kernel stacks, named after Linux's lkdtm (drivers/misc/lkdtm) where Linux has
 * them. Each runs in a task of its own; the caller waits and says how it ended.
 */
#ifndef KERNEL_LKDTM_H
#define KERNEL_LKDTM_H

#include "kernel/lib/types.h"

struct lkdtm_test {
	const char *name;
	const char *what;
	int (*fn)(void *arg);
};

extern const struct lkdtm_test lkdtm_tests[];
extern const int lkdtm_nr_tests;

const struct lkdtm_test *lkdtm_find(const char *name);
/* Run the test called name in the calling task (SYS_lkdtm): its result, or -EINVAL. */
long lkdtm_direct(const char *name);
/* Run one in a new task and wait: 0 and its exit status, or -ENOMEM (no memory for the task). */
int lkdtm_run(const struct lkdtm_test *t, int *status, int *pid);
/* The same on CPU cpu only (-1: any CPU); -EINVAL if that CPU does not run tasks. */
int lkdtm_run_on(const struct lkdtm_test *t, int cpu, int *status, int *pid);
/* In the calling task: leave only `left` bytes of its stack and spin with interrupts on. */
__attribute__((noreturn)) void lkdtm_spin_with_bytes_left(u64 left);

/* The heap's crash tests (kernel/debug/lkdtm_heap.c), rows of lkdtm_tests[]. */
int lkdtm_slab_linear_overflow(void *arg);
int lkdtm_read_after_free(void *arg);
int lkdtm_write_after_free(void *arg);
int lkdtm_slab_free_double(void *arg);
int lkdtm_slab_free_cross(void *arg);
int lkdtm_read_buddy_after_free(void *arg);
int lkdtm_write_buddy_after_free(void *arg);

#endif
