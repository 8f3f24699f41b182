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

/* Does [p, p + n) lie in the user half (no wrap-around)? */
bool access_ok(u64 p, u64 n);
/* 0, or -EFAULT (then dst may hold part of the data). */
long copy_from_user(void *dst, u64 src, size_t n);
long copy_to_user(u64 dst, const void *src, size_t n);
/* Copy a NUL-terminated string of at most n - 1 characters: its length, -EFAULT or -E2BIG. */
long strncpy_from_user(char *dst, u64 src, size_t n);

#endif
