/*
 * The kernel's exception policy: a fault a test expected is reported and survived; a stack
 * guard page hit kills the task that overran its stack; anything else is a fatal oops.
 */
#ifndef KERNEL_FAULT_H
#define KERNEL_FAULT_H

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
};

/*
 * The scheduler's last resort for a task that keeps spinning with `left` bytes of stack, too few
 * to switch away from it: report it and kill it from the IRQ stack, never to return. Returns
 * false if the task may not be killed now (it is init or idle, or in kill_disable()).
 */
bool kill_task_out_of_stack(struct pt_regs *regs, u64 left);
/* NMIs that no panic sent, since boot: each was reported and ignored (kernel_exception()). */
extern u64 nmi_unknown_count;

#endif
