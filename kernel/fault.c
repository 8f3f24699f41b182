/*
 * The kernel's exception policy, called by name from arch/x86_64/idt.c (trap_dispatch(), through
 * arch/x86_64/core.h) for every exception but a user program's own:
 *
 *  1. A kernel stack overflow (a #DF or a #PF that an overrun of a task's stack caused) is
 *     reported in Linux's words and only that task is killed, unless killing it is unsafe:
 *     then panic with the reason. An overrun of this CPU's own stacks is a panic.
 *  2. A fault a test asked for is reported in full and survived.
 *  3. Anything else is not handled here: arch prints the oops and panics.
 */
#include "kernel/fault.h"
#include "arch/x86_64/asm/special_insns.h"
#include "arch/x86_64/core.h"
#include "arch/x86_64/switch.h"
#include "arch/x86_64/syscall.h"
#include "arch/x86_64/traps.h"
#include "arch/x86_64/percpu.h"
#include "kernel/drivers/apic.h"
#include "kernel/cpu_stack.h"
#include "kernel/printk/printk.h"
#include "kernel/locking/spinlock.h"
#include "kernel/smp.h"
#include "kernel/task.h"
#include "kernel/lib/vsprintf.h"
#include "mm/kfence.h"

static void show_task_line(const struct task *t)
{
	printk(KERN_EMERG "CPU: %u PID: %d Comm: %s\n", this_cpu()->cpu, t->pid, t->comm);
}

/*
 * Kill the task that overran its stack. We may be on the #DF IST stack, or on the task's own
 * stack for a #PF: either way this exception frame is abandoned for good (the SDM: a #DF
 * "cannot be restarted or resumed"), and do_exit() switches away, never to return.
 */
/*
 * A report that ends in a kill is printed whole: no other CPU prints between its first line and
 * the kill (printk's oops lock). Begun where the report starts, ended just before do_exit()
 * switches away - on this CPU, in exception context, so interrupts are off throughout.
 */
static DEFINE_PER_CPU(u64, report_flags);

static void report_begin(void)
{
	*this_cpu_ptr(&report_flags) = oops_begin();
}

static void report_end(void)
{
	oops_end(*this_cpu_ptr(&report_flags));
}

static void kill_overflowing_task(struct task *t, struct pt_regs *regs)
{
	printk(KERN_EMERG "---[ end trace: killing %s (pid %d) for a kernel stack overflow ]---\n",
	       t->comm, t->pid);
	/*
	 * The report is whole: let the other CPUs print again before running lost handlers that
	 * take sched_lock (a CPU holding it may be waiting to print: it would wait for us, we for
	 * it).
	 */
	report_end();
	/*
	 * An interrupt whose entry overran the stack is handled now, or the PIC (or this CPU's
	 * local APIC) waits forever for its EOI.
	 */
	irq_complete_lost(regs);
	lapic_complete_lost(regs);
	exception_abandon();
	do_exit(KILLED_STACK_OVERFLOW);
}

/*
 * An exception other than #DF is taken on the stack it interrupted, and a task that faulted near
 * the end of its stack (or hit its guard) may have little of it left: too little for printk. So
 * reports are made on this CPU's IRQ stack, which is free (interrupts are off in an exception
 * handler), unless that is where we already are. A kill never comes back; the IRQ stack's top is
 * where the next interrupt starts anyway. Not inlined, so that make stackcheck sees the call
 * through fn here.
 */
noinline void run_on_irq_stack(void (*fn)(void *arg), void *arg)
{
	u64 top = this_cpu()->irq_stack_top, sp = (u64)__builtin_frame_address(0);

	if (top && (sp > top || sp < top - IRQ_STACK_SIZE))
		call_on_stack(top, fn, arg);
	else
		fn(arg);
}

/* LAB4: BEGIN recognise a stack overflow, report it, and kill the task or panic */
/* Why killing t now would not be safe, or NULL if it is. */
const char *why_not_killable(struct task *t, const struct pt_regs *regs, char *buf, size_t len)
{
	struct percpu *cpu = this_cpu();

	if (t->is_idle)
		return "the idle task cannot be killed";
	/* As Linux: without init there is no shell and no way to power off. */
	if (t->pid == 1)
		return "Attempted to kill init!";
	/*
	 * In IRQ entry the handler has not run yet, and irq_complete_lost() can finish the
	 * interrupt; inside a handler (one that ran on this stack) it cannot be finished.
	 */
	if (cpu->irq_depth && !in_entry_text(regs->rip))
		return "overflow in interrupt context";
	if (cpu->fault_depth > 1)
		return "overflow inside an exception handler";
	if (nr_held_locks()) {
		snprintf(buf, len, "the task holds lock '%s'%s: killing it would leave it held",
			 held_lock_name(0), nr_held_locks() > 1 ? " (and more)" : "");
		return buf;
	}
	/* Inside vmalloc(), process_wait() and the like: what is in flight would leak. */
	if (cpu->nokill)
		return "it is inside kill_disable() (memory or bookkeeping in flight): killing it "
		       "would leak";
	return NULL;
}

