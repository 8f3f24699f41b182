/*
 * badptr: hands every kind of bad pointer to every system call that takes one, and checks that
 * each call fails with -EFAULT instead of faulting in the kernel or using the memory:
 * NULL, the first page, just below the program, the kernel's direct map and image, the lowest
 * non-canonical address and the highest, a buffer running from the top of the user half into
 * the non-canonical hole, one running from the heap's end into unmapped memory, one wrapping
 * around the end of the address space, and read-only text as somewhere for the kernel to write.
 * Prints each failure and a summary; exits 0 if every call failed as it should.
 *
 * Not covered: read, whose console may wait for a key before it looks at the buffer.
 */
#include "user/lib/ulib.h"

struct bad {
	const char *what;
	unsigned long addr;
};

static int checks, failed;

static void expect_efault(const char *call, const struct bad *b, long ret)
{
	int status;

	checks++;
	if (ret > 0 && call[0] == 's')
		wait((int)ret, &status); /* a spawn that should have failed: leave no child */
	if (ret == -EFAULT)
		return;
	failed++;
	printf("badptr: FAIL: %s with %s (%p) returned %ld, not -EFAULT (%d)\n", call, b->what,
	       (void *)b->addr, ret, -EFAULT);
}

/* wait() on a fresh child with status at b->addr; the child is reaped either way. */
static void check_wait(const struct bad *b)
{
	int status;
	long pid = spawn("exit42", "");

	if (pid < 0) {
		printf("badptr: cannot spawn exit42 (%ld): wait not checked with %s\n", pid,
		       b->what);
		return;
	}
	expect_efault("wait(child, status)", b, wait((int)pid, (int *)b->addr));
	wait((int)pid, &status); /* reaps it if the bad wait did not */
}

/*
 * One heap page, every byte of it not NUL, and the address 2 bytes before its end: a string
 * there has no end before the unmapped page above, and a 4-byte status does not fit. (Zeroed
 * memory would end a string at once: a bad pointer that never reached the hole.)
 */
static unsigned long heap_edge(void)
{
	long page = sbrk(4096);

	if (page < 0)
		return (unsigned long)page;
	memset((void *)page, 'A', 4096);
	return (unsigned long)page + 4096 - 2;
}

int main(int argc, char **argv)
{
	unsigned long edge = heap_edge();
	struct bad bad[] = {
		{ "NULL", 0 },
		{ "the first page", 0x10 },
		{ "the page below the program", 0x3ff000 },
		{ "the direct map", 0xffff888000000000UL },
		{ "the kernel image", 0xffffffff80000000UL },
		{ "the lowest non-canonical address", 0x0000800000000000UL },
		{ "the highest non-canonical address", 0xffff7fffffffffffUL },
		{ "the top of the user half, running into the hole", 0x00007ffffffffff8UL },
		{ "the heap's end, running into unmapped memory", edge },
		{ "a range wrapping around the end of the address space", 0xfffffffffffffffeUL },
	};
	const struct bad text = { "read-only text", (unsigned long)main };
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const struct bad *b = &bad[i];

		if (i == 8 && (long)edge < 0) {
			printf("badptr: sbrk(4096) failed (%ld): the heap's end not checked\n",
			       (long)edge);
			continue;
		}
		expect_efault("write(1, buf, 16)", b, write(1, (const void *)b->addr, 16));
		expect_efault("spawn(path, \"\")", b, spawn((const char *)b->addr, ""));
		if (b->addr) /* a NULL argument string means none */
			expect_efault("spawn(\"exit42\", args)", b,
				      spawn("exit42", (const char *)b->addr));
		if (b->addr) /* a NULL status means: not wanted */
			check_wait(b);
	}
	check_wait(&text);
	printf("badptr: %d checks, %d failed\n", checks, failed);
	return failed ? 1 : 0;
}
