/*
 * stacktorture: overflow kernel stacks at random points and check, after each, that the system
 * is whole - in the spirit of Linux's locktorture and rcutorture.
 *
 * Each round runs a victim task that recurses with frames of random size and, at random points,
 * takes and drops a lock, turns interrupts off and on, allocates and frees, prints, sleeps or
 * yields, or waits for an interrupt with little stack left. Its program comes from a seeded
 * generator, so a round can be replayed from its seed. Most victims go deeper than their stack
 * and overflow wherever the recursion happens to be: in C code, in interrupt entry, inside
 * printk or vmalloc, with a lock held. After each round the torture checks: the victim was killed
 * (or finished), a sibling still counts, the timer still ticks, no lock is held, the PIC has
 * nothing in service, and free pages, slab objects and vmalloc areas are exactly back at their
 * baseline. An overflow where policy says panic (a lock held, an allocation in flight) ends the
 * run with a panic naming the reason; scripts/torture reboots and carries on with the next round.
 */
#include "kernel/debug/torture.h"
#include "kernel/debug/ktest.h"
#include "arch/x86_64/asm/irqflags.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/irq.h"
#include "kernel/lib/string.h"
#include <stdarg.h>
#include "kernel/locking/spinlock.h"
#include "kernel/printk/printk.h"
#include "kernel/smp.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include "mm/slab.h"
#include "mm/vmalloc.h"
#include "kernel/lib/prandom.h"

static DEFINE_SPINLOCK(torture_lock);

/*
 * During the rounds the console shows only errors and the oopses (every message still goes to
 * the log); say() prints the rounds and their verdicts at the console's usual level.
 */
static int quiet_loglevel = LOGLEVEL_ERR + 1, saved_loglevel;

static __attribute__((format(printf, 1, 2))) void say(const char *fmt, ...)
{
	va_list ap;

	console_loglevel = saved_loglevel;
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	console_loglevel = quiet_loglevel;
}

struct victim {
	u64 rng;
	u64 depth;	/* how deep this victim means to go: often more than its stack holds */
	int atomic;	/* > 0 with a lock held or interrupts off: no sleeping, no waiting */
	bool kill_only; /* only actions where policy says kill: no lock may be held at an overflow
			 */
};

/* The actions a frame may take before it recurses further, with their odds out of 64. */
enum action { RECURSE, LOCKED, IRQS_OFF, ALLOC, VALLOC, PRINT, SLEEP, YIELD, WAIT_IRQ };

static enum action pick_action(struct victim *v)
{
	static const enum action any[] = { LOCKED, IRQS_OFF, ALLOC, VALLOC,
					   PRINT,  SLEEP,    YIELD, WAIT_IRQ };
	/* Where an overflow kills: never inside a lock, an allocation or the scheduler. */
	static const enum action killable[] = { IRQS_OFF, WAIT_IRQ };
	/* With a lock held or interrupts off, nothing that sleeps or turns interrupts on. */
	static const enum action atomic[] = { ALLOC, VALLOC, PRINT };
	u64 r = prandom_u64(&v->rng) % 64;

	if (r < 40)
		return RECURSE;
	if (v->kill_only)
		return v->atomic ? RECURSE : killable[r % ARRAY_SIZE(killable)];
	if (v->atomic)
		return atomic[r % ARRAY_SIZE(atomic)];
	return any[r % ARRAY_SIZE(any)];
}

static noinline u64 torture_frame(struct victim *v, u64 level);

/* Spin with interrupts on until a tick passes: an interrupt's entry may overrun what is left. */
static void wait_for_interrupt(void)
{
	u64 start = jiffies;

	local_irq_enable();
	while (jiffies == start)
		asm volatile("pause");
}

/* A frame of random size that calls nothing. */
static noinline u64 leaf_frame(struct victim *v)
{
	u64 size = 64 + prandom_u64(&v->rng) % 1985;
	volatile u8 buf[size];

	memset((u8 *)buf, 0x5a, size);
	return buf[size / 2];
}