/*
 * Only evidence that cannot be stale counts. CR2 alone proves nothing on a #DF: it keeps the
 * address of the last page fault, and the stack cache hands the same range to the next task. So
 * a #DF is an overrun if its saved RSP is in the overrun zone (stack_overflow_hit()), or if CR2
 * is in a guard while RSP is still within a page of the base (the push or call that failed). A
 * #PF was delivered on a good stack: it is one if CR2 is in a guard; the page below is another
 * area's.
 */
u64 stack_overflow_address(const struct task *t, const struct pt_regs *regs, u64 cr2,
			   bool double_fault)
{
	const struct kernel_stack *s = &t->stack;

	if (!s->base)
		return 0;
	if (!double_fault)
		return stack_guard_hit(s, cr2) ? cr2 : 0;
	if (stack_overflow_hit(s, regs->rsp))
		return regs->rsp;
	if (stack_guard_hit(s, cr2) && regs->rsp >= s->base && regs->rsp < s->base + PAGE_SIZE)
		return cr2;
	return 0;
}

static u64 overflow_count;

static bool handle_stack_overflow(struct task *t, struct pt_regs *regs, const char *how,
				  bool double_fault)
{
	char why_buf[128];
	const char *why;
	u64 addr;

	if (!t)
		return false;
	addr = stack_overflow_address(t, regs, read_cr2(), double_fault);
	if (!addr)
		return false;
	overflow_count++;
	printk(KERN_EMERG
	       "BUG: TASK stack guard page was hit at %016lx (stack is %016lx..%016lx)\n",
	       addr, t->stack.base, stack_top(&t->stack) - 1);
	printk(KERN_EMERG "kernel stack overflow (%s): %04lx [#%lu]\n", how, regs->error_code,
	       overflow_count);
	show_task_line(t);
	/* Only the task's own stack is walked: its guard pages are not readable. */
	show_regs(regs, t->stack.base, stack_top(&t->stack));
	why = why_not_killable(t, regs, why_buf, sizeof(why_buf));
	if (why)
		panic("kernel stack overflow in %s (pid %d): %s", t->comm, t->pid, why);
	kill_overflowing_task(t, regs);
	return true;
}

/* A #DF from an overrun of one of this CPU's own stacks (IRQ, NMI, #MC): nothing to kill. */
static void check_cpu_stack_overflow(struct pt_regs *regs)
{
	u64 lo, hi;
	const char *name = cpu_stack_overflow_hit(regs->rsp, &lo, &hi);

	if (!name)
		return;
	printk(KERN_EMERG "BUG: %s stack guard page was hit at %016lx (stack is %016lx..%016lx)\n",
	       name, regs->rsp, lo, hi - 1);
	show_fault("kernel stack overflow", regs, lo, hi);
	panic("kernel stack overflow on the %s stack", name);
}

/*
 * Whose stack a #DF may have overrun: the current task's, or - in the middle of a switch, when
 * `current` already names the next task but __switch_to_asm() still pushes on the previous
 * one's stack - the task being switched from.
 */
static bool handle_double_fault(struct pt_regs *regs)
{
	struct task *from = this_cpu()->switching_from;

	/* Every way out of here is a kill (which ends the report) or a panic. */
	report_begin();
	if (handle_stack_overflow(current, regs, "double-fault", true))
		return true;
	if (from && handle_stack_overflow(from, regs, "double-fault", true))
		return true;
	check_cpu_stack_overflow(regs);
	/* Not a task stack overflow: there is nothing to blame, and nothing to resume. */
	show_fault("double fault, not a task stack overflow", regs, 0, 0);
	if (current)
		show_task_line(current);
	panic("double fault");
}

struct pf_overflow {
	struct pt_regs *regs;
	bool handled;
};

static void handle_pf_overflow(void *arg)
{
	struct pf_overflow *pf = arg;

	report_begin();
	pf->handled = handle_stack_overflow(current, pf->regs, "page-fault", false);
	report_end(); /* not an overflow: no report (a kill does not come back here) */
}

/* The task's stack may be nearly full: the report is made on the IRQ stack. */
static bool handle_page_fault(struct pt_regs *regs)
{
	struct pf_overflow pf = { regs, false };

	run_on_irq_stack(handle_pf_overflow, &pf);
	return pf.handled;
}
/* LAB4: END */

