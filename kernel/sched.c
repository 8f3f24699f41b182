/*
 * The scheduler: round robin over one run queue shared by every CPU, preempted by the timer.
 * schedule() picks the next task this CPU may run and switches to it; the task switched away
 * from resumes inside its own schedule() call the next time some CPU picks it.
 *
 * SMP, as xv6: one run queue under sched_lock, and sched_lock is held across the switch itself -
 * taken by the task that switches away, released by the task switched to, on the same CPU. So
 * no other CPU can look at the run queue between "prev is back on the queue" and "prev's
 * registers are saved and this CPU is off its stack": a task is never picked while another CPU
 * still runs on its stack (Linux's on_cpu rule). task->on_cpu records it, and __schedule()
 * checks it. A dead task's stack is given back by the CPU that finishes the switch away from it.
 */
#include "kernel/sched.h"
#include "kernel/fault.h"
#include "arch/x86_64/core.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/irq.h"
#include "arch/x86_64/asm/irqflags.h"
#include "arch/x86_64/asm/processor-flags.h"
#include "kernel/drivers/apic.h"
#include "kernel/printk/printk.h"
#include "kernel/smp.h"
#include "kernel/stack_tracer.h"
#include "kernel/stackprotector.h"
#include "kernel/time.h"
#include "mm/user_mm.h"

#define TIME_SLICE_TICKS 2 /* 20 ms at HZ=100 */

DEFINE_SPINLOCK(sched_lock);

static struct task *rq_head, *rq_tail; /* runnable tasks, FIFO */
static struct task *sleepers;	       /* TASK_SLEEPING, unordered */

/* What the scheduler knows of each CPU, under sched_lock (need_resched: also this CPU's own). */
static struct sched_cpu {
	bool online;	   /* in the scheduler: its idle loop has started */
	bool need_resched; /* switch at the next interrupt exit */
	bool kicked;	   /* a reschedule IPI is on its way to it */
	int slice_ticks;
} sched_cpus[NR_CPUS];
/* One past the highest CPU number in the scheduler: the loops over CPUs stop there. */
static u32 nr_sched_cpus = 1;

/*
 * With the local APIC timers running, each CPU counts its own slice on its own tick, and the
 * PIT (boot CPU only) keeps jiffies and wakes sleepers. Without (one CPU, nosmp, no MADT), the
 * PIT's tick does everything, as it always did.
 */
static bool local_ticks;

void *__switch_to_asm(u64 *save_rsp, u64 load_rsp, void *prev);

static bool allowed_on(const struct task *t, u32 cpu)
{
	return t->cpu_allowed < 0 || (u32)t->cpu_allowed == cpu;
}

static void send_reschedule(u32 cpu)
{
	const struct cpu_info *ci = cpu_info(cpu);

	if (ci && lapic_send_ipi(ci->apic_id, RESCHEDULE_VECTOR))
		pr_err("sched: the APIC did not send a reschedule IPI to CPU %u\n", cpu);
}

/*
 * t is on the run queue: if an idle CPU may run it, wake that CPU now rather than at its next
 * tick (an idle CPU halts; the IPI ends the hlt). One IPI per idle CPU until it has rescheduled.
 */
static void __kick_idle_cpu_for(const struct task *t)
{
	u32 me = this_cpu()->cpu, i;

	for (i = 0; i < nr_sched_cpus; i++) {
		struct sched_cpu *sc = &sched_cpus[i];

		if (i == me || !sc->online || sc->kicked || !allowed_on(t, i) ||
		    !percpu_areas[i]->curr->is_idle)
			continue;
		sc->kicked = true;
		send_reschedule(i);
		return;
	}
}

static void __enqueue_tail(struct task *t)
{
	t->state = TASK_RUNNABLE;
	t->rq_next = NULL;
	if (rq_tail)
		rq_tail->rq_next = t;
	else
		rq_head = t;
	rq_tail = t;
}

