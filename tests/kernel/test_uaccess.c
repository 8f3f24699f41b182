/*
 * User memory from the kernel: copy_from_user() and its kin refuse every bad pointer with
 * -EFAULT instead of an oops (lab 7 grades them test by test), and with SMAP and SMEP
 * (QEMU: -cpu max) the kernel cannot touch or run a user page outside them. The tests borrow an
 * address space of their own: a kernel task has no user half.
 */
#include "arch/x86_64/asm/irqflags.h"
#include "arch/x86_64/asm/processor-flags.h"
#include "arch/x86_64/syscall.h"
#include "kernel/debug/ktest.h"
#include "kernel/lib/errno.h"
#include "kernel/lib/ksyms.h"
#include "kernel/lib/string.h"
#include "kernel/task.h"
#include "kernel/user/elf.h"
#include "kernel/user/uaccess.h"
#include "mm/user_mm.h"

KTEST(user, kernel_half_and_non_canonical_pointers_are_refused_up_front)
{
	char buf[8];

	KT_EXPECT(copy_from_user(buf, 0xffff888000000000UL, 1) == -EFAULT);
	KT_EXPECT(copy_to_user(0x0000800000000000UL, buf, 1) == -EFAULT);
	KT_EXPECT(copy_from_user(buf, USER_TOP - 4, 8) == -EFAULT);
	KT_EXPECT(copy_from_user(buf, ~0UL - 3, 8) == -EFAULT); /* wraps around */
	KT_EXPECT(strncpy_from_user(buf, 0xffffffff80000000UL, sizeof(buf)) == -EFAULT);
	/* Nothing is mapped in a kernel task's user half: the fault is caught, not an oops. */
	KT_EXPECT(copy_from_user(buf, USER_BASE, 8) == -EFAULT);
	KT_EXPECT(strncpy_from_user(buf, USER_BASE, sizeof(buf)) == -EFAULT);
}

/*
 * The helpers kind by kind (lab 7 grades each test): the test task borrows an address space
 * with three mapped ranges, each with a hole above it: UA_DATA, two read-only pages whose byte
 * i is ua_byte(i) (never 0); UA_RW, two writable pages of 'A'; and UA_TOP, the last page of the
 * user half, writable, of 'T'. A kernel without the checks or the fixups reads or writes what it
 * should not, or panics on the first bad pointer (a kernel-mode fault with no __ex_table entry).
 * Every call must also leave RFLAGS.AC clear (user memory closed again: with SMAP, QEMU's
 * -cpu max, a copy that does not clac leaves SMAP off) and take no fault that fixup_exception()
 * reports (one that a correct range check would have prevented, or one without stac).
 */
#define UA_PAGES    2
#define UA_DATA	    USER_BASE
#define UA_DATA_END (UA_DATA + UA_PAGES * PAGE_SIZE)
#define UA_RW	    (USER_BASE + 16 * PAGE_SIZE)
#define UA_RW_END   (UA_RW + UA_PAGES * PAGE_SIZE)
#define UA_TOP	    (USER_TOP - PAGE_SIZE)

static u8 ua_dst[UA_PAGES * PAGE_SIZE + 16];
static struct user_mm *ua_mm;

static u8 ua_byte(u64 i)
{
	return (u8)((i * 7 + (i >> 9)) % 255 + 1);
}

static u8 *ua_user(u64 va)
{
	return user_page_address(ua_mm, va);
}

/* Fill [va, va + n) of the borrowed space with c (through the kernel's own mapping). */
static void ua_fill(u64 va, u64 n, u8 c)
{
	while (n--)
		*ua_user(va++) = c;
}

static void ua_put_string(u64 va, const char *s)
{
	do
		*ua_user(va++) = *s;
	while (*s++);
}

