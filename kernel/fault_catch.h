/*
 * The test fault-catch (kernel/fault_catch.c): a task that expects a fault arms a catch; the
 * fault is reported in full and the task resumes at the catch's kernel_setjmp() with what the
 * fault looked like. Tests arm it through ktest_expect_fault() (kernel/debug/ktest.h).
 */
#ifndef KERNEL_FAULT_CATCH_H
#define KERNEL_FAULT_CATCH_H

#include "arch/x86_64/idt.h"
#include "arch/x86_64/setjmp.h"

/* What a caught fault looked like. */
struct fault_record {
	u64 vector;
	u64 rip;
	u64 cr2;
	u64 error_code;
};

struct fault_catch {
	struct jmp_buf jb;
	struct fault_record rec;
	int irq_depth; /* where it was armed: a task (0), or an IPI's function on another CPU */
	bool quiet;    /* one line instead of the whole oops (tests that fault by the hundred) */
};

/*
 * Called by kernel_exception() (kernel/fault.c): true if the current task armed a catch for this
 * fault; the exception then returns into kernel_longjmp(&catch->jb, 1), the catch disarmed.
 */
bool catch_expected_fault(struct pt_regs *regs);

#endif
