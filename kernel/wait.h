/*
 * Wait queues (kernel/wait.c), as Linux's include/linux/wait.h: a task sleeps on a queue until
 * a condition it waits for holds, and whoever makes it hold wakes the queue.
 */
#ifndef KERNEL_WAIT_H
#define KERNEL_WAIT_H

#include "kernel/lib/types.h"

struct task;

/* Tasks sleeping on something (TASK_BLOCKED), linked through task->wq_next, under sched_lock. */
struct wait_queue {
	struct task *head;
	u64 wakeups; /* how often it was woken: "woken since I looked?" (process_wait) */
};

/*
 * Sleep on wq until cond(arg) holds; it is checked first, and again after each wake-up, always
 * under the scheduler's lock, which wake_up_all() takes too. So a waker on any CPU that makes
 * cond true and then calls wake_up_all(wq) is never missed. cond must not sleep or take a lock.
 * Returns early if kill() asked the task to stop and it cannot stop here.
 */
void wait_event(struct wait_queue *wq, bool (*cond)(void *arg), void *arg);
/* Wake every task sleeping on wq (from an interrupt handler too). */
void wake_up_all(struct wait_queue *wq);

#endif
