/* Adjacent direct-mapped stacks for the VMAP_STACK=n tests (adjacent_stacks.h). */
#include "tests/kernel/adjacent_stacks.h"
#include "kernel/lib/string.h"
#include "kernel/stack.h"
#include "mm/page_alloc.h"

/*
 * Move a new, never-run task to the stack at new_base: its initial frame holds no pointer into
 * the stack but the saved RSP, so a copy and a moved RSP are all it takes.
 */
static void move_stack(struct task *t, u64 new_base)
{
	struct kernel_stack old = t->stack;

	memcpy((void *)new_base, (void *)old.base, THREAD_SIZE);
	t->rsp = t->rsp - old.base + new_base;
	t->stack.base = new_base;
	direct_stack_free(&old);
}

/*
 * The block is split into two stack-sized blocks, each freed on its own later: lower's stack
 * ends where upper's begins whatever order the buddy allocator hands out a split block's halves.
 */
bool make_adjacent_stacks(struct task *lower, struct task *upper)
{
	u8 *block = alloc_pages(THREAD_SIZE_ORDER + 1);

	if (!block)
		return false;
	split_pages(block, THREAD_SIZE_ORDER + 1);
	move_stack(lower, (u64)block);
	move_stack(upper, (u64)block + THREAD_SIZE);
	return true;
}
