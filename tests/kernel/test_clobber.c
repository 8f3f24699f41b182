/*
 * What guard pages change, before and after, with two processes: a victim asleep in a system call
 * (spawnloop, in wait() for a child that never ends) and an attacker asking the kernel
 * (SYS_recurse) to recurse far past the end of its kernel stack.
 *
 * VMAP_STACK=y: the guard page stops the attacker at once; it is killed, the victim's kernel
 * stack is not touched, and the victim lives on.
 * VMAP_STACK=n: the two stacks are made adjacent (as the page allocator may place them by
 * chance). The attacker runs through the end of its stack into the top of the victim's - where
 * the victim's saved registers are - comes back to user mode and exits normally; nothing is
 * reported. With the stack-end canary check off, as in a Linux built without it, nothing would
 * ever say so: the damage shows only when the victim runs again. The test puts the victim's
 * stack back before it does.
 */
#include "kernel/debug/ktest.h"
#include "kernel/lib/string.h"
#include "kernel/printk/printk.h"
#include "kernel/stack.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include "kernel/user/initrd.h"
#include "kernel/user/process.h"
#include "tests/kernel/adjacent_stacks.h"
#include "user/lib/syscall_nr.h"

/* Enough 256-byte frames to run about 3 KiB past the end of a 16 KiB stack. */
#define ATTACK_DEPTH "70"

static u8 victim_copy[THREAD_SIZE];

/* A program of the initrd as a never-run process: its task, or NULL (the test is skipped). */
static struct task *create(const char *prog, const char *args)
{
	const void *img;
	size_t len;
	int pid;

	if (initrd_find(prog, &img, &len)) {
		ktest_skip("no initrd with the user programs");
		return NULL;
	}
	pid = process_create(prog, args);
	KT_EXPECT_MSG(pid > 0, "%s: process_create returned %d", prog, pid);
	return pid > 0 ? find_task(pid) : NULL;
}

/* The victim and the attacker, both never run: false if the test cannot go on. */
static bool create_pair(struct task **v, struct task **a)
{
	/* In wait() for a child that prints a line a minute forever: only kill() wakes it. */
	*v = create("spawnloop", "1 sibling 0 60000");
	*a = *v ? create("recurse", ATTACK_DEPTH) : NULL;
	return *v && *a;
}

/* Start the victim and wait until it sleeps in wait(): its stack does not change from then on. */
static bool start_victim(struct task *v)
{
	u64 bound = jiffies + 60 * HZ; /* a failure bound only: the verdict is the state */

	wake_up_process(v);
	/* Blocked, and its CPU off its stack: until then the switch still writes there. */
	while ((v->state != TASK_BLOCKED || __atomic_load_n(&v->on_cpu, __ATOMIC_ACQUIRE)) &&
	       jiffies < bound)
		yield();
	KT_EXPECT_MSG(v->state == TASK_BLOCKED, "the victim never blocked in wait (state %d)",
		      v->state);
	return v->state == TASK_BLOCKED;
}

static int reap(int pid)
{
	int status = -1;

	KT_EXPECT(process_wait(pid, &status) == pid);
	return status;
}

/* The victim, still asleep and whole, can still be killed and reaped like any process. */
static void end_victim(struct task *v)
{
	int pid = v->pid;

	KT_EXPECT_MSG(v->state == TASK_BLOCKED, "the victim woke up (state %d)", v->state);
	KT_EXPECT(kill(pid) == 0);
	KT_EXPECT(reap(pid) == KILLED_BY_KILL);
}

KTEST(clobber, with_vmap_stack_the_attacker_dies_at_the_guard_and_the_victim_is_untouched)
{
	struct task *v, *a;
	int status;

	if (!VMAP_STACK) {
		ktest_skip("VMAP_STACK=n: see clobber.without_vmap_stack_*");
		return;
	}
	if (!create_pair(&v, &a) || !start_victim(v))
		return;
	memcpy(victim_copy, (void *)v->stack.base, THREAD_SIZE);
	wake_up_process(a);
	status = reap(a->pid);
	KT_EXPECT_MSG(status == KILLED_STACK_OVERFLOW,
		      "the attacker ended with status %#x, not killed for its overflow", status);
	KT_EXPECT_MSG(!memcmp(victim_copy, (void *)v->stack.base, THREAD_SIZE),
		      "the victim's kernel stack changed");
	end_victim(v);
}

/* The lowest offset from the top of the stack at which the copy and the stack differ, or 0. */
static u64 damage_depth(const u8 *copy, const u8 *stack)
{
	u64 i;

	for (i = 0; i < THREAD_SIZE; i++) {
		if (copy[i] != stack[i])
			return THREAD_SIZE - i;
	}
	return 0;
}

KTEST(clobber, without_vmap_stack_the_attacker_silently_rewrites_the_victim_below)
{
	u8 *victim_stack;
	struct task *v, *a;
	u64 depth;
	int status;

	if (VMAP_STACK) {
		ktest_skip("VMAP_STACK=y: see clobber.with_vmap_stack_*");
		return;
	}
	if (!create_pair(&v, &a))
		return;
	if (!make_adjacent_stacks(v, a)) {
		KT_EXPECT_MSG(false, "no free block for two adjacent stacks");
		kill(a->pid);
		kill(v->pid);
		reap(a->pid);
		reap(v->pid);
		return;
	}
	victim_stack = (u8 *)v->stack.base;
	KT_EXPECT(a->stack.base == v->stack.base + THREAD_SIZE);
	if (!start_victim(v))
		return;
	memcpy(victim_copy, victim_stack, THREAD_SIZE);
	/* The attacker breaks its own canary on the way: the check would panic at its exit. */
	sched_stack_end_check = false;
	wake_up_process(a);
	status = reap(a->pid);
	sched_stack_end_check = true;
	KT_EXPECT_MSG(status == 0, "the attacker ended with status %#x, not a normal exit", status);
	depth = damage_depth(victim_copy, victim_stack);
	printk("# the attacker rewrote the victim's stack from its top down to %lu bytes below "
	       "it\n",
	       depth);
	/* The victim's saved registers are the top of its stack: they are gone. */
	KT_EXPECT_MSG(depth > 0 && memcmp(victim_copy + THREAD_SIZE - 256,
					  victim_stack + THREAD_SIZE - 256, 256),
		      "the victim's stack top is unchanged");
	/* Undo it, or the victim would return from read() through the attacker's bytes. */
	memcpy(victim_stack, victim_copy, THREAD_SIZE);
	end_victim(v);
}
