/* stacktorture: stack overflows at random points, each followed by a check that all is whole. */
#ifndef DEBUG_TORTURE_H
#define DEBUG_TORTURE_H

#include "kernel/lib/types.h"

struct torture_result {
	u64 killed;   /* rounds whose victim overflowed and was killed */
	u64 survived; /* rounds whose victim did not go deep enough to overflow */
};

/*
 * Rounds first .. rounds-1; round i's victim runs the program of seed + i * a constant, so any
 * round can be replayed alone. kill_only: only actions where an overflow must be killed (no
 * lock, allocation or scheduler in the way), so no round may panic. True if, after every round,
 * the system was whole; an overflow that policy answers with a panic does not come back.
 */
bool stacktorture(u64 rounds, u64 seed, u64 first, bool kill_only, struct torture_result *res);

/*
 * heaptorture (kernel/debug/heaptorture.c): rounds heap bugs of random kinds on objects of the
 * KFENCE pool, from seed; *killed counts the victims killed for a bad access. True if every round
 * ended as it must and left the system whole.
 */
bool heaptorture(u64 rounds, u64 seed, u64 *killed);

#endif
