#ifndef KERNEL_VSPRINTF_H
#define KERNEL_VSPRINTF_H

#include <stdarg.h>

#include "kernel/types.h"

/*
 * printf-style formatting: %d %i %u %x %X %o %c %s %p %%, with flags '-' '0' '#', a width, a
 * precision for %s, and the length modifiers l, ll, z. Always NUL-terminates; returns the length
 * the output would have had (like C's vsnprintf).
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
