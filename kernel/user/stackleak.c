/*
 * Stack erasing (kernel/user/stackleak.h): poison a process's kernel stack when it is made, and
 * poison again, before every return to ring 3, what the kernel used of it since the last one
 * (lab 8: docs/labs/lab8-stack-hardening.md).
 */
#include "kernel/user/stackleak.h"
#include "arch/x86_64/core.h"
#include "kernel/task.h"
#include "kernel/user/process.h"

bool kstack_erase_enabled = true;

u64 stackleak_stack_low(const struct kernel_stack *s)
{
	/* A direct-mapped stack (VMAP_STACK=n) keeps STACK_END_MAGIC in its lowest word. */
	return s->vm ? s->base : s->base + sizeof(u64);
}

/* LAB8: BEGIN the erase: poison at creation, the scan for the deepest point, the erase */
/*
 * Linux finds the deepest point a system call reached from current->lowest_stack, which a GCC
 * plugin keeps up to date in every function with a big frame. We have no plugin, so the scan is
 * the mechanism: from the stack pointer down, the first run of STACKLEAK_RUN poison words marks
 * the deepest point, and the cost follows the depth the entry used, not the stack's size. Where
 * the scan could stop too early - a stretch of poison above deeper frames, as the random stack
 * offset or a buffer left unwritten makes - a tracking point (stackleak_track_stack(), at the
 * system-call dispatch and in the debug system call) moves its start below that stretch. A big
 * unwritten buffer deeper in a call that has no tracking point still ends the scan early: the
 * words below it stay as they were until a later, deeper scan reaches them.
 */
/* Fill [lo, hi) with poison: rep stosq, which uses no stack (the fill runs right below RSP). */
static inline void poison_range(u64 lo, u64 hi)
{
	u64 n = (hi - lo) / sizeof(u64);

	asm volatile("rep stosq" : "+D"(lo), "+c"(n) : "a"(STACKLEAK_POISON) : "memory");
}

u64 stackleak_find_top_of_poison(u64 low, u64 from, bool *found)
{
	u64 p = ALIGN_DOWN(from, sizeof(u64));
	unsigned int run = 0;

	while (p > low) {
		p -= sizeof(u64);
		if (*(const u64 *)p != STACKLEAK_POISON)
			run = 0;
		else if (++run == STACKLEAK_RUN)
			break;
	}
	*found = run == STACKLEAK_RUN;
	return p + run * sizeof(u64);
}

u64 stackleak_scan_start(const struct task *t, u64 sp)
{
	u64 lowest = t->proc->lowest_stack;

	/* Unset (a process made while erasing was off) or out of the stack: from sp. */
	return lowest > stackleak_stack_low(&t->stack) && lowest < sp ? lowest : sp;
}

void stackleak_poison_task(struct task *t)
{
	if (!kstack_erase_enabled || !t->proc)
		return;
	/* Below the task's first frame (prepare_initial_frame()), nothing is in use yet. */
	poison_range(stackleak_stack_low(&t->stack), t->rsp);
	t->proc->lowest_stack = stack_top(&t->stack);
}

void stackleak_track_stack(void)
{
	struct process *p = current->proc;
	u64 sp = current_stack_pointer();

	if (p && sp < p->lowest_stack)
		p->lowest_stack = sp;
}

/*
 * Called by the entry code (arch/x86_64/syscall_entry.asm, entry.asm) with interrupts off, on
 * the task's stack right below its struct pt_regs, just before the return to ring 3: nothing
 * below this frame is live. Interrupts must stay off until ring 3, or an interrupt's frame
 * would land in the part just erased.
 */
void stackleak_erase(void)
{
	struct task *t = current;
	struct process *p = t->proc;
	u64 sp = current_stack_pointer(), low;
	bool found;

	if (!kstack_erase_enabled || !p)
		return;
	low = stackleak_find_top_of_poison(stackleak_stack_low(&t->stack),
					   stackleak_scan_start(t, sp), &found);
	poison_range(low, sp);
	p->lowest_stack = stack_top(&t->stack);
}
/* LAB8: END */
