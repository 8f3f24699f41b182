/*
 * Wait queues, as Linux's wait.c beside its scheduler: a task that must wait for something (a
 * child's end, console input, another task's death) sleeps on a queue as TASK_BLOCKED, and
 * whoever makes the thing happen wakes the whole queue. A queue is a list of tasks linked through
 * wq_next, under sched_lock (kernel/sched.h) like every other sleeping state; the switch away and
 * back is the scheduler's (__schedule_sleep()), the queueing of a woken task too (__enqueue()).
 *
 * A sleeper must not sleep once kill() has asked it to stop: kill() wakes only a task that is
 * asleep already, so one asked while it still ran would sleep until a wake-up that may never
 * come. Every sleeper therefore looks at stop_pending under sched_lock, just before it sleeps
 * (wait_event() here, wait() in kernel/task.c; sleep_ms() in kernel/sched.c).
 */
#include "kernel/wait.h"
#include "kernel/sched.h"

void __wait_queue_sleep(struct wait_queue *wq)
{
	struct task *t = current;

	t->state = TASK_BLOCKED;
	t->waiting_on = wq;
	t->wq_next = wq->head;
	wq->head = t;
	__schedule_sleep();
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
	wakeup_preempt();
	spin_unlock_irqrestore(&sched_lock, flags);
}
