/*
 * The test fault-catch: how an in-kernel test expects a fault and survives it. The test arms a
 * catch (ktest_expect_fault(), kernel/debug/ktest.c: a kernel_setjmp() and current->fault_catch);
 * the overflow policy's kernel_exception() (kernel/fault.c) asks catch_expected_fault() about
 * every kernel fault that is neither an overflow nor a fixed-up user access. A fault the task
 * armed for gets the whole oops and returns into kernel_longjmp() instead of the code that
 * faulted.
 */
#include "kernel/fault_catch.h"
#include "kernel/fault.h"
#include "arch/x86_64/asm/special_insns.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/traps.h"
#include "kernel/printk/printk.h"
#include "kernel/task.h"

static void show_expected_fault(void *regs)
{
	show_fault("expected by a test", regs, 0, 0);
}

static void show_expected_fault_line(void *arg)
{
	struct pt_regs *regs = arg;

	printk("expected fault (by a test): vector %lu at %#lx, CR2 %#lx, CPU %u\n", regs->vector,
	       regs->rip, read_cr2(), this_cpu()->cpu);
}

/*
 * The current task armed a catch: print the whole oops, then resume at its kernel_setjmp(). Only
 * a fault at the interrupt depth where it was armed counts (the task's own code, or the function
 * of an IPI that armed it), not one in an interrupt handler that came on top, in another exception
 * handler, or an NMI or machine check that happened to come while the catch was armed.
 */
bool catch_expected_fault(struct pt_regs *regs)
{
	struct percpu *cpu = this_cpu();
	struct task *t = current;
	struct fault_catch *fc = t ? t->fault_catch : NULL;

	if (!fc || cpu->irq_depth != fc->irq_depth || cpu->fault_depth > 1)
		return false;
	/* NMI and #MC come from outside, whatever the task was doing: never "expected". */
	if (regs->vector == X86_TRAP_NMI || regs->vector == X86_TRAP_MC)
		return false;
	t->fault_catch = NULL;
	run_on_irq_stack(fc->quiet ? show_expected_fault_line : show_expected_fault, regs);
	fc->rec.vector = regs->vector;
	fc->rec.rip = regs->rip;
	fc->rec.cr2 = read_cr2();
	fc->rec.error_code = regs->error_code;
	/* Return from the exception into kernel_longjmp(jb, 1) instead of the faulting code. */
	exception_resume_longjmp(regs, &fc->jb, 1);
	return true;
}