static bool ua_borrow_mm(void)
{
	u64 i;

	ua_mm = user_mm_create();
	if (!ua_mm)
		return false;
	if (user_map_zeroed(ua_mm, UA_DATA, UA_PAGES, 0) ||
	    user_map_zeroed(ua_mm, UA_RW, UA_PAGES, UMAP_WRITE) ||
	    user_map_zeroed(ua_mm, UA_TOP, 1, UMAP_WRITE)) {
		user_mm_destroy(ua_mm);
		return false;
	}
	for (i = 0; i < UA_PAGES * PAGE_SIZE; i++)
		*ua_user(UA_DATA + i) = ua_byte(i);
	ua_fill(UA_RW, UA_PAGES * PAGE_SIZE, 'A');
	ua_fill(UA_TOP, PAGE_SIZE, 'T');
	current->mm = ua_mm;
	switch_mm(ua_mm);
	return true;
}

static void ua_return_mm(void)
{
	current->mm = NULL;
	switch_mm(NULL);
	user_mm_destroy(ua_mm);
	ua_mm = NULL;
}

static bool ac_set(void)
{
	return local_save_flags() & X86_EFLAGS_AC;
}

/*
 * What every call must leave behind, whatever it returned: user memory closed, and no fault
 * reported by fixup_exception() since `bad` was read.
 */
static void ua_after(const char *call, u64 addr, u64 n, const char *what, u64 bad)
{
	KT_EXPECT_MSG(!ac_set(),
		      "RFLAGS.AC is still set after %s(%s: %#lx, %lu): user memory "
		      "stays open, SMAP is off for the rest of the system call",
		      call, what, addr, n);
	KT_EXPECT_MSG(uaccess_bad_fixups == bad,
		      "%s(%s: %#lx, %lu) took a fault it must not take (see 'uaccess: BUG' above)",
		      call, what, addr, n);
}

/* addr with n bytes (n at most 16) must give -EFAULT from all three helpers (the writer last). */
static void ua_expect_efault(u64 addr, size_t n, const char *what)
{
	u8 buf[16];
	u64 bad = uaccess_bad_fixups;
	long ret;

	memset(buf, 0, sizeof(buf));
	ret = copy_from_user(buf, addr, n);
	KT_EXPECT_MSG(ret == -EFAULT, "copy_from_user(%s: %#lx, %lu) returned %ld, not -EFAULT",
		      what, addr, (u64)n, ret);
	ua_after("copy_from_user", addr, n, what, bad);
	bad = uaccess_bad_fixups;
	ret = strncpy_from_user((char *)buf, addr, n);
	KT_EXPECT_MSG(ret == -EFAULT, "strncpy_from_user(%s: %#lx, %lu) returned %ld, not -EFAULT",
		      what, addr, (u64)n, ret);
	ua_after("strncpy_from_user", addr, n, what, bad);
	bad = uaccess_bad_fixups;
	ret = copy_to_user(addr, buf, n);
	KT_EXPECT_MSG(ret == -EFAULT, "copy_to_user(%s: %#lx, %lu) returned %ld, not -EFAULT", what,
		      addr, (u64)n, ret);
	ua_after("copy_to_user", addr, n, what, bad);
}

KTEST(user, copy_from_user_copies_a_range_across_pages)
{
	u64 i, bad = 0;
	long ret;

	KT_ASSERT(ua_borrow_mm());
	memset(ua_dst, 0, sizeof(ua_dst));
	ret = copy_from_user(ua_dst, UA_DATA, UA_PAGES * PAGE_SIZE);
	KT_EXPECT_MSG(ret == 0, "copying two mapped pages returned %ld%s", ret,
		      uaccess_smap ? " (SMAP is on: is user memory opened with stac?)" : "");
	for (i = 0; i < UA_PAGES * PAGE_SIZE; i++)
		bad += ua_dst[i] != ua_byte(i);
	KT_EXPECT_MSG(!bad, "%lu of %lu bytes copied wrong", bad, UA_PAGES * PAGE_SIZE);
	ua_after("copy_from_user", UA_DATA, UA_PAGES * PAGE_SIZE, "two pages", uaccess_bad_fixups);
	/* Seven bytes across the page boundary, to an odd destination. */
	memset(ua_dst, 0, sizeof(ua_dst));
	KT_EXPECT(copy_from_user(ua_dst + 1, UA_DATA + PAGE_SIZE - 3, 7) == 0);
	for (i = 0, bad = 0; i < 7; i++)
		bad += ua_dst[1 + i] != ua_byte(PAGE_SIZE - 3 + i);
	KT_EXPECT_MSG(!bad && !ua_dst[0] && !ua_dst[8], "a short copy across pages is wrong");
	/* Nothing at all, from the last byte of the user half: 0, and nothing written. */
	KT_EXPECT(copy_from_user(ua_dst, USER_TOP - 1, 0) == 0 && !ua_dst[0]);
	/* The last bytes of the user half are user memory too. */
	KT_EXPECT(copy_from_user(ua_dst, USER_TOP - 4, 4) == 0 && ua_dst[3] == 'T');
	ua_return_mm();
}

