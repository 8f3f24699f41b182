/*
 * The checks around the raw copies of arch/x86_64/syscall_entry.asm; copy_from_user() does its
 * own copy, with its own exception-table entry (lab 7: docs/labs/lab7-syscalls-user-memory.md).
 */
#include "kernel/user/uaccess.h"
#include "arch/x86_64/syscall.h"
#include "kernel/lib/errno.h"
#include "kernel/lib/string.h"
#include "kernel/user/elf.h"

/*
 * USER_TOP is below 2^47, so every address this accepts is canonical too: kernel-half and
 * non-canonical pointers are refused here, before the CPU could #GP on them.
 */
bool access_ok(u64 p, u64 n)
{
	return p < USER_TOP && n <= USER_TOP - p;
}

/* LAB7: BEGIN copy_from_user(): the address check, and a copy whose fault returns -EFAULT */
/*
 * The copy is one rep movsb at label 1. Its __ex_table entry (insn 1b, fixup 2b) tells the fault
 * handler (fixup_exception(), arch/x86_64/syscall.c) where to resume if a page of the source
 * is missing: at 2, which sets -EFAULT. The entry must name the instruction that faults, so
 * it is written next to it; the registers the fixup needs (ret) are outputs of the same asm.
 */
long copy_from_user(void *dst, u64 src, size_t n)
{
	long ret = 0;

	/*
	 * The whole range in the user half: no wrap-around (src + n computed without overflow),
	 * nothing at or past USER_TOP (which also refuses the kernel half and every non-canonical
	 * address, since USER_TOP < 2^47). A kernel pointer must never be copied: it is mapped.
	 */
	if (src >= USER_TOP || n > USER_TOP - src)
		return -EFAULT;
	if (!n)
		return 0;
	if (uaccess_smap)
		asm volatile("stac" ::: "memory");
	asm volatile("1:	rep movsb\n"
		     "	jmp 3f\n"
		     "2:	mov %[efault], %[ret]\n"
		     "3:\n"
		     "	.pushsection __ex_table, \"a\"\n"
		     "	.balign 8\n"
		     "	.quad 1b, 2b\n"
		     "	.popsection\n"
		     : [ret] "+r"(ret), "+D"(dst), "+S"(src), "+c"(n)
		     : [efault] "i"(-EFAULT)
		     : "memory");
	if (uaccess_smap)
		asm volatile("clac" ::: "memory");
	return ret;
}
#if 0  /* LAB7: STUB */
/*
 * TODO: refuse a range that is not wholly in the user half (-EFAULT), then copy with SMAP
 * opened (stac/clac when uaccess_smap), in an asm statement with its own __ex_table entry, so
 * that a page fault in the copy returns -EFAULT instead of a panic. This stub trusts the
 * pointer, as a kernel without these checks would.
 */
long copy_from_user(void *dst, u64 src, size_t n)
{
	memcpy(dst, (const void *)src, n);
	return 0;
}
#endif /* LAB7: END */

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
