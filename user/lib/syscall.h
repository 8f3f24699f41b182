/*
 * System-call wrappers for user programs: one inline function per call of syscall_nr.h. Each
 * returns what the kernel put in %rax: the result, or a negative error number (-EFAULT).
 */
#ifndef USER_SYSCALL_H
#define USER_SYSCALL_H

#include "user/lib/exit_status.h"
#include "user/lib/syscall_nr.h"

/*
 * The syscall instruction takes the number in %rax and up to six arguments in %rdi, %rsi, %rdx,
 * %r10, %r8, %r9; it overwrites %rcx (the return address) and %r11 (the flags), and the kernel
 * may read and write memory through the pointers passed: hence the clobbers.
 */
static inline long syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

static inline __attribute__((noreturn)) void exit(int status)
{
	syscall6(SYS_exit, status, 0, 0, 0, 0, 0);
	__builtin_unreachable();
}

static inline long write(int fd, const void *buf, unsigned long len)
{
	return syscall6(SYS_write, fd, (long)buf, (long)len, 0, 0, 0);
}

static inline long read(int fd, void *buf, unsigned long len)
{
	return syscall6(SYS_read, fd, (long)buf, (long)len, 0, 0, 0);
}

static inline long getpid(void)
{
	return syscall6(SYS_getpid, 0, 0, 0, 0, 0, 0);
}

/* Start the program path of the initrd with the argument string args ("" or NULL: none). */
static inline long spawn(const char *path, const char *args)
{
	return syscall6(SYS_spawn, (long)path, (long)args, 0, 0, 0, 0);
}

/* Wait for child pid (-1: any); *status as WAIT_* of syscall_nr.h says. Returns the pid. */
static inline long wait(int pid, int *status)
{
	return syscall6(SYS_wait, pid, (long)status, 0, 0, 0, 0);
}

/* Move the end of the heap by increment bytes; returns the old end. */
static inline long sbrk(long increment)
{
	return syscall6(SYS_sbrk, increment, 0, 0, 0, 0, 0);
}

/* Sleep ms milliseconds (SYS_sleep counts milliseconds, not seconds as libc's sleep does). */
static inline long msleep(unsigned long ms)
{
	return syscall6(SYS_sleep, (long)ms, 0, 0, 0, 0, 0);
}

static inline long yield(void)
{
	return syscall6(SYS_yield, 0, 0, 0, 0, 0, 0);
}

/* Ask the kernel to recurse depth frames deep on this process's kernel stack. */
static inline long recurse(unsigned long depth)
{
	return syscall6(SYS_recurse, (long)depth, 0, 0, 0, 0, 0);
}

/*
 * Run the crash test name in this process (the kernel's `lkdtm list`), as writing it to Linux's
 * provoke-crash/DIRECT does: its result, -EINVAL for an unknown name. REPORT_STACK returns
 * how far below the top of the kernel stack its frame was.
 */
static inline long lkdtm(const char *name)
{
	return syscall6(SYS_lkdtm, (long)name, 0, 0, 0, 0, 0);
}

/* A debug operation on this process's kernel stack (DEBUG_KSTACK_*), frames frames deep. */
static inline long debug_kstack(int op, unsigned long frames, void *buf, unsigned long len)
{
	return syscall6(SYS_debug_kstack, op, (long)frames, (long)buf, (long)len, 0, 0);
}

#endif
