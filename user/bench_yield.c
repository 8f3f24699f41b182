/*
 * bench_yield count: yields count times, then exits 0. kernel/debug/bench_user.c starts two of
 * them together: each yield hands the CPU to the other, a switch from one process to another.
 */
#include "user/lib/ulib.h"

int main(int argc, char **argv)
{
	unsigned long count = arg_num(argc, argv, 1, 0), i;

	for (i = 0; i < count; i++)
		yield();
	return 0;
}
