/* The kernel's vsnprintf against the host C library's, on the conversions the kernel uses. */
#include <stdio.h>
#include <string.h>

#include "tests/tap.h"

int kernel_snprintf(char *buf, size_t size, const char *fmt, ...);
#define snprintf  kernel_snprintf
#define vsnprintf kernel_vsnprintf
#include "kernel/lib/vsprintf.c"
#undef snprintf
#undef vsnprintf

#define CHECK(fmt, ...)                                                                            \
	do {                                                                                       \
		char a[128], b[128];                                                               \
		int na = kernel_snprintf(a, sizeof(a), fmt, ##__VA_ARGS__);                        \
		int nb = snprintf(b, sizeof(b), fmt, ##__VA_ARGS__);                               \
		tap_ok(na == nb && !strcmp(a, b), "%-12s -> '%s' (libc '%s')", fmt, a, b);         \
	} while (0)

int main(void)
{
	char small[5];
	int n;

	tap_plan(21);
	CHECK("%d", -42);
	CHECK("%5d|%-5d|", 42, 42);
	CHECK("%05d", -42);
	CHECK("%u", 4000000000u);
	CHECK("%x %X", 0xbeefu, 0xbeefu);
	CHECK("%016lx", 0xffffffff80000000UL);
	CHECK("%#x", 255u);
	CHECK("%ld", (long)-9000000000L);
	CHECK("%lu", 18446744073709551615UL);
	CHECK("%zu", (size_t)12345);
	CHECK("%s|%10s|%-10s|", "a", "right", "left");
	CHECK("%.3s", "abcdef");
	CHECK("%c%c", 'o', 'k');
	CHECK("100%%");
	CHECK("%p", (void *)0x1000);
	CHECK("%o", 8u);
	CHECK("%d", 0);
	CHECK("%lx", 0UL);
	CHECK("%-3c|", 'x');
	n = kernel_snprintf(small, sizeof(small), "%s", "truncated");
	tap_ok(n == 9 && !strcmp(small, "trun"),
	       "truncation keeps a NUL and returns the full length");
	tap_ok(kernel_snprintf(NULL, 0, "%d", 12345) == 5, "size 0 writes nothing, counts all");
	return tap_done();
}