KTEST(user, copy_to_user_copies_a_range_across_pages)
{
	u64 i, bad = 0;
	long ret;

	KT_ASSERT(ua_borrow_mm());
	for (i = 0; i < UA_PAGES * PAGE_SIZE; i++)
		ua_dst[i] = ua_byte(i);
	ret = copy_to_user(UA_RW, ua_dst, UA_PAGES * PAGE_SIZE);
	KT_EXPECT_MSG(ret == 0, "copying to two mapped pages returned %ld%s", ret,
		      uaccess_smap ? " (SMAP is on: is user memory opened with stac?)" : "");
	for (i = 0; i < UA_PAGES * PAGE_SIZE; i++)
		bad += *ua_user(UA_RW + i) != ua_byte(i);
	KT_EXPECT_MSG(!bad, "%lu of %lu bytes copied wrong", bad, UA_PAGES * PAGE_SIZE);
	ua_after("copy_to_user", UA_RW, UA_PAGES * PAGE_SIZE, "two pages", uaccess_bad_fixups);
	/* Five bytes across the page boundary, from an odd source; the bytes around untouched. */
	ua_fill(UA_RW, UA_PAGES * PAGE_SIZE, 'A');
	KT_EXPECT(copy_to_user(UA_RW + PAGE_SIZE - 2, "hello", 5) == 0);
	KT_EXPECT_MSG(*ua_user(UA_RW + PAGE_SIZE - 3) == 'A' &&
			      *ua_user(UA_RW + PAGE_SIZE - 2) == 'h' &&
			      *ua_user(UA_RW + PAGE_SIZE + 2) == 'o' &&
			      *ua_user(UA_RW + PAGE_SIZE + 3) == 'A',
		      "a short copy across pages is wrong");
	KT_EXPECT(copy_to_user(USER_TOP, ua_dst, 0) == 0);
	KT_EXPECT(copy_to_user(USER_TOP - 2, "ok", 2) == 0 && *ua_user(USER_TOP - 1) == 'k');
	ua_return_mm();
}

KTEST(user, strncpy_from_user_copies_strings_up_to_n)
{
	char buf[16 + 8];
	long ret;
	int i;

	KT_ASSERT(ua_borrow_mm());
	ua_put_string(UA_RW + PAGE_SIZE - 3, "hello");
	memset(buf, 'x', sizeof(buf));
	ret = strncpy_from_user(buf, UA_RW + PAGE_SIZE - 3, 16);
	KT_EXPECT_MSG(ret == 5 && !strcmp(buf, "hello") && buf[6] == 'x',
		      "\"hello\" across pages: returned %ld", ret);
	/* 15 characters fit 16 bytes; 16 do not: -E2BIG, dst[15] NUL, nothing written past it. */
	ua_put_string(UA_RW, "0123456789abcde");
	memset(buf, 'x', sizeof(buf));
	ret = strncpy_from_user(buf, UA_RW, 16);
	KT_EXPECT_MSG(ret == 15 && !strcmp(buf, "0123456789abcde"), "15 characters: returned %ld",
		      ret);
	ua_put_string(UA_RW, "0123456789abcdefghijklmnop");
	memset(buf, 'x', sizeof(buf));
	ret = strncpy_from_user(buf, UA_RW, 16);
	KT_EXPECT_MSG(ret == -E2BIG, "26 characters into 16 bytes: returned %ld, not -E2BIG", ret);
	KT_EXPECT_MSG(buf[15] == '\0' && !memcmp(buf, "0123456789abcde", 15),
		      "after -E2BIG the 16 bytes are not the first 15 characters and a NUL");
	for (i = 16; i < (int)sizeof(buf); i++)
		KT_EXPECT_MSG(buf[i] == 'x', "byte %d written, past the 16 allowed", i);
	/* Short strings right below a hole and right below USER_TOP, with room to spare in n. */
	ua_put_string(UA_RW_END - 3, "ab");
	ret = strncpy_from_user(buf, UA_RW_END - 3, sizeof(buf));
	KT_EXPECT_MSG(ret == 2 && !strcmp(buf, "ab"),
		      "\"ab\" right below a hole, n = %lu: returned %ld", (u64)sizeof(buf), ret);
	ua_put_string(USER_TOP - 3, "hi");
	ret = strncpy_from_user(buf, USER_TOP - 3, sizeof(buf));
	KT_EXPECT_MSG(ret == 2 && !strcmp(buf, "hi"),
		      "\"hi\" right below USER_TOP, n = %lu: returned %ld", (u64)sizeof(buf), ret);
	ua_after("strncpy_from_user", USER_TOP - 3, sizeof(buf), "a string", uaccess_bad_fixups);
	ua_return_mm();
}

