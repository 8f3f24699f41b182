/*
 * The kernel's exception policy: a fault a test expected is reported and survived; a stack
 * guard page hit kills the task that overran its stack; anything else is a fatal oops.
 */
#ifndef KERNEL_FAULT_H
#define KERNEL_FAULT_H

#include "arch/x86_64/idt.h"
#include "kernel/fault_catch.h"

struct task;

/*
 * The overflow policy's two decisions, in kernel/fault.c (lab 4), called by its handlers and by
 * the in-kernel tests. stack_overflow_address(): where an overrun of t's stack faulted, or 0 if
 * this fault (a #DF if double_fault, else a #PF; cr2 as read in the handler) is not one.
 * why_not_killable(): why killing t now would not be safe (the reason, in buf or a constant
 * string), or NULL if it is; it looks at this CPU's state as well as at t.
 */
u64 stack_overflow_address(const struct task *t, const struct pt_regs *regs, u64 cr2,
			   bool double_fault);
const char *why_not_killable(struct task *t, const struct pt_regs *regs, char *buf, size_t len);

/*
 * The scheduler's last resort for a task that keeps spinning with `left` bytes of stack, too few
 * to switch away from it: report it and kill it from the IRQ stack, never to return. Returns
 * false if the task may not be killed now (it is init or idle, or in kill_disable()).
 */
bool kill_task_out_of_stack(struct pt_regs *regs, u64 left);
/* NMIs that no panic sent, since boot: each was reported and ignored (kernel_exception()). */
extern u64 nmi_unknown_count;

/*
 * Run fn(arg) on this CPU's IRQ stack, or right here if that is where we are (exception
 * context, interrupts off): a report must not need the faulting stack, which may be nearly full.
 */
void run_on_irq_stack(void (*fn)(void *arg), void *arg);

#endif
