#include "kernel/locking/spinlock.h"
#include "arch/x86_64/asm/irqflags.h"
#include "arch/x86_64/asm/special_insns.h"
#include "arch/x86_64/percpu.h"
#include "kernel/printk/printk.h"

void spin_lock_init(struct spinlock *lock, const char *name)
{
	lock->locked = 0;
	lock->name = name;
}

static void note_acquired(const struct spinlock *lock)
{
	struct percpu *cpu = this_cpu();

	if (cpu->nr_held_locks < MAX_HELD_LOCKS)
		cpu->held_locks[cpu->nr_held_locks] = lock;
	cpu->nr_held_locks++;
}

static void note_released(const struct spinlock *lock)
{
	struct percpu *cpu = this_cpu();
	int i, n = MIN(cpu->nr_held_locks, MAX_HELD_LOCKS);

	/* Locks are usually released in reverse order; search from the end. */
	for (i = n - 1; i >= 0; i--) {
		if (cpu->held_locks[i] == lock) {
			cpu->held_locks[i] = cpu->held_locks[n - 1];
			break;
		}
	}
	cpu->nr_held_locks--;
}

/* Does this CPU hold lock? Only asked when the lock is busy: the fast path pays nothing. */
static bool held_by_this_cpu(const struct spinlock *lock)
{
	struct percpu *cpu = this_cpu();
	int i;

	for (i = 0; i < MIN(cpu->nr_held_locks, MAX_HELD_LOCKS); i++) {
		if (cpu->held_locks[i] == lock)
			return true;
	}
	return false;
}

u64 spin_lock_irqsave(struct spinlock *lock)
{
	u64 flags = local_irq_save();

	while (__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE)) {
		/* Held by this CPU, which has interrupts off: nobody can ever release it. */
		if (held_by_this_cpu(lock))
			panic("spinlock %s: recursive lock or lock held across a switch",
			      lock->name);
		cpu_relax();
	}
	note_acquired(lock);
	return flags;
}

void spin_unlock_irqrestore(struct spinlock *lock, u64 flags)
{
	note_released(lock);
	__atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
	local_irq_restore(flags);
}

int nr_held_locks(void)
{
	return this_cpu_read(nr_held_locks);
}

const char *held_lock_name(int i)
{
	struct percpu *cpu = this_cpu();

	if (i < 0 || i >= MIN(cpu->nr_held_locks, MAX_HELD_LOCKS))
		return "?";
	return cpu->held_locks[i]->name;
}
