/*
 * bench_kstack frames count: count system calls that each use `frames` frames of kernel stack
 * (SYS_debug_kstack's DEBUG_KSTACK_USE, 512 bytes a frame), then exits 0 (1 if a call failed).
 * kernel/debug/bench_user.c times it with count N and with 0, as syscall_null: what a call of
 * that depth costs, and with stack erasing on, what erasing that depth costs.
 */
#include "user/lib/ulib.h"

int main(int argc, char **argv)
{
	unsigned long frames = arg_num(argc, argv, 1, 1), count = arg_num(argc, argv, 2, 0), i;
	int bad = 0;

	for (i = 0; i < count; i++)
		bad |= debug_kstack(DEBUG_KSTACK_USE, frames, NULL, 0) != 0;
	return bad;
}