KTEST(user, uaccess_refuses_unmapped_memory)
{
	KT_ASSERT(ua_borrow_mm());
	ua_expect_efault(0, 8, "NULL");
	ua_expect_efault(0x1000, 8, "the second page");
	ua_expect_efault(UA_DATA_END, 8, "the page above the data");
	ua_expect_efault(0x7fff00000000UL, 8, "high in the user half");
	ua_return_mm();
}

static const char ua_secret[16] = "kernel secret!!";
static char ua_target[16] = "kernel target!!";

KTEST(user, uaccess_refuses_the_kernel_half)
{
	u8 buf[16];
	long ret;

	KT_ASSERT(ua_borrow_mm());
	/* First what a trusting copy reads or writes without a fault: kernel variables, ... */
	memset(buf, 0, sizeof(buf));
	ret = copy_from_user(buf, (u64)ua_secret, sizeof(buf));
	KT_EXPECT_MSG(ret == -EFAULT && memcmp(buf, ua_secret, sizeof(buf)) != 0,
		      "copy_from_user() read a kernel variable: '%s'", (const char *)buf);
	memset(buf, 0, sizeof(buf));
	ret = strncpy_from_user((char *)buf, (u64)ua_secret, sizeof(buf));
	KT_EXPECT_MSG(ret == -EFAULT && memcmp(buf, ua_secret, 8) != 0,
		      "strncpy_from_user() read a kernel variable: '%s'", (const char *)buf);
	memset(buf, '!', sizeof(buf));
	ret = copy_to_user((u64)ua_target, buf, 8);
	KT_EXPECT_MSG(ret == -EFAULT && !strcmp(ua_target, "kernel target!!"),
		      "copy_to_user() wrote a kernel variable: '%s'", ua_target);
	/* ... the current task, the direct map, ... */
	ua_expect_efault((u64)current + 64, 8, "the current task");
	ua_expect_efault(0xffff888000000000UL, 8, "the direct map");
	ua_expect_efault(0xffff888000000000UL, 0, "the direct map, 0 bytes");
	/* ... then below the kernel image: not mapped, and without a fixup a panic. */
	ua_expect_efault(0xffffffff80000000UL, 8, "below the kernel image");
	ua_return_mm();
}

