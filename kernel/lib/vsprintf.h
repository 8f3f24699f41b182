#ifndef KERNEL_VSPRINTF_H
#define KERNEL_VSPRINTF_H

#include <stdarg.h>

#include "kernel/lib/types.h"

/*
 * printf-style formatting: %d %i %u %x %X %o %c %s %p %%, with flags '-' '0' '#', a width, a
 * precision for %s, and the length modifiers l, ll, z. Always NUL-terminates; returns the length
 * the output would have had (like C's vsnprintf).
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Like vsnprintf(), but return the number of characters actually written (NUL excluded, 0 if
 * @size is 0), so "n += scnprintf(buf + n, size - n, ...)" appends without ever running past
 * @size. Inline on top of vsnprintf() so that host tests, which build one kernel file against
 * the C library, get it too.
 */
static inline __attribute__((format(printf, 3, 0))) int vscnprintf(char *buf, size_t size,
								   const char *fmt, va_list ap)
{
	int n = vsnprintf(buf, size, fmt, ap);

	if (n < 0 || !size)
		return 0;
	return (size_t)n < size ? n : (int)(size - 1);
}

static inline __attribute__((format(printf, 3, 4))) int scnprintf(char *buf, size_t size,
								  const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vscnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

#endif
