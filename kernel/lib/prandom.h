/*
 * A small pseudo-random generator for the tortures: xorshift64* (Vigna), the same sequence from
 * the same seed on every machine, so a failing round can be replayed. Not for secrets: the
 * stack canaries and the stack offset draw from the CPU (kernel/stackprotector.c,
 * kernel/user/kstack_offset.h).
 */
#ifndef KERNEL_LIB_PRANDOM_H
#define KERNEL_LIB_PRANDOM_H

#include "kernel/lib/types.h"

/* The next number of the sequence in *state (never 0: a 0 seed stays 0). */
static inline u64 prandom_u64(u64 *state)
{
	u64 x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dUL;
}

#endif
