/*
 * The scheduler: round robin over one run queue, preempted by the timer. schedule() picks the
 * next task and switches to it; the task switched away from resumes inside its own schedule()
 * call the next time it is picked.
 */
#include "kernel/sched.h"
#include "kernel/fault.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/asm/io.h"
#include "kernel/printk/printk.h"
#include "kernel/stack_tracer.h"
#include "kernel/time.h"
#include "mm/user_mm.h"

#define TIME_SLICE_TICKS 2 /* 20 ms at HZ=100 */

DEFINE_SPINLOCK(sched_lock);

static struct task *rq_head, *rq_tail; /* runnable tasks, FIFO */
static struct task *sleepers;	       /* TASK_SLEEPING, unordered */
static bool need_resched;
static int slice_ticks;

void *__switch_to_asm(u64 *save_rsp, u64 load_rsp, void *prev);

void __enqueue(struct task *t)
{
	t->state = TASK_RUNNABLE;
	t->rq_next = NULL;
	if (rq_tail)
		rq_tail->rq_next = t;
	else
		rq_head = t;
	rq_tail = t;
}

void __dequeue(struct task *t)
{
	struct task **pp = &rq_head, *prev = NULL;

	while (*pp && *pp != t) {
		prev = *pp;
		pp = &(*pp)->rq_next;
	}
	if (!*pp)
		return;
	*pp = t->rq_next;
	if (rq_tail == t)
		rq_tail = prev;
}

static struct task *pick_next(void)
{
	struct task *t = rq_head;

	if (!t)
		return this_cpu()->idle;
	rq_head = t->rq_next;
	if (!rq_head)
		rq_tail = NULL;
	return t;
}

/*
 * SCHED_STACK_END_CHECK: with physically contiguous stacks nothing stops an overrun, so check
 * the canary in the lowest word whenever a task is switched. Late, but better than never.
 */
static void check_stack_end(struct task *t)
{
	if (!stack_end_intact(&t->stack))
		panic("corrupted stack end detected inside scheduler (task %s, pid %d, stack %#lx)",
		      t->comm, t->pid, t->stack.base);
}

void __release_dead_task(struct task *t)
{
	u64 used = stack_high_water(&t->stack);

	if (used > t->max_stack_used)
		t->max_stack_used = used;
	if (stack_tracer_enabled)
		stack_tracer_task_done(t, used);
	free_thread_stack(&t->stack);
}

/* Runs in the new task, right after the switch: the previous task may now be cleaned up. */
static void finish_task_switch(struct task *prev)
{
	this_cpu()->switching_from = NULL;
	if (prev->state == TASK_DEAD) {
		/* "Task is done with its stack": it no longer runs on it, so give it back. */
		__release_dead_task(prev);
		if (prev->detached)
			__reap_task(prev);
	}
}

void __schedule(void)
{
	struct percpu *cpu = this_cpu();
	struct task *prev = cpu->curr, *next, *last;

	if (prev->state == TASK_RUNNING && !prev->is_idle)
		__enqueue(prev);
	else if (prev->state == TASK_RUNNING)
		prev->state = TASK_RUNNABLE;
	next = pick_next();
	next->state = TASK_RUNNING;
	need_resched = false;
	slice_ticks = 0;
	if (next == prev)
		return;
	check_stack_end(prev);
	check_stack_end(next);
	next->switches++;
	/* The kill_disable() depth belongs to the task, like its registers. */
	prev->nokill = cpu->nokill;
	cpu->nokill = next->nokill;
	tss_set_rsp0(&cpu->arch, stack_top(&next->stack));
	/* Between two kernel threads CR3 is the kernel's already: three instructions, no call. */
	if (prev->mm != next->mm)
		switch_mm(next->mm);
	cpu->curr = next;
	/* Until the new task runs, an overflow in the switch itself is on prev's stack. */
	cpu->switching_from = prev;
	last = __switch_to_asm(&prev->rsp, next->rsp, prev);
	/* Back in prev, some time later; `last` is the task that ran just before. */
	finish_task_switch(last);
}

void schedule(void)
{
	u64 flags = spin_lock_irqsave(&sched_lock);

	__schedule();
	spin_unlock_irqrestore(&sched_lock, flags);
	stop_if_asked();
}

void yield(void)
{
	schedule();
}

/* The first code of every task, called from ret_from_kthread with the lock still held. */
__attribute__((noreturn)) void kthread_start(struct task *prev)
{
	struct task *self;

	finish_task_switch(prev);
	spin_unlock_irqrestore(&sched_lock, X86_EFLAGS_IF);
	stop_if_asked(); /* killed before it ever ran */
	self = current;
	exit(self->fn(self->arg));
}

void sleep_ms(u64 ms)
{
	u64 ticks = (ms * HZ + 999) / 1000, flags;
	struct task *t;

	flags = spin_lock_irqsave(&sched_lock);
	t = current;
	t->wake_at = jiffies + (ticks ? ticks : 1);
	t->state = TASK_SLEEPING;
	t->rq_next = sleepers;
	sleepers = t;
	__schedule();
	spin_unlock_irqrestore(&sched_lock, flags);
	stop_if_asked();
}

void __sleep_list_remove(struct task *t)
{
	struct task **pp = &sleepers;

	while (*pp && *pp != t)
		pp = &(*pp)->rq_next;
	if (*pp)
		*pp = t->rq_next;
}

void __wait_queue_sleep(struct wait_queue *wq)
{
	struct task *t = current;

	t->state = TASK_BLOCKED;
	t->waiting_on = wq;
	t->wq_next = wq->head;
	wq->head = t;
	__schedule();
}

