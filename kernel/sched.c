/*
 * The scheduler: round robin over per-CPU run queues, preempted by the timer. schedule() picks
 * the next task from this CPU's own queue and switches to it; the task switched away from
 * resumes inside its own schedule() call the next time some CPU picks it.
 *
 * Per-CPU run queues, as Linux and FreeBSD: each CPU has its own queue under its own lock, so
 * CPUs that schedule do not wait for each other. (Before, one queue under sched_lock served every
 * CPU: each switch on any CPU took the one lock, and each pick scanned past tasks pinned
 * elsewhere.) Three rules spread the work:
 *   - a new task goes to the least loaded CPU (queued tasks plus the one running);
 *   - a woken task goes back to the CPU it last ran on; a pinned task only ever to its CPU;
 *   - an idle CPU pulls a waiting task from the busiest queue (pull_task()); a CPU that queues
 *     work behind a running task kicks an idle CPU with an IPI so that it comes to pull.
 * Every task on a CPU's queue may run there: a pinned task never sits in another CPU's way.
 *
 * Locks: sched_lock (kernel/sched.h) still guards the sleep list, wait queues (kernel/wait.c),
 * the task list and the state changes of sleeping, waking and dying; rq->lock guards one queue.
 * sched_lock is taken before an rq->lock, never after; two rq locks are taken in CPU order.
 *
 * As xv6, a CPU's rq->lock is held across the switch itself: taken by the task that switches
 * away, released by the task switched to, on the same CPU. So no other CPU can take the task
 * just queued (the pull needs that lock) before its registers are saved and this CPU is off its
 * stack (Linux's on_cpu rule). A wake-up from a wait queue waits for on_cpu to clear before it
 * queues the task. A dead task's stack is given back by the CPU that finishes the switch away
 * from it; then its waiters are woken.
 */
#include "kernel/sched.h"
#include "kernel/fault.h"
#include "arch/x86_64/core.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/irq.h"
#include "arch/x86_64/asm/irqflags.h"
#include "arch/x86_64/asm/processor-flags.h"
#include "arch/x86_64/asm/special_insns.h"
#include "kernel/drivers/apic.h"
#include "kernel/printk/printk.h"
#include "kernel/smp.h"
#include "kernel/stack_tracer.h"
#include "kernel/stackprotector.h"
#include "kernel/time.h"
#include "mm/user_mm.h"

#define TIME_SLICE_TICKS 2 /* 20 ms at HZ=100 */
/* A hint read without the lock that guards it: one plain load, never torn. */
#define READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

DEFINE_SPINLOCK(sched_lock);

static struct task *sleepers; /* TASK_SLEEPING, unordered, under sched_lock */

/* One CPU's run queue and what the scheduler knows of that CPU. */
struct rq {
	struct spinlock lock;
	struct task *head, *tail; /* runnable tasks, FIFO, under lock */
	u32 nr_queued;		  /* tasks on the queue (read without the lock as a hint) */
	bool busy;		  /* running a task that is not idle */
	bool online;		  /* in the scheduler: its idle loop has started */
	bool need_resched;	  /* switch at the next interrupt exit (this CPU's own) */
	bool kicked;		  /* a reschedule IPI is on its way to it */
	int slice_ticks;	  /* this CPU's own, with interrupts off */
};

static struct rq runqueues[NR_CPUS] = {
	[0 ... NR_CPUS - 1] = { .lock = SPINLOCK_INIT("rq->lock") },
};
/* One past the highest CPU number in the scheduler: the loops over CPUs stop there. */
static u32 nr_sched_cpus = 1;
/* CPUs running their idle task: when none is, nobody is kicked to pull. */
static u32 nr_idle_cpus;

/*
 * With the local APIC timers running, each CPU counts its own slice on its own tick, and the
 * PIT (boot CPU only) keeps jiffies and wakes sleepers. Without (one CPU, nosmp, no MADT), the
 * PIT's tick does everything, as it always did.
 */
static bool local_ticks;

void *__switch_to_asm(u64 *save_rsp, u64 load_rsp, void *prev);

static struct rq *cpu_rq(u32 cpu)
{
	return &runqueues[cpu];
}

static struct rq *this_rq(void)
{
	return cpu_rq(this_cpu()->cpu);
}