KTEST(user, uaccess_refuses_non_canonical_and_wrapping_ranges)
{
	KT_ASSERT(ua_borrow_mm());
	ua_expect_efault(0x0000800000000000UL, 8, "the lowest non-canonical address");
	ua_expect_efault(0x8000000000000000UL, 8, "a non-canonical address");
	ua_expect_efault(0xffff7ffffffffff8UL, 8, "the highest non-canonical address");
	ua_expect_efault(~0UL - 3, 8, "wrapping around");
	ua_expect_efault(~0UL - 1, 16, "wrapping around to the first page");
	/* The last page of the user half is mapped: a range from it past USER_TOP is refused whole.
	 */
	memset(ua_dst, 0, sizeof(ua_dst));
	KT_EXPECT_MSG(copy_from_user(ua_dst, USER_TOP - 4, 8) == -EFAULT && !ua_dst[0],
		      "copy_from_user(USER_TOP - 4, 8) copied the 4 bytes below USER_TOP");
	KT_EXPECT_MSG(copy_to_user(USER_TOP - 4, "12345678", 8) == -EFAULT &&
			      *ua_user(USER_TOP - 4) == 'T',
		      "copy_to_user(USER_TOP - 4, 8) wrote the 4 bytes below USER_TOP");
	ua_expect_efault(USER_TOP - 4, 8, "running off the end of the user half");
	/*
	 * From the data, a length that wraps around to address 1: refused before a byte is copied.
	 * (A copy that went ahead would stop with a fault at the hole, after filling ua_dst.)
	 */
	memset(ua_dst, 0, sizeof(ua_dst));
	KT_EXPECT_MSG(copy_from_user(ua_dst, UA_DATA, ~0UL - UA_DATA + 2) == -EFAULT && !ua_dst[0],
		      "copy_from_user: a length that wraps around was not refused before the copy");
	KT_EXPECT_MSG(copy_to_user(UA_RW, ua_dst, ~0UL - UA_RW + 2) == -EFAULT &&
			      *ua_user(UA_RW) == 'A',
		      "copy_to_user: a length that wraps around was not refused before the copy");
	ua_return_mm();
}

KTEST(user, uaccess_refuses_a_range_running_into_a_hole)
{
	u64 bad = uaccess_bad_fixups;

	KT_ASSERT(ua_borrow_mm());
	ua_expect_efault(UA_RW_END - 8, 16, "the last 8 bytes of a range and 8 of the hole");
	ua_fill(UA_RW, UA_PAGES * PAGE_SIZE, 'A');
	ua_expect_efault(UA_RW_END - 1, 2, "the last byte of a range and 1 of the hole");
	KT_EXPECT_MSG(copy_from_user(ua_dst, UA_DATA, UA_PAGES * PAGE_SIZE + 1) == -EFAULT,
		      "copy_from_user: all the data and one byte of the hole was not -EFAULT");
	KT_EXPECT_MSG(copy_to_user(UA_RW, ua_dst, UA_PAGES * PAGE_SIZE + 1) == -EFAULT,
		      "copy_to_user: two pages and one byte of the hole was not -EFAULT");
	/* Read-only memory is a bad place for copy_to_user(), and left as it was. */
	KT_EXPECT_MSG(copy_to_user(UA_DATA, "xx", 2) == -EFAULT && *ua_user(UA_DATA) == ua_byte(0),
		      "copy_to_user() to a read-only page was not -EFAULT");
	ua_after("copy_to_user", UA_DATA, 2, "read-only", bad);
	/* And the mapped range right below the hole still copies. */
	KT_EXPECT(copy_from_user(ua_dst, UA_DATA_END - 8, 8) == 0 &&
		  ua_dst[7] == ua_byte(UA_PAGES * PAGE_SIZE - 1));
	ua_return_mm();
}

/*
 * With SMAP (QEMU: -cpu max), user memory must be closed again after every call: after a good
 * copy, and after a fault in the middle of one (the fixup path). The kernel's exception entry
 * clears AC, but its iretq puts back the AC of the faulting copy, so the fixup runs with it set.
 */
KTEST(user, rflags_ac_is_clear_after_every_copy_and_fault)
{
	char buf[32];

	if (!uaccess_smap) {
		ktest_skip("the CPU has no SMAP (try QEMU_ARGS=\"-cpu max\")");
		return;
	}
	KT_ASSERT(ua_borrow_mm());
	ua_put_string(UA_RW, "abc");
	KT_EXPECT(copy_from_user(buf, UA_RW, 4) == 0);
	ua_after("copy_from_user", UA_RW, 4, "mapped", uaccess_bad_fixups);
	KT_EXPECT(copy_to_user(UA_RW, buf, 4) == 0);
	ua_after("copy_to_user", UA_RW, 4, "mapped", uaccess_bad_fixups);
	KT_EXPECT(strncpy_from_user(buf, UA_RW, sizeof(buf)) == 3);
	ua_after("strncpy_from_user", UA_RW, sizeof(buf), "mapped", uaccess_bad_fixups);
	/* A fault on the first byte, and one after some bytes were copied. */
	ua_expect_efault(UA_DATA_END, 8, "unmapped");
	ua_fill(UA_RW, UA_PAGES * PAGE_SIZE, 'A');
	ua_expect_efault(UA_RW_END - 4, 12, "running into a hole");
	KT_EXPECT(copy_to_user(UA_DATA, buf, 4) == -EFAULT);
	ua_after("copy_to_user", UA_DATA, 4, "read-only", uaccess_bad_fixups);
	ua_return_mm();
}