struct out_of_stack {
	struct task *t;
	struct pt_regs *regs;
	u64 left;
};

static void kill_out_of_stack(void *arg)
{
	struct out_of_stack *o = arg;
	struct task *t = o->t;

	report_begin();
	printk(KERN_EMERG "BUG: TASK stack nearly exhausted: %lu bytes left, too few to switch "
			  "away from it (stack is %016lx..%016lx)\n",
	       o->left, t->stack.base, stack_top(&t->stack) - 1);
	show_task_line(t);
	show_regs(o->regs, t->stack.base, stack_top(&t->stack));
	printk(KERN_EMERG "---[ end trace: killing %s (pid %d): it cannot be preempted ]---\n",
	       t->comm, t->pid);
	report_end();
	do_exit(KILLED_STACK_OVERFLOW);
}

/*
 * Called on the way out of an interrupt, interrupts off, with the IRQ stack free (irq_depth is
 * 0): the report runs there, since the task's stack has no room for printk.
 */
bool kill_task_out_of_stack(struct pt_regs *regs, u64 left)
{
	struct out_of_stack o = { current, regs, left };
	u64 top = this_cpu()->irq_stack_top;
	char why[128];

	if (!o.t || !top || why_not_killable(o.t, regs, why, sizeof(why)))
		return false;
	call_on_stack(top, kill_out_of_stack, &o);
	return false; /* not reached: do_exit() never returns */
}

/*
 * KFENCE: a page fault in the guarded heap's pool is an out-of-bounds access or a use after a
 * free; mm/kfence.c says which, in Linux's words. Then the same policy as for an overrun: a
 * test's catch gets the fault back, any other task is killed when that is safe, else a panic
 * naming why. The object stays where it is (a freed one in the quarantine); the system runs on.
 */
struct kfence_fault {
	struct pt_regs *regs;
	u64 addr;
};

static void report_kfence_fault(void *arg)
{
	struct kfence_fault *kf = arg;
	struct task *t = current;
	char why_buf[128];
	const char *why;

	report_begin();
	kfence_report_fault(kf->addr, kf->regs->error_code & PF_WRITE, kf->regs->rip);
	/* A test's catch: catch_expected_fault() prints the oops and resumes the test. */
	if (t && t->fault_catch) {
		report_end();
		return;
	}
	if (t)
		show_task_line(t);
	show_regs(kf->regs, 0, 0);
	why = t ? why_not_killable(t, kf->regs, why_buf, sizeof(why_buf)) : "no task";
	if (why)
		panic("KFENCE: bad access in %s (pid %d): %s", t ? t->comm : "?", t ? t->pid : -1,
		      why);
	printk(KERN_EMERG "---[ end trace: killing %s (pid %d) for a KFENCE fault ]---\n", t->comm,
	       t->pid);
	report_end();
	exception_abandon();
	do_exit(KILLED_OOPS);
}

/* A kill or a panic does not come back: it returns for a fault outside the pool or a test's. */
static void handle_kfence_fault(struct pt_regs *regs)
{
	struct kfence_fault kf = { regs, read_cr2() };

	if (is_kfence_address((void *)kf.addr))
		run_on_irq_stack(report_kfence_fault, &kf);
}

u64 nmi_unknown_count;

/*
 * An NMI: the stop a panicking CPU sends the others (smp_stop_nmi() does not return then), or
 * one this kernel did not send. That one is reported and ignored, as Linux does: it says nothing
 * about the code it interrupted.
 */
static bool handle_nmi(void)
{
	smp_stop_nmi();
	__atomic_fetch_add(&nmi_unknown_count, 1, __ATOMIC_RELAXED);
	printk(KERN_WARNING "NMI received for unknown reason on CPU %u: ignored\n",
	       this_cpu()->cpu);
	return true;
}

/* Called by arch/x86_64/idt.c, trap_dispatch(), for every exception but a user program's own. */
bool kernel_exception(struct pt_regs *regs)
{
	if (regs->vector == X86_TRAP_NMI)
		return handle_nmi();
	if (regs->vector == X86_TRAP_DF)
		return handle_double_fault(regs);
	if (regs->vector == X86_TRAP_PF && handle_page_fault(regs))
		return true;
	if (regs->vector == X86_TRAP_PF)
		handle_kfence_fault(regs);
	/* A bad user pointer in copy_from_user() and friends: the copy returns -EFAULT. */
	if (fixup_exception(regs))
		return true;
	if (catch_expected_fault(regs))
		return true;
	if (current)
		show_task_line(current);
	return false;
}
