/*
 * The user runtime: what a program of user/ gets besides the system calls (user/lib/syscall.h).
 * No libc: these few functions are all there is.
 */
#ifndef USER_ULIB_H
#define USER_ULIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "kernel/lib/errno.h"
#include "user/lib/syscall.h"

/* The program's entry point, called by the start code; its return value is the exit status. */
int main(int argc, char **argv);

size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
void *memset(void *s, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
/* A decimal (or 0x hex) number; *end (if not NULL) is set past its last digit. */
unsigned long strtoul(const char *s, char **end);
/* argv[i] as a number, or def if there is no such argument or it is not a number. */
unsigned long arg_num(int argc, char **argv, int i, unsigned long def);

/*
 * Formatted output to the console (fd 1), formatted as the kernel formats (kernel/lib/vsprintf.h,
 * built into the runtime as user/lib/vsprintf.c): %d %i %u %x %X %o %p %s %c %%, flags - 0 #, a
 * width, a precision for %s, and l, ll, z.
 */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* s and a newline. */
int puts(const char *s);

#endif
