/*
 * Implemented by the core: the functions of kernel/ that the entry code calls by name. The CPU
 * enters the kernel through boot/ and arch/ (the boot loader's jump, an exception, the end of an
 * interrupt), and the entry code hands each entry to the core here, as Linux's entry code calls
 * exc_double_fault(). These calls point up: this header is the one exception to the layer rule
 * that scripts/check-layers documents, and it holds nothing but such declarations. The assembly
 * calls a few more by their labels (do_syscall, kthread_start, ap_start).
 */
#ifndef ARCH_CORE_H
#define ARCH_CORE_H

#include "arch/x86_64/idt.h"

/* kernel/init/main.c: where boot/entry.asm jumps, in long mode, on the boot stack. */
void kernel_main(u32 magic, u64 mb_phys);

/*
 * kernel/fault.c: every exception from kernel mode, and every NMI and machine check. Returns
 * true if it dealt with it (execution resumes); false: trap_dispatch() prints the oops and dies.
 */
bool kernel_exception(struct pt_regs *regs);
/* kernel/user/process.c: any other exception from ring 3 - report it, kill the process. */
__attribute__((noreturn)) void user_fault(struct pt_regs *regs);
/* kernel/sched.c: on the way out of every outermost interrupt - preemption. */
void sched_irq_exit(struct pt_regs *regs);
/*
 * kernel/cpu_stack.c: which of this CPU's stacks addr lies on - its name ("TASK", "IRQ", "#DF",
 * ...) and bounds [lo, hi) - or NULL: a backtrace follows the frames from one stack to the next.
 */
const char *stack_lookup(u64 addr, u64 *lo, u64 *hi);
/*
 * kernel/user/stackleak.c: just before every return to ring 3, with interrupts off, on the
 * task's stack below its struct pt_regs - poison what this entry used of the stack.
 */
void stackleak_erase(void);

#endif
