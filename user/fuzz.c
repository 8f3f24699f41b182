/*
 * fuzz [seed [calls]]: throws random system-call numbers and arguments at the kernel, bad
 * pointers of every kind among them (NULL, the first page, the kernel half, non-canonical, read-
 * only text, a buffer running off the end of the data into the hole above it). The same seed
 * makes the same calls, so a failure can be replayed. The kernel must answer every call with a
 * result or an error and never panic; the few answers that are certain are checked (an unknown
 * number is -ENOSYS, a bad pointer to write is -EFAULT). Prints a summary; exits 0 if no check
 * failed.
 *
 * Calls that would end or stall the run are tamed: no exit, no read from fds 0-2 (the console
 * would wait for a key), short sleeps, a shallow SYS_recurse, no writes of readable memory to
 * the console (noise).
 */
#include "user/lib/ulib.h"

extern char _end[]; /* user/user.ld: the end of the data and bss */

static unsigned long rng;
static char buf[256];

/* xorshift64*: small, and the same sequence for the same seed. */
static unsigned long rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dUL;
}

enum ptr_kind { PTR_GOOD, PTR_READONLY, PTR_BAD, PTR_MAYBE };

/* A pointer argument; *kind says what the kernel must make of it. */
static long pick_ptr(enum ptr_kind *kind)
{
	unsigned long end_page = ((unsigned long)_end + 4095) & ~4095UL;

	*kind = PTR_BAD;
	switch (rnd() % 11) {
	case 0:
		return 0;
	case 1:
		return 1 + rnd() % 4096; /* the first page: never mapped */
	case 2:
		return (long)(0xffff888000000000UL + (rnd() & 0xfffff)); /* the direct map */
	case 3:
		return (long)(0xffffffff80000000UL + (rnd() & 0xfffff)); /* the kernel image */
	case 4:
		return (long)(0x0000800000000000UL - 1 - rnd() % 64); /* the top of the user half */
	case 5:
		return (long)(0x8000000000000000UL + (rnd() & 0xffffff)); /* non-canonical */
	case 6:
		*kind = PTR_GOOD;
		return (long)(buf + rnd() % 64);
	case 7:
		*kind = PTR_READONLY;
		return (long)main; /* text: may be read, never written */
	case 8:
		*kind = PTR_MAYBE;
		return (long)(end_page - 1 - rnd() % 32); /* runs into the hole (or the heap) */
	case 9:
		*kind = PTR_MAYBE;
		return (long)(0x400000UL - 1 - rnd() % 4096); /* just below the program */
	default:
		*kind = PTR_MAYBE;
		return (long)rnd();
	}
}

/* Any argument: a pointer, a small or negative number, or anything at all. */
static long pick_arg(void)
{
	enum ptr_kind kind;

	switch (rnd() % 4) {
	case 0:
		return pick_ptr(&kind);
	case 1:
		return (long)(rnd() % 64);
	case 2:
		return -(long)(rnd() % 64) - 1;
	default:
		return (long)rnd();
	}
}

struct stats {
	unsigned long calls, ok, efault, einval, enosys, other, failed;
};

static void count(struct stats *st, long ret)
{
	st->calls++;
	if (ret >= 0)
		st->ok++;
	else if (ret == -EFAULT)
		st->efault++;
	else if (ret == -EINVAL)
		st->einval++;
	else if (ret == -ENOSYS)
		st->enosys++;
	else
		st->other++;
}

static void check(struct stats *st, unsigned long i, bool ok, const char *what, long nr, long a1,
		  long a2, long a3, long ret)
{
	if (ok)
		return;
	if (st->failed++ >= 10)
		return; /* the count says how many more */
	printf("fuzz: FAIL: call %lu: %s: nr %ld (%ld, %p, %ld) returned %ld\n", i, what, nr, a1,
	       (void *)a2, a3, ret);
}

/* One call of a known number, with its arguments tamed as the header comment says. */
static void known_call(struct stats *st, unsigned long i, long nr)
{
	long a[6], ret;
	enum ptr_kind kind = PTR_MAYBE;
	int k, status;

	for (k = 0; k < 6; k++)
		a[k] = pick_arg();
	switch (nr) {
	case SYS_read:
		if (a[0] >= 0 && a[0] <= 2)
			a[0] += 3; /* the console would wait for a key */
		break;
	case SYS_write:
		if (rnd() % 2) {
			a[0] = 1 +
			       (long)(rnd() % 2); /* the console, where bad pointers are checked */
			a[2] = 1 + (long)(rnd() % 4096);
		}
		a[1] = pick_ptr(&kind);
		if ((a[0] == 1 || a[0] == 2) && kind != PTR_BAD)
			a[2] = 0; /* no garbage on the console */
		break;
	case SYS_spawn:
		a[0] = pick_ptr(&kind);
		break;
	case SYS_sbrk:
		a[0] = rnd() % 2 ? (long)(rnd() % (1 << 20)) - (1 << 19) : (long)rnd();
		break;
	case SYS_sleep:
		a[0] = (long)(rnd() % 3);
		break;
	case SYS_recurse:
		/* A frame may be large (lkdtm's are THREAD_SIZE / 8): a few only, or the kernel
		 * stack overflows and this process is killed, as it should be, but the run ends. */
		a[0] = (long)(rnd() % 4);
		break;
	}
	ret = syscall6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	count(st, ret);
	if (nr == SYS_write && (a[0] == 1 || a[0] == 2) && kind == PTR_BAD && a[2] > 0 &&
	    a[2] <= 4096)
		check(st, i, ret == -EFAULT, "write of a bad pointer", nr, a[0], a[1], a[2], ret);
	if (nr == SYS_spawn && kind == PTR_BAD)
		check(st, i, ret == -EFAULT, "spawn of a bad path", nr, a[0], a[1], a[2], ret);
	if (nr == SYS_spawn && ret > 0)
		wait((int)ret, &status); /* leave no child behind */
}

int main(int argc, char **argv)
{
	unsigned long seed = arg_num(argc, argv, 1, 1);
	unsigned long calls = arg_num(argc, argv, 2, 2000);
	struct stats st = { 0 };
	unsigned long i;
	long nr, ret;

	rng = seed * 0x9e3779b97f4a7c15UL + 1;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (char)rnd();
	printf("fuzz: seed %lu, %lu calls\n", seed, calls);
	for (i = 0; i < calls; i++) {
		if (rnd() % 4) {
			nr = 1 + (long)(rnd() % (NR_SYSCALLS - 1)); /* anything but exit */
			known_call(&st, i, nr);
			continue;
		}
		switch (rnd() % 3) {
		case 0:
			nr = NR_SYSCALLS + (long)(rnd() % 1000);
			break;
		case 1:
			nr = -1 - (long)(rnd() % 1000);
			break;
		default:
			nr = (long)rnd() | NR_SYSCALLS << 8; /* never a valid number */
		}
		ret = syscall6(nr, pick_arg(), pick_arg(), pick_arg(), pick_arg(), pick_arg(),
			       pick_arg());
		count(&st, ret);
		check(&st, i, ret == -ENOSYS, "unknown number", nr, 0, 0, 0, ret);
	}
	printf("fuzz: seed %lu: %lu calls: %lu ok, %lu EFAULT, %lu EINVAL, %lu ENOSYS, %lu other "
	       "errors; %lu checks failed\n",
	       seed, st.calls, st.ok, st.efault, st.einval, st.enosys, st.other, st.failed);
	return st.failed ? 1 : 0;
}