void __wait_queue_remove(struct wait_queue *wq, struct task *t)
{
	struct task **pp = &wq->head;

	while (*pp && *pp != t)
		pp = &(*pp)->wq_next;
	if (*pp)
		*pp = t->wq_next;
	t->waiting_on = NULL;
}

void __wake_up_all(struct wait_queue *wq)
{
	struct task *t = wq->head, *next;

	wq->head = NULL;
	for (; t; t = next) {
		next = t->wq_next;
		t->waiting_on = NULL;
		__enqueue(t);
	}
}

/*
 * Sleep on wq. On one CPU a caller that checked its condition with interrupts disabled cannot
 * miss the wake-up: the interrupt that would wake it waits until the caller is on the queue.
 */
void wait_queue_sleep(struct wait_queue *wq)
{
	u64 flags = spin_lock_irqsave(&sched_lock);

	__wait_queue_sleep(wq);
	spin_unlock_irqrestore(&sched_lock, flags);
	stop_if_asked();
}

void wake_up_all(struct wait_queue *wq)
{
	u64 flags = spin_lock_irqsave(&sched_lock);

	__wake_up_all(wq);
	/* A woken task runs at the next return from an interrupt, not a whole slice later. */
	if (rq_head)
		need_resched = true;
	spin_unlock_irqrestore(&sched_lock, flags);
}

/* The timer tick: wake sleepers whose time has come, and end the running task's slice. */
static void sched_tick(void)
{
	u64 flags = spin_lock_irqsave(&sched_lock);
	struct task **pp = &sleepers;

	while (*pp) {
		struct task *t = *pp;

		if (t->wake_at <= jiffies) {
			*pp = t->rq_next;
			__enqueue(t);
		} else {
			pp = &t->rq_next;
		}
	}
	if (++slice_ticks >= TIME_SLICE_TICKS || (current && current->is_idle && rq_head))
		need_resched = true;
	spin_unlock_irqrestore(&sched_lock, flags);
}

/*
 * A switch needs stack of its own (schedule(), __schedule(), __switch_to_asm()). A task with less
 * than PREEMPT_STACK_RESERVE left is not preempted for a while: if it overruns its stack it will
 * do so in its own code, where it can be killed, and not inside the scheduler with sched_lock
 * held, where the overflow policy must panic. After PREEMPT_DEFER_MAX interrupt exits it is
 * preempted anyway, so that a task spinning near the end of its stack cannot keep the CPU - or,
 * with less than SWITCH_STACK_NEED left, where the switch itself would overrun the stack, it is
 * ended by the overflow policy (kernel/fault.c) from the IRQ stack.
 * The switch path takes about 150 bytes from here (found with lkdtm's spinning test:
 * tests/kernel/test_lkdtm.c); SWITCH_STACK_NEED leaves it three times that.
 */
#define PREEMPT_STACK_RESERVE 1024
#define SWITCH_STACK_NEED     512
#define PREEMPT_DEFER_MAX     10

/* Bytes left below here on t's stack; "plenty" if we are not on it (the boot context). */
static u64 stack_left(const struct task *t)
{
	u64 sp = (u64)__builtin_frame_address(0);

	if (!t->stack.base || sp < t->stack.base || sp >= stack_top(&t->stack))
		return ~0UL;
	return sp - t->stack.base;
}

/* Preemption: on the way out of an interrupt, switch if the slice is over. */
static void sched_irq_exit(struct pt_regs *regs)
{
	struct percpu *cpu = this_cpu();
	struct task *t = cpu->curr;
	u64 left;

	/* Only the boot CPU runs tasks yet: the APs serve IPIs and go back to their idle loop. */
	if (cpu->cpu != 0)
		return;
	if (stack_tracer_enabled)
		stack_tracer_sample(regs);
	if (!need_resched || !t || cpu->fault_depth)
		return;
	left = stack_left(t);
	if (left < PREEMPT_STACK_RESERVE) {
		if (t->preempt_deferred++ < PREEMPT_DEFER_MAX)
			return;
		/* Does not come back if it kills; if the task may not die now, it runs on. */
		if (left < SWITCH_STACK_NEED && !kill_task_out_of_stack(regs, left))
			return;
	}
	t->preempt_deferred = 0;
	schedule();
}

static int idle_loop(void *arg)
{
	for (;;) {
		local_irq_disable();
		if (rq_head) {
			local_irq_enable();
			schedule();
			continue;
		}
		/* sti; hlt: atomic, so an interrupt between them cannot be missed. */
		asm volatile("sti; hlt");
	}
	return 0;
}

/* The boot context becomes this dead task: switched away from once, never resumed. */
static struct task boot_task = { .pid = -1, .comm = "boot", .state = TASK_DEAD };

void sched_start(int (*init)(void *arg))
{
	struct percpu *cpu = this_cpu();
	struct task *idle, *first;

	/*
	 * No interrupt may switch away from the boot context before init is queued: with an empty
	 * run queue it would switch to idle, and nothing would ever start init.
	 */
	local_irq_disable();
	idle = kthread_create(idle_loop, NULL, "idle");
	first = kthread_create(init, NULL, "init");
	if (!idle || !first)
		panic("sched: no memory for the idle and init tasks");
	idle->is_idle = true;
	idle->state = TASK_RUNNABLE; /* never on the run queue: picked when it is empty */
	cpu->idle = idle;
	cpu->curr = &boot_task;
	set_tick_hook(sched_tick);
	set_irq_exit_hook(sched_irq_exit);
	wake_up_process(first);
	schedule();
	panic("sched: the boot context was resumed");
}
