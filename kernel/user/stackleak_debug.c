/*
 * SYS_debug_kstack: a debug system call to show what stack erasing (kernel/user/stackleak.c)
 * is for, and to check it. Every operation runs `frames` frames of DEBUG_KSTACK_FRAME bytes deep
 * on the caller's kernel stack, through the same function, so two calls with the same depth
 * put their buffers at the same addresses (give or take a random stack offset per call):
 *
 *   SECRET        writes a known text into every frame and returns: what a system call that
 *                 handled a password would leave behind;
 *   LEAK_UNINIT   copies every frame's buffer, which it never writes, to user memory: the
 *                 classic bug of an uninitialised stack buffer copied out - on purpose here;
 *   USE           writes every frame: a system call of a known depth, for the benchmarks;
 *   CHECK_ERASED  as Linux's lkdtm STACKLEAK_ERASING: is the stack below RSP all poison?
 */
#include "arch/x86_64/asm/irqflags.h"
#include "kernel/lib/errno.h"
#include "kernel/lib/string.h"
#include "kernel/printk/printk.h"
#include "kernel/task.h"
#include "kernel/user/process.h"
#include "kernel/user/stackleak.h"
#include "kernel/user/uaccess.h"
#include "user/lib/syscall_nr.h"

static void fill_secret(char *buf, size_t n)
{
	static const char text[] = DEBUG_KSTACK_SECRET_TEXT;
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = text[i % (sizeof(text) - 1)];
}

/*
 * One frame, then the deeper ones. LEAK_UNINIT copies its buffer out only after the deeper
 * frames have returned, so the copy's own frames land below it, where they leak nothing new.
 */
static noinline long kstack_frames(u64 op, u64 frames, u64 ubuf)
{
	char buf[DEBUG_KSTACK_FRAME];
	long ret = 0;

	if (op == DEBUG_KSTACK_SECRET)
		fill_secret(buf, sizeof(buf));
	else if (op == DEBUG_KSTACK_USE)
		memset(buf, (int)frames, sizeof(buf));
	if (frames > 1)
		ret = kstack_frames(op, frames - 1, ubuf + sizeof(buf));
	/* The compiler must neither drop the writes nor see that buf may be unwritten. */
	asm volatile("" : : "r"(buf) : "memory");
	if (op == DEBUG_KSTACK_LEAK_UNINIT && !ret) {
		/* The copy goes deeper than any frame above: let the erase start below it. */
		stackleak_track_stack();
		ret = copy_to_user(ubuf, buf, sizeof(buf));
	}
	return ret;
}

/*
 * How far below RSP the poison may start: an interrupt taken in this system call before the
 * check turned interrupts off leaves its frame there, and a preemption the scheduler's frames.
 */
#define CHECK_SLACK 1024

/*
 * Linux's check, on this stack: find the top of the poison below RSP as the erase does, then
 * every word from there down to the bottom of the stack must be poison. Interrupts are off, so
 * no interrupt frame lands below RSP meanwhile. One check more than Linux's: the poison must
 * start right below RSP (give or take CHECK_SLACK), since everything below this call's frames
 * was erased when the last call returned. Without it, an earlier deeper call's frames, left
 * whole, would look like part of this call and pass.
 */
static long check_erased(void)
{
	struct task *t = current;
	u64 flags = local_irq_save();
	u64 sp = current_stack_pointer(), low = stackleak_stack_low(&t->stack);
	u64 top, p, bad = 0, value = 0;
	bool found;

	top = stackleak_find_top_of_poison(low, stackleak_scan_start(t, sp), &found);
	for (p = top; found && p > low && !bad;) {
		p -= sizeof(u64);
		if (*(const u64 *)p != STACKLEAK_POISON) {
			bad = top - p;
			value = *(const u64 *)p;
		}
	}
	local_irq_restore(flags);
	pr_info("lkdtm: stack erasing is %s; poison from %lu bytes below the top of the stack\n",
		kstack_erase_enabled ? "on" : "off", stack_top(&t->stack) - top);
	if (!found)
		pr_err("FAIL: no run of %d poison words below the stack pointer: the stack is not "
		       "poisoned\n",
		       STACKLEAK_RUN);
	else if (bad)
		pr_err("FAIL: non-poison value %lu bytes below poison boundary: %#lx\n", bad,
		       value);
	else if (sp - top > CHECK_SLACK)
		pr_err("FAIL: the %lu bytes right below the stack pointer are not poison: an "
		       "earlier "
		       "call's frames were left there\n",
		       sp - top);
	if (!found || bad || sp - top > CHECK_SLACK) {
		pr_err("FAIL: the thread stack is NOT properly erased!\n");
		return -EFAULT;
	}
	pr_info("OK: the rest of the thread stack is properly erased\n");
	return 0;
}

long sys_debug_kstack(u64 op, u64 frames, u64 ubuf, u64 len, u64 a4, u64 a5)
{
	if (op == DEBUG_KSTACK_CHECK_ERASED)
		return current->proc ? check_erased() : -EINVAL;
	if (op > DEBUG_KSTACK_USE || !frames || frames > DEBUG_KSTACK_MAX_FRAMES)
		return -EINVAL;
	if (op == DEBUG_KSTACK_LEAK_UNINIT && len < frames * DEBUG_KSTACK_FRAME)
		return -EINVAL;
	return kstack_frames(op, frames, ubuf);
}