/*
 * Each helper has exception-table entries of its own: some __ex_table entry (struct
 * extable_entry in arch/x86_64/syscall.c: the instruction that may fault, then where to resume)
 * lies in its code, with its fixup in the same function.
 */
extern const u64 __ex_table_start[], __ex_table_end[];

static void expect_own_entry(const char *fn)
{
	const u64 *e;
	const char *name;
	u64 off, size;
	int found = 0;

	for (e = __ex_table_start; e + 1 < __ex_table_end; e += 2) {
		if (!ksym_lookup(e[0], &name, &off, &size) || strcmp(name, fn))
			continue;
		found = 1;
		KT_EXPECT_MSG(e[1] >= e[0] - off && e[1] < e[0] - off + size,
			      "the fixup %#lx of %s+%#lx is outside %s", e[1], fn, off, fn);
	}
	KT_EXPECT_MSG(found,
		      "no __ex_table entry for an instruction of %s(): a page fault in its "
		      "copy finds no fixup and panics",
		      fn);
}

KTEST(user, uaccess_helpers_have_their_own_exception_table_entries)
{
	expect_own_entry("copy_from_user");
	expect_own_entry("copy_to_user");
	expect_own_entry("strncpy_from_user");
}

/*
 * SMAP and SMEP, where the CPU has them (QEMU: -cpu max): the kernel touching a user page outside
 * the copy helpers, or running code from one, faults - a protection fault, not a missing page.
 * The test task borrows an address space with one page of code (ret) mapped at USER_BASE.
 */
static void read_user_page(void *arg)
{
	(void)*(volatile u8 *)USER_BASE;
}

static void call_user_page(void *arg)
{
	((void (*)(void))USER_BASE)();
}

static void expect_protection_fault(void (*fn)(void *), u64 want_bits)
{
	struct user_mm *mm = user_mm_create();
	struct fault_record rec;
	u8 *page;
	u8 c;

	KT_ASSERT(mm);
	KT_ASSERT(user_map_zeroed(mm, USER_BASE, 1, UMAP_EXEC) == 0);
	page = user_page_address(mm, USER_BASE);
	page[0] = 0xc3; /* ret */
	current->mm = mm;
	switch_mm(mm);
	/* Through the helpers the page is readable: it is mapped, user, present. */
	KT_EXPECT(copy_from_user(&c, USER_BASE, 1) == 0 && c == 0xc3);
	KT_EXPECT_MSG(ktest_expect_fault(fn, NULL, &rec), "no fault");
	KT_EXPECT_MSG(rec.vector == X86_TRAP_PF && (rec.error_code & want_bits) == want_bits,
		      "vector %lu error %#lx", rec.vector, rec.error_code);
	current->mm = NULL;
	switch_mm(NULL);
	user_mm_destroy(mm);
}

KTEST(user, with_smap_a_kernel_read_of_user_memory_outside_uaccess_faults)
{
	if (!uaccess_smap) {
		ktest_skip("the CPU has no SMAP (try QEMU_ARGS=\"-cpu max\")");
		return;
	}
	expect_protection_fault(read_user_page, PF_PROT);
}

KTEST(user, with_smep_the_kernel_cannot_run_user_code)
{
	if (!smep_enabled) {
		ktest_skip("the CPU has no SMEP (try QEMU_ARGS=\"-cpu max\")");
		return;
	}
	expect_protection_fault(call_user_page, PF_PROT | PF_INSTR);
}
