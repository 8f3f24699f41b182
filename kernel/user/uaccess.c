/*
 * Reading and writing user memory from the kernel: the only code that touches a pointer a
 * program handed a system call (lab 7: docs/labs/lab7-syscalls-user-memory.md). Each helper
 * refuses a range that is not wholly in the user half before touching it, copies with
 * instructions listed in the exception table (a page fault there resumes at a fixup that makes
 * the helper return -EFAULT: fixup_exception(), arch/x86_64/syscall.c), and opens user memory
 * (RFLAGS.AC, when SMAP is on) only around the copy.
 */
#include "kernel/user/uaccess.h"
#include "arch/x86_64/syscall.h"
#include "kernel/lib/errno.h"
#include "kernel/lib/string.h"
#include "kernel/user/elf.h"

/* LAB7: BEGIN the helpers: range checks, copies with their __ex_table entries, SMAP */
/*
 * Does [p, p + n) lie below USER_TOP? USER_TOP is below 2^47, so this also refuses every
 * kernel-half and non-canonical address. p + n is never computed: it can wrap around.
 */
static bool user_range_ok(u64 p, u64 n)
{
	return p <= USER_TOP && n <= USER_TOP - p;
}

/* stac and clac are invalid opcodes on a CPU without SMAP, where AC means nothing here. */
static __always_inline void user_access_begin(void)
{
	if (uaccess_smap)
		asm volatile("stac" ::: "memory");
}

static __always_inline void user_access_end(void)
{
	if (uaccess_smap)
		asm volatile("clac" ::: "memory");
}

/*
 * n bytes with one rep movsb; the bytes not copied (0 unless a page faulted). The __ex_table
 * entry (insn 1b, fixup 2b) names the instruction itself: on a fault RCX holds what was left,
 * and execution resumes right after it. Inlined, so each caller gets an entry of its own.
 */
static __always_inline u64 raw_copy(void *dst, const void *src, u64 n)
{
	asm volatile("1:	rep movsb\n"
		     "2:\n"
		     "	.pushsection __ex_table, \"a\"\n"
		     "	.balign 8\n"
		     "	.quad 1b, 2b\n"
		     "	.popsection\n"
		     : "+D"(dst), "+S"(src), "+c"(n)
		     :
		     : "memory");
	return n;
}

/* One byte of user memory into *c: 0, or -EFAULT if its page faulted. */
static __always_inline int get_user_byte(char *c, u64 addr)
{
	int err = 0;

	asm volatile("1:	movb (%[addr]), %[c]\n"
		     "	jmp 3f\n"
		     "2:	mov %[efault], %[err]\n"
		     "3:\n"
		     "	.pushsection __ex_table, \"a\"\n"
		     "	.balign 8\n"
		     "	.quad 1b, 2b\n"
		     "	.popsection\n"
		     : [err] "+r"(err), [c] "=q"(*c)
		     : [addr] "r"(addr), [efault] "i"(-EFAULT)
		     : "memory");
	return err;
}

long copy_from_user(void *dst, u64 src, size_t n)
{
	u64 left;

	if (!user_range_ok(src, n))
		return -EFAULT;
	user_access_begin();
	left = raw_copy(dst, (const void *)src, n);
	user_access_end();
	return left ? -EFAULT : 0;
}

long copy_to_user(u64 dst, const void *src, size_t n)
{
	u64 left;

	if (!user_range_ok(dst, n))
		return -EFAULT;
	user_access_begin();
	left = raw_copy((void *)dst, src, n);
	user_access_end();
	return left ? -EFAULT : 0;
}

/*
 * Byte by byte up to the NUL, reading no further than the user half: a string that runs into
 * USER_TOP is a bad pointer, but one that ends below it is fine however large n is.
 */
long strncpy_from_user(char *dst, u64 src, size_t n)
{
	u64 room, i;
	long ret = -E2BIG;

	if (!n || src >= USER_TOP)
		return -EFAULT;
	room = MIN(n, USER_TOP - src);
	user_access_begin();
	for (i = 0; i < room; i++) {
		if (get_user_byte(&dst[i], src + i)) {
			ret = -EFAULT;
			break;
		}
		if (!dst[i]) {
			ret = i;
			break;
		}
	}
	user_access_end();
	if (ret == -E2BIG && room < n)
		return -EFAULT;
	if (ret == -E2BIG)
		dst[n - 1] = '\0';
	return ret;
}
/* LAB7: END */
