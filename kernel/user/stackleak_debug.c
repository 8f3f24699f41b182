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
 *   MARK, MARKED  put a marker `arg` bytes below the top of the stack, in the poison, and
 *                 later ask whether it is still there: an erase after a shallow call must not
 *                 reach that deep (its cost follows the depth the call used).
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
 * Linux's check, on this stack: every word below RSP must be poison, since everything below
 * this call's frames was erased when the last call returned. Interrupts are off, so no
 * interrupt frame lands below RSP meanwhile; CHECK_SLACK bytes right below RSP are let pass.
 * The check reads every word down to the bottom and uses none of the erase's code, so a wrong
 * erase cannot fool it: an earlier deeper call's frames, left whole under a stretch of poison,
 * fail it too.
 */
static long check_erased(void)
{
	struct task *t = current;
	u64 flags = local_irq_save();
	u64 sp = current_stack_pointer(), low = stackleak_stack_low(&t->stack);
	u64 p = ALIGN_DOWN(sp - CHECK_SLACK, sizeof(u64)), bad = 0, value = 0, left = 0;

	while (p > low) {
		p -= sizeof(u64);
		if (*(const u64 *)p != STACKLEAK_POISON) {
			left++;
			if (!bad) {
				bad = sp - p;
				value = *(const u64 *)p;
			}
		}
	}
	local_irq_restore(flags);
	pr_info("lkdtm: stack erasing is %s; checking %lu bytes below the stack pointer\n",
		kstack_erase_enabled ? "on" : "off", sp - CHECK_SLACK - low);
	if (bad) {
		pr_err("FAIL: non-poison value %lu bytes below the stack pointer: %#lx (%lu words "
		       "not poison)\n",
		       bad, value, left);
		pr_err("FAIL: the thread stack is NOT properly erased!\n");
		return -EFAULT;
	}
	pr_info("OK: the rest of the thread stack is properly erased\n");
	return 0;
}

/* What DEBUG_KSTACK_MARK leaves: not poison, and not a value the kernel writes by chance. */
#define KSTACK_MARK 0x6d61726b65642121UL

/*
 * The word `depth` bytes below the top of the caller's stack, for DEBUG_KSTACK_MARK and
 * DEBUG_KSTACK_MARKED; NULL unless it lies well below this call's own frames.
 */
static u64 *mark_word(u64 depth)
{
	const struct kernel_stack *s = &current->stack;
	u64 sp = current_stack_pointer(), w = ALIGN_DOWN(stack_top(s) - depth, sizeof(u64));

	if (depth > THREAD_SIZE || w < stackleak_stack_low(s) || w + CHECK_SLACK > sp)
		return NULL;
	return (u64 *)w;
}

/*
 * DEBUG_KSTACK_MARK: put a marker into a poisoned word deep below this call's frames; the
 * erase on the way out should not reach it (it was poison: below the deepest point). 0, or
 * -EINVAL if the word is not poison (the stack below is not erased) or not deep enough.
 */
static long kstack_mark(u64 depth)
{
	u64 *w = mark_word(depth);

	if (!w || *w != STACKLEAK_POISON)
		return -EINVAL;
	*w = KSTACK_MARK;
	return 0;
}

/* DEBUG_KSTACK_MARKED: 1 if the marker is still there, 0 if not; the word is poison again. */
static long kstack_marked(u64 depth)
{
	u64 *w = mark_word(depth);
	long there;

	if (!w)
		return -EINVAL;
	there = *w == KSTACK_MARK;
	*w = STACKLEAK_POISON;
	return there;
}

long sys_debug_kstack(u64 op, u64 frames, u64 ubuf, u64 len, u64 a4, u64 a5)
{
	if (!current->proc)
		return -EINVAL;
	if (op == DEBUG_KSTACK_CHECK_ERASED)
		return check_erased();
	if (op == DEBUG_KSTACK_MARK)
		return kstack_mark(frames);
	if (op == DEBUG_KSTACK_MARKED)
		return kstack_marked(frames);
	if (op > DEBUG_KSTACK_USE || !frames || frames > DEBUG_KSTACK_MAX_FRAMES)
		return -EINVAL;
	if (op == DEBUG_KSTACK_LEAK_UNINIT && len < frames * DEBUG_KSTACK_FRAME)
		return -EINVAL;
	return kstack_frames(op, frames, ubuf);
}
