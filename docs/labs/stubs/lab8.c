/*
 * Lab 8's stubs (docs/labs/lab8-stack-hardening.md), one for each LAB8 solution
 * region: scripts/handout puts them in the lab's handout in place of the solutions. Not
 * compiled here. Each sits under a line naming the region's file and title (the text of its
 * BEGIN marker); the lines down to the next such line are the stub, blank lines at either
 * end aside. docs/labs/INSTRUCTORS.md says how to edit one.
 */

/* STUB kernel/user/stackleak.c: the erase: poison at creation, the scan for the deepest point, the erase */
/*
 * TODO: stack erasing, as kernel/user/stackleak.h specifies each function. A new process's
 * stack starts as poison below its first frame; before every return to ring 3 the erase finds
 * the deepest point this entry reached (a scan down from the stack pointer, or from a deeper
 * tracked point, for a run of STACKLEAK_RUN poison words) and poisons from there up to its own
 * stack pointer, without using the stack it fills. Until then nothing is erased, and
 * `run stackleak` in the shell prints the secret a system call left behind.
 */
u64 stackleak_find_top_of_poison(u64 low, u64 from, bool *found)
{
	(void)from;
	*found = false;
	return low;
}

u64 stackleak_scan_start(const struct task *t, u64 sp)
{
	(void)t;
	return sp;
}

void stackleak_poison_task(struct task *t)
{
	(void)t;
}

void stackleak_track_stack(void)
{
}

void stackleak_erase(void)
{
}
