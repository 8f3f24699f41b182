/*
 * VMAP_STACK=n tests: two tasks whose direct-mapped stacks touch, as the page allocator may
 * place them by chance. Made on purpose, so no test depends on where the allocator puts stacks.
 */
#ifndef TESTS_KERNEL_ADJACENT_STACKS_H
#define TESTS_KERNEL_ADJACENT_STACKS_H

#include "kernel/task.h"

/*
 * Give two new, never-run tasks the two halves of one block of twice a stack's size: lower's
 * stack then ends where upper's begins, so an overrun of upper runs into the top of lower's.
 * False if there is no such block (nothing moved).
 */
bool make_adjacent_stacks(struct task *lower, struct task *upper);

#endif
