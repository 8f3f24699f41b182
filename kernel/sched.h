/*
 * Scheduler internals shared by kernel/sched.c (run queue, switching, sleeping), kernel/wait.c
 * (wait queues) and kernel/task.c (creating, ending and reaping tasks). Nothing outside those
 * three includes this.
 *
 * sched_lock protects the sleep list, the task list, wait queues and the states of sleeping, waking
 * and dying tasks; each CPU's run queue has a lock of its own (kernel/sched.c). Functions named
 * __something expect sched_lock held.
 */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include "kernel/locking/spinlock.h"
#include "kernel/task.h"

extern struct spinlock sched_lock;

/* current is marked sleeping, blocked or dead: release sched_lock, switch, take it again. */
void __schedule_sleep(void);
/* Put a new, woken or killed task on a CPU's run queue. */
void __enqueue(struct task *t);
void __sleep_list_remove(struct task *t);
/* A task was woken: if one waits on this CPU's queue, switch at the next interrupt exit. */
void wakeup_preempt(void);
/* kernel/wait.c: current sleeps on wq (it is marked blocked); take t off wq; wake all of wq. */
void __wait_queue_sleep(struct wait_queue *wq);
void __wait_queue_remove(struct wait_queue *wq, struct task *t);
void __wake_up_all(struct wait_queue *wq);
/* A dead task is done with its stack: give the stack back, free the task if detached. */
void __release_dead_task(struct task *t);
/* Unlink a dead task from the task list and free it. */
void __reap_task(struct task *t);

#endif
