/*
 * Lab 7's stubs (docs/labs/lab7-syscalls-user-memory.md), one for each LAB7 solution
 * region: scripts/handout puts them in the lab's handout in place of the solutions. Not
 * compiled here. Each sits under a line naming the region's file and title (the text of its
 * BEGIN marker); the lines down to the next such line are the stub, blank lines at either
 * end aside. docs/labs/INSTRUCTORS.md says how to edit one.
 */

/* STUB kernel/user/uaccess.c: the helpers: range checks, copies with their __ex_table entries, SMAP */
/*
 * TODO: write the three helpers as uaccess.h specifies them. Each must refuse a range that is
 * not wholly in the user half before touching it (-EFAULT), copy with instructions that have
 * __ex_table entries of their own (a page fault there must return -EFAULT, not panic), and open
 * user memory with SMAP (stac/clac when uaccess_smap) only around the copy, fault or not.
 * These stubs trust the pointer, as a kernel without the checks would.
 */
long copy_from_user(void *dst, u64 src, size_t n)
{
	memcpy(dst, (const void *)src, n);
	return 0;
}

long copy_to_user(u64 dst, const void *src, size_t n)
{
	memcpy((void *)dst, src, n);
	return 0;
}

long strncpy_from_user(char *dst, u64 src, size_t n)
{
	const char *s = (const char *)src;
	size_t i;

	for (i = 0; i < n; i++) {
		dst[i] = s[i];
		if (!s[i])
			return i;
	}
	return -E2BIG;
}