static bool allowed_on(const struct task *t, u32 cpu)
{
	return t->cpu_allowed < 0 || (u32)t->cpu_allowed == cpu;
}

/* Tasks queued on cpu and the one it runs: how loaded it is, read without its lock. */
static u32 rq_load(u32 cpu)
{
	const struct rq *rq = cpu_rq(cpu);

	return READ_ONCE(rq->nr_queued) + READ_ONCE(rq->busy);
}

static void __rq_add(struct rq *rq, struct task *t)
{
	t->state = TASK_RUNNABLE;
	t->rq_next = NULL;
	t->rq_cpu = rq - runqueues;
	if (rq->tail)
		rq->tail->rq_next = t;
	else
		rq->head = t;
	rq->tail = t;
	rq->nr_queued++;
}

static void __rq_remove(struct rq *rq, struct task *t)
{
	struct task **pp = &rq->head, *prev = NULL;

	while (*pp && *pp != t) {
		prev = *pp;
		pp = &(*pp)->rq_next;
	}
	if (!*pp)
		return;
	*pp = t->rq_next;
	if (rq->tail == t)
		rq->tail = prev;
	t->rq_cpu = -1;
	rq->nr_queued--;
}

/* The head of rq, taken off it; NULL if it is empty. */
static struct task *__rq_pop(struct rq *rq)
{
	struct task *t = rq->head;

	if (!t)
		return NULL;
	rq->head = t->rq_next;
	if (!rq->head)
		rq->tail = NULL;
	t->rq_cpu = -1;
	rq->nr_queued--;
	return t;
}

static void send_reschedule(u32 cpu)
{
	const struct cpu_info *ci = cpu_info(cpu);

	if (ci && lapic_send_ipi(ci->apic_id, RESCHEDULE_VECTOR))
		pr_err("sched: the APIC did not send a reschedule IPI to CPU %u\n", cpu);
}

/* Make cpu reschedule soon: at this CPU's next interrupt exit, or by an IPI (ends an idle hlt). */
static void resched_cpu(u32 cpu)
{
	struct rq *rq = cpu_rq(cpu);

	if (cpu == this_cpu()->cpu)
		rq->need_resched = true;
	else if (!__atomic_exchange_n(&rq->kicked, true, __ATOMIC_ACQ_REL))
		send_reschedule(cpu);
}

static bool cpu_is_idle(u32 cpu)
{
	return cpu_rq(cpu)->online && percpu_areas[cpu]->curr->is_idle;
}

/*
 * t was just queued on cpu. If cpu idles, wake it. If cpu is busy and t may run anywhere, kick
 * one idle CPU: it will pull t (or another waiting task) from the busiest queue.
 */
static void kick_for(const struct task *t, u32 cpu)
{
	u32 i;

	/* The common case when busy, and one load: nobody to wake. */
	if (!READ_ONCE(nr_idle_cpus))
		return;
	if (cpu_is_idle(cpu)) {
		resched_cpu(cpu);
		return;
	}
	if (t->cpu_allowed >= 0)
		return;
	for (i = 0; i < nr_sched_cpus; i++) {
		if (i != cpu && cpu_is_idle(i) && !READ_ONCE(cpu_rq(i)->kicked)) {
			resched_cpu(i);
			return;
		}
	}
}

/*
 * Where a new task starts: the least loaded CPU, this one on a tie (its caches are warm). When
 * no CPU idles, here, without a look at every CPU: the tick's pull evens the queues out.
 */
static u32 least_loaded_cpu(void)
{
	u32 me = this_cpu()->cpu, best = me, best_load = rq_load(me), i;

	if (!READ_ONCE(nr_idle_cpus))
		return me;
	for (i = 0; i < nr_sched_cpus && best_load; i++) {
		if (cpu_rq(i)->online && rq_load(i) < best_load) {
			best = i;
			best_load = rq_load(i);
		}
	}
	return best;
}

/* The queue t joins: its pinned CPU, else the CPU it last ran on, else the least loaded. */
static u32 select_task_cpu(const struct task *t)
{
	if (t->cpu_allowed >= 0)
		return t->cpu_allowed;
	if (t->cpu >= 0 && cpu_rq(t->cpu)->online)
		return t->cpu;
	return least_loaded_cpu();
}

