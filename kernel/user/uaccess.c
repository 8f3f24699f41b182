/* The checks around the raw copies of arch/x86_64/syscall_entry.asm. */
#include "kernel/user/uaccess.h"
#include "arch/x86_64/syscall.h"
#include "kernel/lib/errno.h"
#include "kernel/user/elf.h"

/*
 * USER_TOP is below 2^47, so every address this accepts is canonical too: kernel-half and
 * non-canonical pointers are refused here, before the CPU could #GP on them.
 */
bool access_ok(u64 p, u64 n)
{
	return p < USER_TOP && n <= USER_TOP - p;
}

long copy_from_user(void *dst, u64 src, size_t n)
{
	if (!access_ok(src, n))
		return -EFAULT;
	return n ? __copy_user(dst, (const void *)src, n) : 0;
}

long copy_to_user(u64 dst, const void *src, size_t n)
{
	if (!access_ok(dst, n))
		return -EFAULT;
	return n ? __copy_user((void *)dst, src, n) : 0;
}

long strncpy_from_user(char *dst, u64 src, size_t n)
{
	u64 room;
	long len;

	if (!n || !access_ok(src, 1))
		return -EFAULT;
	/* Read no further than the user half: a string running into its end is a bad pointer. */
	room = USER_TOP - src < n ? USER_TOP - src : n;
	len = __strncpy_user(dst, (const char *)src, room);
	if (len == -E2BIG && room < n)
		return -EFAULT;
	if (len == -E2BIG)
		dst[n - 1] = '\0';
	return len;
}
