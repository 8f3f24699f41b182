/*
 * The system-call interface, shared by the kernel and the user runtime (so the two cannot
 * disagree). A program puts the number in %rax and the arguments in %rdi, %rsi, %rdx, %r10, %r8,
 * %r9 (the Linux x86-64 convention: %rcx and %r11 are taken by the syscall instruction), and gets
 * the result back in %rax: a negative value is an error number (kernel/lib/errno.h), negated.
 */
#ifndef USER_SYSCALL_NR_H
#define USER_SYSCALL_NR_H

#define SYS_exit    0  /* (int code): does not return; wait() sees W_EXITCODE(code, 0) */
#define SYS_write   1  /* (int fd, const void *buf, size_t len): fd 1 and 2 are the console */
#define SYS_read    2  /* (int fd, void *buf, size_t len): fd 0 is the console */
#define SYS_getpid  3  /* () */
#define SYS_spawn   4  /* (const char *path, const char *args): the child's pid */
#define SYS_wait    5  /* (int pid, int *status): -1 waits for any; status: exit_status.h */
#define SYS_sbrk    6  /* (long increment): the old break */
#define SYS_sleep   7  /* (unsigned long ms) */
#define SYS_yield   8  /* () */
#define SYS_recurse 9  /* (unsigned long depth): the kernel recurses depth frames on its stack */
#define SYS_lkdtm   10 /* (const char *name): run a crash test of kernel/debug/lkdtm.c here */
/* (int op, unsigned long arg, void *buf, size_t len): a debug call, DEBUG_KSTACK_* below */
#define SYS_debug_kstack 11
#define NR_SYSCALLS	 12

/*
 * The operations of SYS_debug_kstack, for the stack-erasing demonstration (user/stackleak.c):
 * each runs `arg` frames of DEBUG_KSTACK_FRAME bytes deep on the caller's kernel stack.
 */
#define DEBUG_KSTACK_FRAME	  512
#define DEBUG_KSTACK_MAX_FRAMES	  16
#define DEBUG_KSTACK_SECRET	  0 /* write DEBUG_KSTACK_SECRET_TEXT over and over in each frame */
#define DEBUG_KSTACK_LEAK_UNINIT  1 /* deliberately leaky: copy the unwritten frames to buf */
#define DEBUG_KSTACK_USE	  2 /* write each frame (what a deep system call does) */
#define DEBUG_KSTACK_CHECK_ERASED 3 /* lkdtm STACKLEAK_ERASING: 0 if all below RSP is poison */
#define DEBUG_KSTACK_MARK	  4 /* a marker `arg` bytes below the stack's top, in the poison */
#define DEBUG_KSTACK_MARKED	  5 /* 1 if that marker is still there (and remove it), else 0 */
#define DEBUG_KSTACK_SECRET_TEXT  "the vault code is 4711; "

/*
 * What stack erasing (kernel/user/stackleak.c) fills the unused kernel stack with, as Linux: the
 * words DEBUG_KSTACK_LEAK_UNINIT copies out are this where nothing was left behind. One copy for
 * the kernel, the user programs and syscall_entry.asm (through arch/x86_64/asm-offsets.c).
 */
#define STACKLEAK_POISON (-0xBEEFUL)

#endif