/*
 * Queue a task that is on no queue and runs nowhere (new, woken, or moving). A task that just
 * went to sleep may still be switching away on its CPU: wait until that CPU is off its stack,
 * as another CPU could otherwise pick it while it still runs there.
 */
static void enqueue_task(struct task *t)
{
	struct rq *rq;
	u64 flags;
	u32 cpu;

	while (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE))
		cpu_relax();
	cpu = select_task_cpu(t);
	rq = cpu_rq(cpu);
	flags = spin_lock_irqsave(&rq->lock);
	__rq_add(rq, t);
	spin_unlock_irqrestore(&rq->lock, flags);
	kick_for(t, cpu);
}

void __enqueue(struct task *t)
{
	enqueue_task(t);
}

/* Take a queued task off its queue (its queue can change under us until we hold its lock). */
static bool dequeue_task(struct task *t)
{
	for (;;) {
		int q = READ_ONCE(t->rq_cpu);
		struct rq *rq;
		u64 flags;

		if (q < 0)
			return false;
		rq = cpu_rq(q);
		flags = spin_lock_irqsave(&rq->lock);
		if (t->rq_cpu == q) {
			__rq_remove(rq, t);
			spin_unlock_irqrestore(&rq->lock, flags);
			return true;
		}
		spin_unlock_irqrestore(&rq->lock, flags);
	}
}

/* The first task on rq that may leave it for cpu, or NULL. */
static struct task *__first_movable(struct rq *rq, u32 cpu)
{
	struct task *t;

	for (t = rq->head; t; t = t->rq_next) {
		if (t->cpu_allowed < 0 && !t->on_cpu && allowed_on(t, cpu))
			return t;
	}
	return NULL;
}

/* The most loaded CPU that has a task waiting on its queue, or -1. */
static int busiest_cpu(u32 me)
{
	u32 i, most = 0;
	int busiest = -1;

	for (i = 0; i < nr_sched_cpus; i++) {
		if (i != me && READ_ONCE(cpu_rq(i)->nr_queued) && rq_load(i) > most) {
			most = rq_load(i);
			busiest = i;
		}
	}
	return busiest;
}

/*
 * Pull balancing: take one waiting task from the busiest queue onto this CPU's own - if this
 * CPU idles (any waiting task will do), or on a tick if the busiest has at least two tasks more
 * than we do (fewer would only move the imbalance). Both locks, lower CPU first, so two CPUs
 * pulling from each other cannot deadlock. Pinned tasks are never taken.
 */
