/*
 * stackentropy [samples]: how unpredictable the kernel stack is at a system call, as Linux's
 * tools/testing/selftests/lkdtm/stack-entropy.sh measures it. Runs the crash test REPORT_STACK
 * (SYS_lkdtm) samples times (default 1000); each call returns how far below the top of the
 * kernel stack the test's frame was. The random offset per system call (the kernel's
 * randomize_kstack_offset) changes that figure; the bits of entropy are log2 of the number of
 * different figures seen. Prints them; exits 0, or 1 if a call failed.
 */
#include "user/lib/ulib.h"

#define MAX_OFFSET 65536 /* far more than a kernel stack: a figure past it is an error */

static unsigned char seen[MAX_OFFSET];

/* log2(n) in hundredths, rounded down: no floating point in user programs. */
static unsigned long log2_centi(unsigned long n)
{
	unsigned long bits = 0, frac = 0, x, i;

	while (n >> (bits + 1))
		bits++;
	/* x = n / 2^bits in 16.16 fixed point, 1 <= x < 2: square it, one binary digit a round. */
	x = (n << 16) >> bits;
	for (i = 0; i < 12; i++) {
		x = (x * x) >> 16;
		frac <<= 1;
		if (x >= 2UL << 16) {
			x >>= 1;
			frac |= 1;
		}
	}
	return bits * 100 + frac * 100 / 4096;
}

int main(int argc, char **argv)
{
	unsigned long samples = arg_num(argc, argv, 1, 1000), i, distinct = 0, centi;
	long off, lo = MAX_OFFSET, hi = 0;

	for (i = 0; i < samples; i++) {
		off = lkdtm("REPORT_STACK");
		if (off <= 0 || off >= MAX_OFFSET) {
			printf("stackentropy: REPORT_STACK returned %ld\n", off);
			return 1;
		}
		distinct += !seen[off];
		seen[off] = 1;
		lo = off < lo ? off : lo;
		hi = off > hi ? off : hi;
	}
	centi = log2_centi(distinct);
	printf("stackentropy: %lu samples, %lu different offsets from %ld to %ld bytes below the "
	       "stack's top\n",
	       samples, distinct, lo, hi);
	printf("Bits of stack entropy: %lu.%02lu\n", centi / 100, centi % 100);
	return 0;
}
