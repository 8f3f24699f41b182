#include "kernel/fault.h"
#include "arch/x86_64/io.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"

/* The test armed a catch: print the whole oops, then resume at the test's kernel_setjmp(). */
static bool catch_expected_fault(struct pt_regs *regs)
{
	struct percpu *cpu = this_cpu();
	struct fault_catch *fc = cpu->fault_catch;

	if (!fc)
		return false;
	cpu->fault_catch = NULL;
	show_fault("expected by a test", regs, 0, 0);
	fc->rec.vector = regs->vector;
	fc->rec.rip = regs->rip;
	fc->rec.cr2 = read_cr2();
	fc->rec.error_code = regs->error_code;
	/* Return from the exception into kernel_longjmp(jb, 1) instead of the faulting code. */
	regs->rip = (u64)kernel_longjmp;
	regs->rdi = (u64)&fc->jb;
	regs->rsi = 1;
	return true;
}

static bool kernel_exception(struct pt_regs *regs)
{
	return catch_expected_fault(regs);
}

void fault_init(void)
{
	set_exception_handler(kernel_exception);
}
