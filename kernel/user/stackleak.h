/*
 * Stack erasing on the way back to user mode (Linux's STACKLEAK, now KSTACK_ERASE). A system
 * call leaves its locals on the process's kernel stack when it returns; the next system call's
 * uninitialised locals lie at the same addresses, and a bug that copies one of them to user
 * space leaks what the last call left there. So a process's kernel stack starts filled with
 * STACKLEAK_POISON, and before every return to ring 3 the part the kernel used is filled again:
 *
 *   top       +--------------------------+  stack_top: TSS.RSP0
 *             |  struct pt_regs          |  the user's registers, restored by the exit
 *   sp        +--------------------------+  where stackleak_erase() runs
 *             |  used by this entry:     |  poisoned again by stackleak_erase()
 *             |  frames, buffers, ...    |
 *   deepest   +--------------------------+  found by scanning down for STACKLEAK_RUN words
 *             |  STACKLEAK_POISON        |  never used since the last erase
 *   base      +--------------------------+
 *
 * kstack_erase=off on the command line turns it off (both the poisoning and the erase).
 */
#ifndef KERNEL_USER_STACKLEAK_H
#define KERNEL_USER_STACKLEAK_H

#include "kernel/lib/types.h"
#include "kernel/stack.h"

/* A run of this many poison words below the used part marks the deepest point (as Linux). */
#define STACKLEAK_RUN 16

struct task;

static inline u64 current_stack_pointer(void)
{
	u64 sp;

	asm volatile("mov %%rsp, %0" : "=r"(sp));
	return sp;
}

/* On by default; kstack_erase=off (kernel/init/main.c) or a benchmark clears it. */
extern bool kstack_erase_enabled;

/* A new process's task, before it first runs: poison its stack below its first frame. */
void stackleak_poison_task(struct task *t);
/*
 * Remember the stack pointer of the caller's frame as reached by this entry, if it is the
 * deepest yet: the erase scans from there, so a stretch of poison above it (an unwritten
 * buffer, the random stack offset) cannot end its scan too early.
 */
void stackleak_track_stack(void);
/*
 * The top of the poison below `from` on the stack whose lowest word is `low`: scanning down
 * from `from`, the address just above the first run of STACKLEAK_RUN poison words; `low` if
 * there is no such run (then *found is false).
 */
u64 stackleak_find_top_of_poison(u64 low, u64 from, bool *found);
/* Where a scan down from sp starts: the deepest tracked point, if below sp. */
u64 stackleak_scan_start(const struct task *t, u64 sp);
/* The lowest word of a task's stack that stack erasing may poison (above the canary). */
u64 stackleak_stack_low(const struct kernel_stack *s);

/*
 * The debug system call SYS_debug_kstack (user/lib/syscall_nr.h): leave a secret on the stack,
 * leak an uninitialised buffer (on purpose), use some stack, check the erase. For the info-leak
 * demonstration (user/stackleak.c), lkdtm STACKLEAK_ERASING and the benchmarks.
 */
long sys_debug_kstack(u64 op, u64 arg, u64 ubuf, u64 len, u64 a4, u64 a5);

#endif
