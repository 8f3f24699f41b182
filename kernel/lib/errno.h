/*
 * Error numbers, with Linux's values so that a student can look them up. Kernel functions return
 * them negated (-EFAULT); system calls hand that value to the user program unchanged.
 */
#ifndef KERNEL_ERRNO_H
#define KERNEL_ERRNO_H

#define EPERM	1  /* operation not permitted */
#define ENOENT	2  /* no such file (in the initrd) */
#define ESRCH	3  /* no such process */
#define E2BIG	7  /* argument list too long */
#define ENOEXEC 8  /* not a valid program image */
#define ECHILD	10 /* no child to wait for */
#define EAGAIN	11 /* try again */
#define ENOMEM	12 /* out of memory */
#define EFAULT	14 /* bad address */
#define EBUSY	16 /* resource busy */
#define EINVAL	22 /* invalid argument */
#define ENOSYS	38 /* no such system call */

#endif