static bool pull_task(u32 me, bool idle)
{
	int from = busiest_cpu(me);
	struct rq *src, *dst = cpu_rq(me), *first, *second;
	struct task *t = NULL;
	u64 flags;

	if (from < 0 || (!idle && rq_load(from) < rq_load(me) + 2))
		return false;
	src = cpu_rq(from);
	first = (u32)from < me ? src : dst;
	second = first == src ? dst : src;
	flags = spin_lock_irqsave(&first->lock);
	spin_lock_irqsave(&second->lock);
	t = __first_movable(src, me);
	if (t) {
		__rq_remove(src, t);
		__rq_add(dst, t);
	}
	spin_unlock_irqrestore(&second->lock, 0);
	spin_unlock_irqrestore(&first->lock, flags);
	return t != NULL;
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

/*
 * Runs in the new task, right after the switch, with this CPU's rq->lock still held: the
 * previous task may now be cleaned up. Returns prev if more is to be done once the lock is
 * released (finish_leftover()): it died, or it must move to the CPU it is pinned to.
 */
static struct task *finish_task_switch(struct task *prev)
{
	bool moving;

	this_cpu()->switching_from = NULL;
	if (prev->state == TASK_DEAD) {
		/* "Task is done with its stack": it no longer runs on it, so give it back. */
		__release_dead_task(prev);
		return prev; /* on_cpu stays set: its waiters may look only after the wake-up */
	}
	/* Runnable and on no queue: __schedule() found it pinned to another CPU. */
	moving = prev->state == TASK_RUNNABLE && prev->rq_cpu < 0 && !prev->is_idle;
	/* This CPU is off prev's stack; another may pick prev once we release rq->lock. */
	__atomic_store_n(&prev->on_cpu, false, __ATOMIC_RELEASE);
	return moving ? prev : NULL;
}

/* The second half of the switch, in the new task: release this CPU's queue. */
static struct task *finish_switch(struct task *last)
{
	struct task *t = finish_task_switch(last);

	spin_unlock_irqrestore(&this_rq()->lock, 0); /* interrupts stay off */
	return t;
}

/*
 * What a switch left to do, sched_lock held. A dead task is off its CPU: a wait() that found
 * it dead but still on_cpu may reap it now (do_exit() woke the waiters already; one may have
 * looked too early), and a detached task is freed. A task pinned elsewhere joins that queue.
 */
static void __finish_leftover(struct task *t)
{
	if (t->state != TASK_DEAD) {
		enqueue_task(t);
		return;
	}
	t->on_cpu = false;
	if (t->exit_wait.head)
		__wake_up_all(&t->exit_wait);
	if (t->detached)
		__reap_task(t);
}

static void finish_leftover(struct task *t)
{
	u64 flags;

	if (!t)
		return;
	flags = spin_lock_irqsave(&sched_lock);
	__finish_leftover(t);
	spin_unlock_irqrestore(&sched_lock, flags);
}

/*
 * Switch to the next task on this CPU's queue (or idle). Called with interrupts off and no
 * lock held; returns, when the task runs again (maybe on another CPU), the same way, with what
 * the switch left for finish_leftover(), or NULL.
 */
static struct task *__schedule(void)
{
	struct percpu *cpu = this_cpu();
	struct rq *rq = cpu_rq(cpu->cpu);
	struct task *prev = cpu->curr, *next, *last;

	spin_lock_irqsave(&rq->lock);
	if (prev->state == TASK_RUNNING && !prev->is_idle && allowed_on(prev, cpu->cpu))
		__rq_add(rq, prev);
	else if (prev->state == TASK_RUNNING)
		prev->state = TASK_RUNNABLE; /* idle, or pinned elsewhere: moved after the switch */
	next = __rq_pop(rq);
	if (!next)
		next = cpu->idle;
	next->state = TASK_RUNNING;
	rq->need_resched = false;
	__atomic_store_n(&rq->kicked, false, __ATOMIC_RELEASE);
	rq->slice_ticks = 0;
	if (next == prev) {
		spin_unlock_irqrestore(&rq->lock, 0);
		return NULL;
	}
	if (prev->is_idle != next->is_idle)
		__atomic_add_fetch(&nr_idle_cpus, next->is_idle ? 1 : -1, __ATOMIC_RELAXED);
	rq->busy = !next->is_idle;
	/* prev waits on our queue: an idle CPU may take it as soon as we are off its stack. */
	if (prev->rq_cpu >= 0 && READ_ONCE(nr_idle_cpus))
		kick_for(prev, cpu->cpu);
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
	/* Back in prev, some time later, maybe on another CPU; `last` ran just before. */
	return finish_switch(last);
}

void schedule(void)
{
	u64 flags = local_irq_save();

	finish_leftover(__schedule());
	local_irq_restore(flags);
	stop_if_asked();
}

void yield(void)
{
	schedule();
}

/*
 * Called with sched_lock held, once current is marked sleeping, blocked or dead: release the
 * lock and switch away; take it again when the task runs next. Interrupts stay off between, so
 * a waker on another CPU waits for the switch (enqueue_task()), and none comes on this one.
 */
void __schedule_sleep(void)
{
	struct task *left;

	spin_unlock_irqrestore(&sched_lock, 0);
	left = __schedule();
	spin_lock_irqsave(&sched_lock);
	/* Often the task we waited for, just dead: one hold of sched_lock for both. */
	if (left)
		__finish_leftover(left);
}

/* The first code of every task, called from ret_from_kthread with this CPU's rq->lock held. */
__attribute__((noreturn)) void kthread_start(struct task *prev)
{
	struct task *self;

	finish_leftover(finish_switch(prev));
	local_irq_enable();
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
	/*
	 * Asked to stop while it ran (kill() wakes only a task that sleeps already): no sleep, as
	 * if the kill had come a moment later and woken it. Else it would sleep out all of ms.
	 */
	if (t->stop_pending) {
		spin_unlock_irqrestore(&sched_lock, flags);
		stop_if_asked();
		return;
	}
	t->wake_at = jiffies + (ticks ? ticks : 1);
	t->state = TASK_SLEEPING;
	t->rq_next = sleepers;
	sleepers = t;
	/* __schedule_sleep() without taking sched_lock again: nothing here needs it after. */
	spin_unlock_irqrestore(&sched_lock, 0);
	finish_leftover(__schedule());
	local_irq_restore(flags);
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

/*
 * A task was just woken (kernel/wait.c, sched_lock held): it runs at the next return from an
 * interrupt, not a whole slice later.
 */
void wakeup_preempt(void)
{
	if (READ_ONCE(this_rq()->nr_queued))
		this_rq()->need_resched = true;
}

/*
 * This CPU's share of a tick: even out the queues (a busy CPU pulls too, or the first tasks
 * pulled by idle CPUs would be all they ever get); end the running task's slice, or idle's if
 * work waits.
 */
static void count_slice(void)
{
	struct percpu *cpu = this_cpu();
	struct rq *rq = cpu_rq(cpu->cpu);

	if (rq->online)
		pull_task(cpu->cpu, false);
	if (++rq->slice_ticks >= TIME_SLICE_TICKS ||
	    (cpu->curr && cpu->curr->is_idle && READ_ONCE(rq->nr_queued)))
		rq->need_resched = true;
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
			enqueue_task(t);
		} else {
			pp = &t->rq_next;
		}
	}
	spin_unlock_irqrestore(&sched_lock, flags);
	if (!local_ticks)
		count_slice();
}

