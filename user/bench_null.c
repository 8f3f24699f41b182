/*
 * bench_null count: count getpid calls, the null system call, then exits 0 (1 if a call gave a
 * wrong answer). kernel/debug/bench_user.c times it with count N and with 0: the difference is
 * N round trips from ring 3 into the kernel and back.
 */
#include "user/lib/ulib.h"

int main(int argc, char **argv)
{
	unsigned long count = arg_num(argc, argv, 1, 0), i;
	long pid = count ? getpid() : 0;
	int bad = 0;

	/* The first call is made above, so the loop makes count - 1 more: count in all. */
	for (i = 1; i < count; i++)
		bad |= getpid() != pid;
	return bad;
}
