/*
 * victim: says so, then blocks in read() on the console until a line comes. All that time its
 * saved user registers and the kernel's call chain of the read sit at the top of its kernel
 * stack: what a neighbour's overrun would write over (tests/kernel/test_clobber.c).
 */
#include "user/lib/ulib.h"

int main(int argc, char **argv)
{
	char buf[64];
	long n;

	(void)argc;
	(void)argv;

	printf("victim: waiting in read()\n");
	n = read(0, buf, sizeof(buf));
	printf("victim: read returned %ld\n", n);
	return 0;
}