/*
 * Each CPU's APIC timer tick (lapic_timer_init() in kernel/smp_boot.c installs it). The timers
 * start before the scheduler does: until sched_start(), a tick is only acknowledged. The slice
 * count is this CPU's own and interrupts are off: no lock.
 */
void local_timer_interrupt(struct pt_regs *regs)
{
	(void)regs;
	if (local_ticks)
		count_slice();
	lapic_eoi();
}

/* The reschedule IPI: only its interrupt exit matters, where this CPU calls schedule(). */
static void reschedule_interrupt(struct pt_regs *regs)
{
	(void)regs;
	this_rq()->need_resched = true;
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
	if (!cpu_rq(cpu->cpu)->need_resched || !t || cpu->fault_depth)
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

/*
 * Every CPU's idle task. It looks for work with interrupts off - on its own queue, else on the
 * busiest one (pull_task()) - and then halts with "sti; hlt": an interrupt that comes between the
 * look and the halt - the reschedule IPI of a CPU that just queued a task for us - is taken only
 * once hlt has started, so it ends the halt. Each tick ends it too: an idle CPU looks again then.
 */
static int idle_loop(void *arg)
{
	u32 me = this_cpu()->cpu;

	for (;;) {
		local_irq_disable();
		if (READ_ONCE(cpu_rq(me)->nr_queued) || pull_task(me, true)) {
			local_irq_enable();
			schedule();
			continue;
		}
		asm volatile("sti; hlt");
	}
	return 0;
}

/* The boot context becomes this dead task: switched away from once, never resumed. */
static struct task boot_task = { .pid = -1, .comm = "boot", .state = TASK_DEAD, .rq_cpu = -1 };

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
	cpu_rq(0)->online = true;
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
	__atomic_add_fetch(&nr_idle_cpus, 1, __ATOMIC_RELAXED);
	cpu_rq(cpu->cpu)->online = true;
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

	if (cpu >= 0 && (!ci || !cpu_rq(cpu)->online))
		return -1;
	flags = spin_lock_irqsave(&sched_lock);
	t->cpu_allowed = cpu;
	/* Queued on another CPU: move it now, so that it never runs where it may not. */
	if (cpu >= 0 && t->rq_cpu >= 0 && t->rq_cpu != cpu && dequeue_task(t))
		enqueue_task(t);
	spin_unlock_irqrestore(&sched_lock, flags);
	/* The running task moves at once: schedule() sends it to the CPU it may run on. */
	if (t == current && cpu >= 0 && (u32)cpu != this_cpu()->cpu)
		schedule();
	return 0;
}
