/*
 * The system calls (numbers and ABI: user/lib/syscall_nr.h). do_syscall() runs on the calling
 * task's kernel stack with interrupts on, called from syscall_entry (arch/x86_64/syscall_entry.asm)
 * with the user's registers saved as a struct pt_regs. Every user pointer goes through
 * kernel/user/uaccess.c; errors come back as negative errno values.
 */
#include "arch/x86_64/asm/irqflags.h"
#include "arch/x86_64/asm/processor-flags.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/syscall.h"
#include "kernel/lib/ksyms.h"
#include "kernel/lib/errno.h"
#include "kernel/lib/string.h"
#include "kernel/printk/console.h"
#include "kernel/printk/printk.h"
#include "kernel/task.h"
#include "kernel/user/kstack_offset.h"
#include "kernel/user/process.h"
#include "kernel/user/syscall.h"
#include "kernel/user/stackleak.h"
#include "kernel/user/uaccess.h"
#include "mm/user_mm.h"
#include "user/lib/syscall_nr.h"

typedef long (*syscall_fn)(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5);

#define CHUNK	      128 /* bytes copied at a time: small enough for the stack */
#define CONSOLE_LEVEL 4	  /* what console_write() gets: shown like a warning, always */
#define PATH_MAX      64
#define SLEEP_MAX_MS  60000

static long sys_exit(u64 status, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	exit((int)status);
}

static long sys_write(u64 fd, u64 buf, u64 len, u64 a3, u64 a4, u64 a5)
{
	char chunk[CHUNK];
	u64 done = 0;

	if (fd != 1 && fd != 2)
		return -EINVAL;
	/*
	 * copy_from_user() is buf's only check, even for len 0 (a kernel pointer is -EFAULT then
	 * too, as in Linux): a bad first chunk is -EFAULT, a bad later one ends the write short.
	 */
	do {
		u64 n = MIN(len - done, CHUNK);

		if (copy_from_user(chunk, buf + done, n))
			return done ? (long)done : -EFAULT;
		if (n)
			console_print(chunk, n, CONSOLE_LEVEL);
		done += n;
	} while (done < len);
	return done;
}

/* Up to len bytes of one line typed on the console (echoed), ending with its newline. */
static long sys_read(u64 fd, u64 buf, u64 len, u64 a3, u64 a4, u64 a5)
{
	char chunk[CHUNK];
	u64 n = 0;

	if (fd != 0)
		return -EINVAL;
	len = MIN(len, CHUNK);
	/* A buffer that cannot take the line is refused before anything is typed, not after. */
	memset(chunk, 0, len);
	if (copy_to_user(buf, chunk, len))
		return -EFAULT;
	while (n < len) {
		int c = console_getc();

		if (c == '\r')
			c = '\n';
		chunk[n++] = c;
		console_print(chunk + n - 1, 1, CONSOLE_LEVEL);
		if (c == '\n')
			break;
	}
	return copy_to_user(buf, chunk, n) ? -EFAULT : (long)n;
}

static long sys_getpid(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	return current->pid;
}

static long sys_spawn(u64 upath, u64 uargs, u64 a2, u64 a3, u64 a4, u64 a5)
{
	char path[PATH_MAX], args[USER_ARGS_MAX];
	long err = strncpy_from_user(path, upath, sizeof(path));

	if (err < 0)
		return err;
	args[0] = '\0';
	if (uargs) {
		err = strncpy_from_user(args, uargs, sizeof(args));
		if (err < 0)
			return err;
	}
	return process_spawn(path, args);
}

static long sys_wait(u64 pid, u64 ustatus, u64 a2, u64 a3, u64 a4, u64 a5)
{
	int status = 0;
	long ret;

	/* A bad status pointer is found before the child is reaped, not after (status lost). */
	if (ustatus && copy_to_user(ustatus, &status, sizeof(status)))
		return -EFAULT;
	ret = process_wait((int)pid, &status);
	if (ret >= 0 && ustatus && copy_to_user(ustatus, &status, sizeof(status)))
		return -EFAULT;
	return ret;
}

static long sys_sbrk(u64 increment, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	struct process *p = current->proc;
	s64 inc = (s64)increment;
	u64 old = p->brk, new = old + inc, old_end = ALIGN_UP(old, PAGE_SIZE), new_end;

	if (inc < 0 ? (u64)-inc > old - p->brk_start
		    : (u64)inc > USER_HEAP_MAX - (old - p->brk_start))
		return -ENOMEM;
	if (new > USER_STACK_LO - USER_STACK_GAP)
		return -ENOMEM;
	new_end = ALIGN_UP(new, PAGE_SIZE);
	if (new_end > old_end) {
		int err = user_map_zeroed(p->mm, old_end, (new_end - old_end) >> PAGE_SHIFT,
					  UMAP_WRITE);
		if (err)
			return err == -ENOMEM ? -ENOMEM : -EINVAL;
	} else if (new_end < old_end) {
		user_unmap(p->mm, new_end, (old_end - new_end) >> PAGE_SHIFT);
	}
	p->brk = new;
	return old;
}