static noinline u64 do_action(struct victim *v, enum action a, u64 level)
{
	u64 flags, sum = 0;
	void *p;

	switch (a) {
	case LOCKED:
		/* One frame under the lock: an overflow in it must panic, the lock would stay held.
		 */
		flags = spin_lock_irqsave(&torture_lock);
		sum = leaf_frame(v);
		spin_unlock_irqrestore(&torture_lock, flags);
		break;
	case IRQS_OFF:
		/* Sometimes for the rest of the recursion, mostly for one frame. */
		flags = local_irq_save();
		v->atomic++;
		if (prandom_u64(&v->rng) % 4 == 0) {
			sum = torture_frame(v, level + 1);
			v->atomic--;
			local_irq_restore(flags);
			return sum;
		}
		sum = leaf_frame(v);
		v->atomic--;
		local_irq_restore(flags);
		break;
	case ALLOC:
		p = kmalloc(16 + prandom_u64(&v->rng) % 1024);
		kfree(p);
		break;
	case VALLOC:
		p = vmalloc(PAGE_SIZE * (1 + prandom_u64(&v->rng) % 4));
		vfree(p);
		break;
	case PRINT:
		printk(KERN_DEBUG "torture: level %lu\n", level);
		break;
	case SLEEP:
		sleep_ms(1);
		break;
	case YIELD:
		yield();
		break;
	case WAIT_IRQ:
		wait_for_interrupt();
		break;
	case RECURSE:
		break;
	}
	return sum + torture_frame(v, level + 1);
}

/*
 * One frame of random size (64 to 2048 bytes, written so it cannot be elided), then onwards.
 * When the frame would not fit in what is left of the stack, half the time it is cut so that
 * only a few hundred bytes remain, and the task waits for an interrupt there: with less than
 * the 176 bytes an interrupt's entry pushes, the entry itself overruns the stack.
 */
static noinline u64 torture_frame(struct victim *v, u64 level)
{
	u64 left = (u64)__builtin_frame_address(0) - current->stack.base;
	u64 size = 64 + prandom_u64(&v->rng) % 1985;
	bool wait_irq = false;

	if (!v->atomic && size + 512 > left && left > 512 && prandom_u64(&v->rng) % 2) {
		size = left - 64 - prandom_u64(&v->rng) % 256;
		wait_irq = true;
	}

	volatile u8 buf[size];

	memset((u8 *)buf, level & 0xff, size);
	if (wait_irq)
		wait_for_interrupt();
	if (level >= v->depth)
		return buf[0];
	return do_action(v, pick_action(v), level) + buf[size - 1];
}

static int victim_main(void *arg)
{
	struct victim *v = arg;

	torture_frame(v, 0);
	return 0;
}

static volatile u64 sibling_count;

static int sibling(void *arg)
{
	for (;;) {
		sibling_count++;
		sleep_ms(5);
	}
	return 0;
}

/*
 * A size class's first slab page stays once used, and a victim may be the first to use one:
 * such a page counts as free here.
 */
static void take_baseline(struct ktest_mem *m)
{
	ktest_mem_snapshot(m);
	m->free_pages += m->slab_pages;
	m->slab_pages = 0;
}

/* After a round: is the system whole? Prints what is not, returns false then. */
static bool check_whole(const struct ktest_mem *before, u64 sibling_before)
{
	struct ktest_mem now;
	u64 ticks = jiffies;
	bool ok = true;

	/* Wait for a state, not for a time: the sibling's next count, then the next tick. */
	while (sibling_count == sibling_before)
		sleep_ms(1);
	while (jiffies == ticks)
		sleep_ms(1);
	if (nr_held_locks()) {
		pr_err("torture: FAIL: lock '%s' still held\n", held_lock_name(0));
		ok = false;
	}
	if (irq_in_service()) {
		pr_err("torture: FAIL: the %s has IRQs %#x in service\n", irq_chip()->name,
		       irq_in_service());
		ok = false;
	}
	take_baseline(&now);
	if (ktest_mem_diff(before, &now, "torture: FAIL: "))
		ok = false;
	return ok;
}

