/*
 * Lab 4's stubs (docs/labs/lab4-stack-overflows.md), one for each LAB4 solution
 * region: scripts/handout puts them in the lab's handout in place of the solutions. Not
 * compiled here. Each sits under a line naming the region's file and title (the text of its
 * BEGIN marker); the lines down to the next such line are the stub, blank lines at either
 * end aside. docs/labs/INSTRUCTORS.md says how to edit one.
 */

/* STUB kernel/fault.c: recognise a stack overflow, report it, and kill the task or panic */
/*
 * TODO (lab 4, exercise 2): the overflow policy. A #DF (always taken on the IST stack) and a #PF
 * (taken on the stack it interrupted) come here; decide from CR2, the saved registers and the
 * stacks (kernel/stack.h: stack_guard_hit(), stack_overflow_hit(), cpu_stack_overflow_hit())
 * whether the fault is an overrun of a task's stack, of one of this CPU's own stacks, or no
 * overflow at all; report an overrun in Linux's words; then kill the task with
 * kill_overflowing_task() or, when that is not safe, panic with the reason. The lab text says
 * what each function must do; the primitives above are yours to use. As it is, every #DF is a
 * panic and every #PF is passed on (an overflow ends in "Fatal exception: page fault").
 */

/* Why killing t now would not be safe (the reason, in a few words), or NULL if it is. */
const char *why_not_killable(struct task *t, const struct pt_regs *regs, char *buf, size_t len)
{
	return "why_not_killable() is not written yet";
}

/* Where an overrun of t's stack faulted (the address that hit), or 0 if this fault is not one. */
u64 stack_overflow_address(const struct task *t, const struct pt_regs *regs, u64 cr2,
			   bool double_fault)
{
	return 0;
}

static bool handle_double_fault(struct pt_regs *regs)
{
	report_begin();
	show_fault("double fault, not a task stack overflow", regs, 0, 0);
	if (current)
		show_task_line(current);
	panic("double fault");
}

/* True if the fault was handled here (a kill does not come back); false passes it on. */
static bool handle_page_fault(struct pt_regs *regs)
{
	(void)kill_overflowing_task; /* these lines only keep the unused helpers "used" */
	(void)regs;
	return false;
}

/* STUB kernel/stack.c: where an overrun of a guarded stack can fault */
/*
 * TODO (lab 4, exercise 3): is addr where an overrun of the stack in area va can fault? The
 * task stacks and this CPU's own stacks both ask here. As it is, only the guards count.
 */
static bool overrun_zone_hit(const struct vmarea *va, u64 addr)
{
	return vmarea_in_guard(va, addr);
}
