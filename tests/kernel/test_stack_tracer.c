/*
 * The stack tracer (kernel/stack_tracer.c): a task that goes about 2 KiB deep and waits there
 * for a tick must show up in both records - its entry function's high-water mark, kept when its
 * stack is released, and the deepest chain, sampled by the tick's interrupt.
 */
#include "kernel/debug/ktest.h"
#include "kernel/lib/string.h"
#include "kernel/printk/printk.h"
#include "kernel/stack_tracer.h"
#include "kernel/task.h"
#include "kernel/time.h"

#define FRAME 960 /* under the kernel's -Wframe-larger-than=1024: two of them are deep enough */

/* At the deepest point: wait, with interrupts on, until a tick has come and gone. */
static noinline u64 wait_for_tick(u64 *depth)
{
	u64 start = jiffies;

	*depth = stack_top(&current->stack) - (u64)__builtin_frame_address(0);
	while (jiffies == start)
		asm volatile("pause");
	return start;
}

static noinline u64 deep_frame(int level, u64 *depth)
{
	volatile u8 buf[FRAME];

	memset((u8 *)buf, level + 1, sizeof(buf));
	if (level)
		return deep_frame(level - 1, depth) + buf[7];
	return wait_for_tick(depth) + buf[9];
}

static int go_deep(void *arg)
{
	deep_frame(1, arg);
	return 0;
}

KTEST(stack_tracer, records_a_deep_task)
{
	bool was_on = stack_tracer_enabled;
	u64 depth = 0;
	struct task *t;
	int status;

	stack_tracer_reset();
	stack_tracer_enable(true);
	/* On CPU 0, which the tick of jiffies (the PIT) interrupts: that tick takes the sample. */
	t = kthread_create(go_deep, &depth, "deep");
	KT_ASSERT(t && set_cpus_allowed(t, 0) == 0);
	wake_up_process(t);
	KT_ASSERT(wait(t->pid, &status) == 0 && status == 0);
	stack_tracer_enable(was_on);
	printk("# reached %lu bytes; recorded %lu, deepest sample %lu\n", depth,
	       stack_tracer_used(go_deep), stack_tracer_deepest());
	KT_EXPECT(depth >= 2 * FRAME);
	/* The high-water mark counts every byte the task wrote: at least as deep as it went. */
	KT_EXPECT(stack_tracer_used(go_deep) >= depth);
	KT_EXPECT(stack_tracer_used(go_deep) <= THREAD_SIZE);
	/* The tick came while the task was that deep: the sample saw at least that much. */
	KT_EXPECT(stack_tracer_deepest() >= depth);
}