void __enqueue(struct task *t)
{
	__enqueue_tail(t);
	__kick_idle_cpu_for(t);
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

/* The first task on the queue that may run on cpu, or NULL. */
static struct task *__first_for(u32 cpu)
{
	struct task *t;

	for (t = rq_head; t; t = t->rq_next) {
		if (allowed_on(t, cpu))
			return t;
	}
	return NULL;
}

static struct task *pick_next(struct percpu *cpu)
{
	struct task *t = __first_for(cpu->cpu);

	if (!t)
		return cpu->idle;
	__dequeue(t);
	return t;
}

/*
 * SCHED_STACK_END_CHECK: with physically contiguous stacks nothing stops an overrun, so check
 * the canary in the lowest word whenever a task is switched. Late, but better than never.
 */
bool sched_stack_end_check = true;

static void check_stack_end(struct task *t)
{
	if (sched_stack_end_check && !stack_end_intact(&t->stack))
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
	/* This CPU is off prev's stack; another may pick prev once we release sched_lock. */
	prev->on_cpu = false;
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
	struct sched_cpu *sc = &sched_cpus[cpu->cpu];
	struct task *prev = cpu->curr, *next, *last;
	bool requeued = prev->state == TASK_RUNNING && !prev->is_idle;

	if (requeued && allowed_on(prev, cpu->cpu))
		__enqueue_tail(prev);
	else if (requeued) /* pinned elsewhere since it last ran: off to that CPU */
		__enqueue(prev);
	else if (prev->state == TASK_RUNNING)
		prev->state = TASK_RUNNABLE;
	next = pick_next(cpu);
	next->state = TASK_RUNNING;
	sc->need_resched = false;
	sc->kicked = false;
	sc->slice_ticks = 0;
	if (next == prev)
		return;
	/* prev stays queued: an idle CPU may take it as soon as we are off its stack. */
	if (requeued && prev->state == TASK_RUNNABLE)
		__kick_idle_cpu_for(prev);
	if (next->on_cpu)
		panic("sched: %s (pid %d) picked on CPU %u while CPU %d still runs on its stack",
		      next->comm, next->pid, cpu->cpu, next->cpu);
	next->on_cpu = true;
	next->cpu = cpu->cpu;
	stack_switch_in(&next->stack, cpu->cpu);
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
	switch_stack_canary(cpu, next);
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
	wq->wakeups++;
	for (; t; t = next) {
		next = t->wq_next;
		t->waiting_on = NULL;
		__enqueue(t);
	}
}

/*
 * The check and the sleep under one hold of sched_lock: a wake-up cannot fall between them. A
 * task killed while it sleeps is put back on the run queue by kill(): it stops sleeping then.
 */
void wait_event(struct wait_queue *wq, bool (*cond)(void *arg), void *arg)
{
	u64 flags = spin_lock_irqsave(&sched_lock);

	while (!cond(arg) && !current->stop_pending)
		__wait_queue_sleep(wq);
	spin_unlock_irqrestore(&sched_lock, flags);
	stop_if_asked();
}

void wake_up_all(struct wait_queue *wq)
{
	u64 flags = spin_lock_irqsave(&sched_lock);

	__wake_up_all(wq);
	/* A woken task runs at the next return from an interrupt, not a whole slice later. */
	if (__first_for(this_cpu()->cpu))
		sched_cpus[this_cpu()->cpu].need_resched = true;
	spin_unlock_irqrestore(&sched_lock, flags);
}

/* This CPU's share of a tick: end the running task's slice, or idle's if work waits. */
static void __count_slice(void)
{
	struct percpu *cpu = this_cpu();
	struct sched_cpu *sc = &sched_cpus[cpu->cpu];

	if (++sc->slice_ticks >= TIME_SLICE_TICKS ||
	    (cpu->curr && cpu->curr->is_idle && __first_for(cpu->cpu)))
		sc->need_resched = true;
}

/*
 * The PIT's tick (boot CPU, kernel/time.c): wake sleepers whose time has come; without the
 * APIC timers, count the slice too.
 */
void sched_tick(void)
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
	if (!local_ticks)
		__count_slice();
	spin_unlock_irqrestore(&sched_lock, flags);
}

