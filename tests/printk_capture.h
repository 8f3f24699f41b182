/*
 * For host tests and fuzzers of kernel code that reports with printk(): printk() keeps the
 * last message, without its newline, in last_msg, for the test to check (or ignore).
 */
#ifndef TESTS_PRINTK_CAPTURE_H
#define TESTS_PRINTK_CAPTURE_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static char last_msg[512];

int printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	va_end(ap);
	last_msg[strcspn(last_msg, "\n")] = 0; /* one line */
	return n;
}

#endif
