/*
 * Spinlocks that are safe against interrupts and preemption: taking one disables interrupts on
 * this CPU (so neither an interrupt handler nor the timer's preemption can run) and then spins on
 * an atomic flag (so another CPU cannot get in). A CPU that waits for a lock it holds itself
 * would spin forever with interrupts off: that is a panic, with the lock's name.
 *
 * Every CPU keeps a short list of the locks it holds. Because a spinlock is never held across a
 * context switch, that list is exactly the list of locks the running task holds: the stack
 * overflow handler reads it to decide whether killing the task would leave a lock held forever.
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include "arch/x86_64/percpu.h"
#include "kernel/lib/types.h"

struct spinlock {
	volatile u32 locked;
	const char *name;
};

#define SPINLOCK_INIT(n)                                                                           \
	{                                                                                          \
		.locked = 0, .name = (n)                                                           \
	}
#define DEFINE_SPINLOCK(var) struct spinlock var = SPINLOCK_INIT(#var)

void spin_lock_init(struct spinlock *lock, const char *name);
u64 spin_lock_irqsave(struct spinlock *lock);
void spin_unlock_irqrestore(struct spinlock *lock, u64 flags);

/* Number of locks this CPU holds now; the names are returned through held_lock_name(). */
int nr_held_locks(void);
const char *held_lock_name(int i);

/*
 * The other rule of the same kind: between these the running task has something in flight
 * (memory taken and not yet recorded), and kill() waits until kill_enable() and the next safe
 * point, as it does for a held lock. vmalloc(), vfree() and kthread_create() use them. They
 * nest; the scheduler keeps the count per task. One instruction on %gs each
 * (this_cpu_inc()): the count is never changed on a CPU the task has left.
 */
static inline void kill_disable(void)
{
	this_cpu_inc(nokill);
}

static inline void kill_enable(void)
{
	this_cpu_dec(nokill);
}

#endif
