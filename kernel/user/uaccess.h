/*
 * Reading and writing user memory from the kernel. Every pointer a program hands a system call
 * goes through these: a pointer outside the user half (kernel half, non-canonical) is refused
 * before anything is touched, and a page fault on the way (unmapped, a hole in the range,
 * read-only for copy_to_user) makes the copy return -EFAULT through the exception table
 * instead of an oops. With SMAP on, nothing else in the kernel can touch user memory at all.
 */
#ifndef KERNEL_USER_UACCESS_H
#define KERNEL_USER_UACCESS_H

#include "kernel/lib/types.h"

/*
 * 0, or -EFAULT: a range not wholly below USER_TOP is refused before a byte is touched; a page
 * fault during the copy also gives -EFAULT, and then the destination may hold part of the data.
 * n = 0 copies nothing: 0 for a pointer at or below USER_TOP, -EFAULT above it (so that
 * write(fd, kernel pointer, 0) is -EFAULT, as in Linux).
 */
long copy_from_user(void *dst, u64 src, size_t n);
long copy_to_user(u64 dst, const void *src, size_t n);
/*
 * Copy a NUL-terminated string of at most n - 1 characters and its NUL into dst[0..n): its
 * length; -E2BIG if the first n bytes hold no NUL (then dst[n - 1] is '\0' and nothing past
 * dst[n - 1] was written); -EFAULT if n is 0, src is not below USER_TOP, a page faulted, or the
 * string runs into USER_TOP. Reads no byte past its NUL, so a short string right below USER_TOP
 * (or right below a hole) is fine whatever n is.
 */
long strncpy_from_user(char *dst, u64 src, size_t n);

/* System calls that returned to user mode with RFLAGS.AC set (do_syscall() reports each). */
extern u64 uaccess_ac_leaks;

#endif
