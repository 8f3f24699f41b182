/*
 * What the system calls of kernel/user/syscall.c take from the layers above them.
 */
#ifndef KERNEL_USER_SYSCALL_H
#define KERNEL_USER_SYSCALL_H

/* The longest crash-test name SYS_lkdtm takes, its NUL included. */
#define LKDTM_NAME_MAX 48

/*
 * SYS_lkdtm runs a crash test in the calling process, as writing its name to Linux's
 * provoke-crash/DIRECT does. The tests live in kernel/debug, a layer above this one, which
 * plugs them in here at boot (kernel/init/main.c): the test's result, or -EINVAL for an unknown
 * name. NULL: SYS_lkdtm answers -ENOSYS.
 */
extern long (*lkdtm_syscall)(const char *name);

#endif