static long sys_sleep(u64 ms, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	sleep_ms(MIN(ms, SLEEP_MAX_MS));
	return 0;
}

static long sys_yield(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	yield();
	return 0;
}

/*
 * As lkdtm's recursion, on behalf of a program: every frame holds a buffer it writes and reads,
 * so the compiler can neither drop the buffer nor turn the recursion into a loop. Deep enough,
 * it runs into the guard page below the task's stack (VMAP_STACK=y) - the kill path of
 * kernel/fault.c - or, without guards, into whatever memory lies below.
 */
#define RECURSE_FRAME 256

static noinline long recurse(u64 depth)
{
	volatile char buf[RECURSE_FRAME];
	long ret;
	int i;

	/*
	 * Every byte is written, as a real deep call chain would: sparse writes would step over
	 * a stack-end canary, or a neighbour's saved registers, and the overrun would go unseen.
	 */
	for (i = 0; i < RECURSE_FRAME; i++)
		buf[i] = (char)depth;
	if (!depth)
		return 0;
	ret = recurse(depth - 1);
	return ret + 1 + buf[0] - buf[RECURSE_FRAME - 1];
}

static long sys_recurse(u64 depth, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	return recurse(depth);
}

long (*lkdtm_syscall)(const char *name);

static long sys_lkdtm(u64 uname, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	char name[LKDTM_NAME_MAX];
	long err;

	if (!lkdtm_syscall)
		return -ENOSYS;
	err = strncpy_from_user(name, uname, sizeof(name));
	if (err < 0)
		return err == -E2BIG ? -EINVAL : err;
	return lkdtm_syscall(name);
}

static const syscall_fn syscall_table[NR_SYSCALLS] = {
	[SYS_exit] = sys_exit,	     [SYS_write] = sys_write, [SYS_read] = sys_read,
	[SYS_getpid] = sys_getpid,   [SYS_spawn] = sys_spawn, [SYS_wait] = sys_wait,
	[SYS_sbrk] = sys_sbrk,	     [SYS_sleep] = sys_sleep, [SYS_yield] = sys_yield,
	[SYS_recurse] = sys_recurse, [SYS_lkdtm] = sys_lkdtm, [SYS_debug_kstack] = sys_debug_kstack,
};

u64 uaccess_ac_leaks;

/*
 * On the way back to user mode RFLAGS.AC must be clear: set, it means a copy helper opened user
 * memory (stac) and did not close it, typically on its fault path, so everything the kernel did
 * since ran with SMAP off. Reported and cleared (the tests count the reports). Out of line, so
 * its buffer does not make do_syscall() a function the stack protector guards.
 */
static noinline void report_ac_leak(u64 nr)
{
	char sym[80];

	__atomic_fetch_add(&uaccess_ac_leaks, 1, __ATOMIC_RELAXED);
	ksym_format(uaccess_last_fixup, sym, sizeof(sym));
	printk(KERN_ERR "uaccess: BUG: RFLAGS.AC set on return to user mode from system call %lu: "
			"SMAP was off (last exception-table fixup: %s)\n",
	       nr, uaccess_last_fixup ? sym : "none");
	if (uaccess_smap)
		asm volatile("clac" ::: "memory");
}

static inline void check_ac_on_return(u64 nr)
{
	if (local_save_flags() & X86_EFLAGS_AC)
		report_ac_leak(nr);
}

bool randomize_kstack_offset = true;

void do_syscall(struct pt_regs *regs)
{
	u64 nr = regs->rax;

	/*
	 * Stack erasing starts its scan here at the latest (below the random stack offset, which
	 * syscall_entry took). Off, the erase does not run: nothing to record for it.
	 */
	if (kstack_erase_enabled)
		stackleak_track_stack();
	if (nr < NR_SYSCALLS && syscall_table[nr])
		regs->rax = syscall_table[nr](regs->rdi, regs->rsi, regs->rdx, regs->r10, regs->r8,
					      regs->r9);
	else
		regs->rax = -ENOSYS;
	check_ac_on_return(nr);
	choose_random_kstack_offset();
	/* The way back to user mode is a safe point: nothing in flight, no lock held. */
	stop_if_asked();
}
