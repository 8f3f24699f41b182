/*
 * stackleak [frames]: the info leak that stack erasing stops, from ring 3. One system call
 * leaves a secret deep on this process's kernel stack and returns; a second, deliberately leaky
 * one copies an uninitialised stack buffer of the same depth out to us. Without erasing
 * (kstack_erase=off) what it copies is what the first call left: the secret. With erasing,
 * the kernel poisoned the stack before returning from the first call: poison comes out, and
 * whatever an interrupt taken during the second call wrote there (its own frame: not a leak).
 * frames: how deep, in DEBUG_KSTACK_FRAME-byte frames (default 4: 2 KiB).
 *
 * stackleak check: deep system calls, then lkdtm STACKLEAK_ERASING's check of the stack below
 * the next call's stack pointer; exits 0 if it is all poison, 1 if not.
 *
 * stackleak depth: a deep call, then a shallow one; the erase after the shallow one must not
 * reach a word 4 KiB deep (its cost follows the depth the call used); exits 0 if it did not.
 */
#include "user/lib/ulib.h"

#define MAX_BYTES (DEBUG_KSTACK_MAX_FRAMES * DEBUG_KSTACK_FRAME)

static unsigned long leaked[MAX_BYTES / sizeof(unsigned long)];

/* Is the secret's text in buf (n bytes)? */
static bool has_secret(const char *buf, size_t n)
{
	static const char text[] = DEBUG_KSTACK_SECRET_TEXT;
	size_t len = sizeof(text) - 1, i, j;

	for (i = 0; i + len <= n; i++) {
		for (j = 0; j < len && buf[i + j] == text[j]; j++)
			;
		if (j == len)
			return true;
	}
	return false;
}

static int check(void)
{
	long ret;

	/*
	 * 8 KiB deep, with a tracked point at the bottom below 8 KiB of never-written buffers
	 * (poison, to a scan from the top), then 4 KiB deep: far more than the check lets pass
	 * below its stack pointer.
	 */
	debug_kstack(DEBUG_KSTACK_LEAK_UNINIT, DEBUG_KSTACK_MAX_FRAMES, leaked, sizeof(leaked));
	debug_kstack(DEBUG_KSTACK_USE, 8, NULL, 0);
	ret = debug_kstack(DEBUG_KSTACK_CHECK_ERASED, 0, NULL, 0);
	printf("stackleak: check: %s\n", ret ? "NOT erased" : "erased");
	return ret ? 1 : 0;
}

/*
 * The erase's cost follows the depth this call used: after a deep call (with a tracked point
 * at its bottom) a shallow one's erase must leave a marker 4 KiB deep alone. An erase that
 * poisons the whole stack, or from a deepest point kept from an earlier call, overwrites it.
 */
static int depth(void)
{
	long ret, there;

	debug_kstack(DEBUG_KSTACK_LEAK_UNINIT, DEBUG_KSTACK_MAX_FRAMES, leaked, sizeof(leaked));
	ret = debug_kstack(DEBUG_KSTACK_MARK, 4096, NULL, 0);
	there = debug_kstack(DEBUG_KSTACK_MARKED, 4096, NULL, 0);
	if (ret) {
		printf("stackleak: depth: the word 4096 bytes deep was not poison: %ld\n", ret);
		return 1;
	}
	if (there != 1) {
		printf("stackleak: depth: the erase after a shallow call reached 4096 bytes "
		       "deep\n");
		return 1;
	}
	printf("stackleak: depth: the erase after a shallow call left 4096 bytes deep alone\n");
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long frames, bytes, i, poison = 0, zero = 0, other = 0;
	long ret;

	if (argc > 1 && !strcmp(argv[1], "check"))
		return check();
	if (argc > 1 && !strcmp(argv[1], "depth"))
		return depth();
	frames = arg_num(argc, argv, 1, 4);
	bytes = frames * DEBUG_KSTACK_FRAME;
	if (!frames || frames > DEBUG_KSTACK_MAX_FRAMES) {
		printf("usage: stackleak [frames: 1-%d] | stackleak check | stackleak depth\n",
		       DEBUG_KSTACK_MAX_FRAMES);
		return 2;
	}
	printf("stackleak: a secret %lu bytes deep on the kernel stack, then an uninitialised "
	       "buffer as deep copied out\n",
	       bytes);
	/* Back to back: nothing of ours may run on the kernel stack in between. */
	debug_kstack(DEBUG_KSTACK_SECRET, frames, NULL, 0);
	ret = debug_kstack(DEBUG_KSTACK_LEAK_UNINIT, frames, leaked, sizeof(leaked));
	if (ret) {
		printf("stackleak: the leaky call failed: %ld\n", ret);
		return 2;
	}
	for (i = 0; i < bytes / sizeof(unsigned long); i++) {
		if (leaked[i] == STACKLEAK_POISON)
			poison++;
		else if (!leaked[i])
			zero++;
		else
			other++;
	}
	printf("stackleak: %lu words read: %lu poison (%#lx), %lu zero, %lu other\n",
	       bytes / sizeof(unsigned long), poison, STACKLEAK_POISON, zero, other);
	if (has_secret((const char *)leaked, bytes)) {
		printf("stackleak: LEAKED the secret: \"%s\"\n", DEBUG_KSTACK_SECRET_TEXT);
		return 1;
	}
	printf("stackleak: no secret leaked\n");
	return 0;
}
