/*
 * Recurses without end on its user stack: it must run into the unmapped guard gap below the
 * stack and be killed with a segfault, never reach other memory. Each frame holds a 256-byte
 * buffer that is written, so the compiler can neither drop the frame nor turn the recursion
 * into a loop.
 */
#include "user/lib/ulib.h"

static unsigned long deepest;
static volatile unsigned long limit; /* 0: none (the compiler cannot know it stays so) */

static unsigned long __attribute__((noinline)) dive(unsigned long depth)
{
	volatile char buf[256];

	buf[0] = (char)depth;
	buf[sizeof(buf) - 1] = (char)depth;
	if (depth > deepest)
		deepest = depth;
	if (depth % 1024 == 0)
		printf("stackoverflow: %lu frames, %lu KiB\n", depth, depth * 272 / 1024);
	if (limit && depth >= limit)
		return 0;
	return dive(depth + 1) + buf[0] + buf[sizeof(buf) - 1];
}

int main(int argc, char **argv)
{
	printf("stackoverflow: recursing until the stack runs out\n");
	dive(1);
	printf("stackoverflow: FAIL: the recursion returned\n");
	return 1;
}
