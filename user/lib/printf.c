/*
 * printf for user programs: formats into a buffer and writes it with one SYS_write, so a line
 * printed at once is not split by another process's output. The formatting is the kernel's
 * own vsnprintf (user/lib/vsprintf.c): integers, strings and characters, no floating point.
 */
#include "user/lib/ulib.h"

#define PRINTF_BUF 512

int printf(const char *fmt, ...)
{
	char buf[PRINTF_BUF];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1; /* cut, rather than a second write another line could split */
	return write(1, buf, n);
}

int puts(const char *s)
{
	return printf("%s\n", s);
}