/* The CPU of round r: the online CPUs in turn (CPU 0 alone without SMP). */
static u32 round_cpu(u64 round)
{
	u32 n = num_online_cpus(), cpu, i = 0;

	for (cpu = 0; cpu < nr_cpu_ids(); cpu++) {
		if (cpu_info(cpu)->state == CPU_ONLINE && i++ == round % n)
			return cpu;
	}
	return 0;
}

static int nothing(void *arg)
{
	return 0;
}

/*
 * A task pinned to cpu runs and ends: the CPU still takes its interrupts (a vector lost in an
 * overflowed interrupt entry and never acknowledged would block them all, the reschedule IPI
 * included).
 */
static bool cpu_still_runs_tasks(u32 cpu)
{
	struct task *t = kthread_create(nothing, NULL, "probe");
	int status;

	if (!t)
		return false;
	if (set_cpus_allowed(t, cpu)) {
		kill_and_reap(t->pid, NULL);
		return false;
	}
	wake_up_process(t);
	return wait(t->pid, &status) == 0 && status == 0;
}

/* One round: a victim whose program comes from seed; returns false if the system is not whole. */
static bool torture_round(u64 round, u64 seed, bool kill_only, struct torture_result *res)
{
	struct victim v = { .rng = seed | 1, .kill_only = kill_only };
	struct ktest_mem before;
	struct task *t;
	u64 sib;
	int status;

	/* Mostly deeper than a stack holds: 16 KiB / ~1 KiB frames, so 8 to 40 frames. */
	v.depth = 8 + prandom_u64(&v.rng) % 33;
	take_baseline(&before);
	sib = sibling_count;
	say("torture: round %lu: seed %#lx, depth %lu\n", round, seed, v.depth);
	t = kthread_create(victim_main, &v, "victim");
	/* Round after round on each CPU in turn: an overflow must be survivable on any of them. */
	if (t)
		set_cpus_allowed(t, round_cpu(round));
	if (t)
		wake_up_process(t);
	if (!t || wait(t->pid, &status)) {
		pr_err("torture: FAIL: round %lu: could not run the victim\n", round);
		return false;
	}
	if (status == KILLED_STACK_OVERFLOW)
		res->killed++;
	else if (status == 0)
		res->survived++;
	else
		pr_err("torture: FAIL: round %lu: the victim ended with status %#x\n", round,
		       status);
	if (!check_whole(&before, sib) || (status != KILLED_STACK_OVERFLOW && status))
		return false;
	if (!cpu_still_runs_tasks(round_cpu(round))) {
		pr_err("torture: FAIL: round %lu: CPU %u runs no task after the round\n", round,
		       round_cpu(round));
		return false;
	}
	say("torture: round %lu: %s, system whole\n", round,
	    status == KILLED_STACK_OVERFLOW ? "killed" : "no overflow");
	return true;
}

bool stacktorture(u64 rounds, u64 seed, u64 first, bool kill_only, struct torture_result *res)
{
	struct task *sib = kthread_run(sibling, NULL, "sibling");
	int status, allowed = current->cpu_allowed;
	bool ok = true;
	u64 i;

	/*
	 * On CPU 0, which alone takes the PIC's interrupts: there, between two of our instructions,
	 * no IRQ is in service - on another CPU the check would see CPU 0's IRQs come and go.
	 */
	set_cpus_allowed(current, 0);
	memset(res, 0, sizeof(*res));
	if (!sib) {
		pr_err("torture: no memory for the sibling\n");
		set_cpus_allowed(current, allowed);
		return false;
	}
	saved_loglevel = console_loglevel;
	console_loglevel = quiet_loglevel;
	for (i = first; i < rounds && ok; i++)
		ok = torture_round(i, seed + i * 0x9e3779b97f4a7c15UL, kill_only, res);
	console_loglevel = saved_loglevel;
	kill(sib->pid);
	wait(sib->pid, &status);
	set_cpus_allowed(current, allowed);
	return ok;
}