/*
 * Each CPU's APIC timer tick (lapic_timer_init() in kernel/smp_boot.c installs it). The timers
 * start before the scheduler does: until sched_start(), a tick is only acknowledged.
 */
void local_timer_interrupt(struct pt_regs *regs)
{
	(void)regs;
	if (local_ticks) {
		u64 flags = spin_lock_irqsave(&sched_lock);

		__count_slice();
		spin_unlock_irqrestore(&sched_lock, flags);
	}
	lapic_eoi();
}

/* The reschedule IPI: only its interrupt exit matters, where this CPU calls schedule(). */
static void reschedule_interrupt(struct pt_regs *regs)
{
	(void)regs;
	sched_cpus[this_cpu()->cpu].need_resched = true;
	lapic_eoi();
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

/*
 * Preemption: on the way out of every outermost interrupt (irq_exit(), arch/x86_64/irq.c, calls
 * it by name), switch if the slice is over.
 */
void sched_irq_exit(struct pt_regs *regs)
{
	struct percpu *cpu = this_cpu();
	struct task *t = cpu->curr;
	u64 left;

	if (stack_tracer_enabled)
		stack_tracer_sample(regs);
	if (!sched_cpus[cpu->cpu].need_resched || !t || cpu->fault_depth)
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

/* Is there a task on the run queue that this CPU may run? */
static bool work_for_this_cpu(void)
{
	u64 flags = spin_lock_irqsave(&sched_lock);
	bool work = __first_for(this_cpu()->cpu) != NULL;

	spin_unlock_irqrestore(&sched_lock, flags);
	return work;
}

/*
 * Every CPU's idle task. It looks for work with interrupts off and then halts with "sti; hlt":
 * an interrupt that comes between the look and the halt - the reschedule IPI of a CPU that
 * just queued a task for us - is taken only once hlt has started, so it ends the halt.
 */
static int idle_loop(void *arg)
{
	for (;;) {
		local_irq_disable();
		if (work_for_this_cpu()) {
			local_irq_enable();
			schedule();
			continue;
		}
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
	if (lapic_present()) {
		request_sysvec(RESCHEDULE_VECTOR, reschedule_interrupt);
		local_ticks = lapic_timer_calibrated();
	}
	sched_cpus[0].online = true;
	wake_up_process(first);
	schedule();
	panic("sched: the boot context was resumed");
}

/*
 * An AP joins the scheduler (kernel/smp_boot.c, once it is up): from now on tasks may be queued for
 * it and it is woken for them; until the boot CPU has started the scheduler, it finds no work.
 */
__attribute__((noreturn)) void sched_ap_enter(void)
{
	struct percpu *cpu = this_cpu();
	u64 flags = spin_lock_irqsave(&sched_lock);

	cpu->curr->on_cpu = true;
	cpu->curr->cpu = cpu->cpu;
	sched_cpus[cpu->cpu].online = true;
	if (cpu->cpu >= nr_sched_cpus)
		nr_sched_cpus = cpu->cpu + 1;
	spin_unlock_irqrestore(&sched_lock, flags);
	idle_loop(NULL);
	panic("sched: the idle loop of CPU %u returned", cpu->cpu);
}

int set_cpus_allowed(struct task *t, int cpu)
{
	const struct cpu_info *ci = cpu >= 0 ? cpu_info(cpu) : NULL;
	u64 flags;

	if (cpu >= 0 && (!ci || !sched_cpus[cpu].online))
		return -1;
	flags = spin_lock_irqsave(&sched_lock);
	t->cpu_allowed = cpu;
	spin_unlock_irqrestore(&sched_lock, flags);
	/* The running task moves at once: schedule() queues it for the CPU it may run on. */
	if (t == current && cpu >= 0 && (u32)cpu != this_cpu()->cpu)
		schedule();
	return 0;
}
