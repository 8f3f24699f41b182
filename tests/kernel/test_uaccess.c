/*
 * User memory from the kernel: copy_from_user() and its kin refuse every bad pointer with
 * -EFAULT instead of an oops (lab 7 grades copy_from_user() test by test), and with SMAP and SMEP
 * (QEMU: -cpu max) the kernel cannot touch or run a user page outside them. The tests borrow an
 * address space of their own: a kernel task has no user half.
 */
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
 * copy_from_user() kind by kind (lab 7 grades each test): the test task borrows an address
 * space with CFU_PAGES pages of data at USER_BASE, byte i of them cfu_byte(i), and nothing
 * above them: a hole. A kernel without the checks or the fixup reads what it should not, or
 * panics on the first bad pointer (a kernel-mode fault with no __ex_table entry).
 */
#define CFU_PAGES 2
#define CFU_HOLE  (USER_BASE + CFU_PAGES * PAGE_SIZE)

static u8 cfu_dst[CFU_PAGES * PAGE_SIZE];

static u8 cfu_byte(u64 i)
{
	return (u8)(i * 7 + (i >> 9) + 1);
}

static struct user_mm *cfu_borrow_mm(void)
{
	struct user_mm *mm = user_mm_create();
	u64 i;

	if (!mm)
		return NULL;
	if (user_map_zeroed(mm, USER_BASE, CFU_PAGES, 0)) {
		user_mm_destroy(mm);
		return NULL;
	}
	for (i = 0; i < CFU_PAGES * PAGE_SIZE; i++)
		*(u8 *)user_page_address(mm, USER_BASE + i) = cfu_byte(i);
	current->mm = mm;
	switch_mm(mm);
	return mm;
}

static void cfu_return_mm(struct user_mm *mm)
{
	current->mm = NULL;
	switch_mm(NULL);
	user_mm_destroy(mm);
}

/* src must give -EFAULT for n bytes (n at most 16). */
static void cfu_expect_efault(u64 src, size_t n, const char *what)
{
	u8 buf[16];
	long ret;

	memset(buf, 0, sizeof(buf));
	ret = copy_from_user(buf, src, n);
	KT_EXPECT_MSG(ret == -EFAULT, "copy_from_user(%s: %#lx, %lu) returned %ld, not -EFAULT",
		      what, src, (u64)n, ret);
}

KTEST(user, copy_from_user_copies_a_range_across_pages)
{
	struct user_mm *mm = cfu_borrow_mm();
	u64 i, bad = 0;
	long ret;

	KT_ASSERT(mm);
	memset(cfu_dst, 0, sizeof(cfu_dst));
	ret = copy_from_user(cfu_dst, USER_BASE, sizeof(cfu_dst));
	KT_EXPECT_MSG(ret == 0, "copying two mapped pages returned %ld%s", ret,
		      uaccess_smap ? " (SMAP is on: is user memory opened with stac?)" : "");
	for (i = 0; i < sizeof(cfu_dst); i++)
		bad += cfu_dst[i] != cfu_byte(i);
	KT_EXPECT_MSG(!bad, "%lu of %lu bytes copied wrong", bad, (u64)sizeof(cfu_dst));
	/* Seven bytes across the page boundary, to an odd destination. */
	memset(cfu_dst, 0, sizeof(cfu_dst));
	KT_EXPECT(copy_from_user(cfu_dst + 1, USER_BASE + PAGE_SIZE - 3, 7) == 0);
	for (i = 0, bad = 0; i < 7; i++)
		bad += cfu_dst[1 + i] != cfu_byte(PAGE_SIZE - 3 + i);
	KT_EXPECT_MSG(!bad && !cfu_dst[0] && !cfu_dst[8], "a short copy across pages is wrong");
	/* Nothing at all, from the last byte of the user half: 0, and nothing written. */
	KT_EXPECT(copy_from_user(cfu_dst, USER_TOP - 1, 0) == 0 && !cfu_dst[0]);
	cfu_return_mm(mm);
}

KTEST(user, copy_from_user_refuses_unmapped_memory)
{
	struct user_mm *mm = cfu_borrow_mm();

	KT_ASSERT(mm);
	cfu_expect_efault(0, 8, "NULL");
	cfu_expect_efault(0x1000, 8, "the second page");
	cfu_expect_efault(CFU_HOLE, 8, "the page above the data");
	cfu_expect_efault(0x7fff00000000UL, 8, "high in the user half");
	cfu_return_mm(mm);
}

static const char cfu_secret[16] = "kernel secret!!";

KTEST(user, copy_from_user_refuses_the_kernel_half)
{
	struct user_mm *mm = cfu_borrow_mm();
	u8 buf[16];

	KT_ASSERT(mm);
	/* First what a trusting copy reads without a fault: a kernel variable, the task, ... */
	memset(buf, 0, sizeof(buf));
	KT_EXPECT_MSG(copy_from_user(buf, (u64)cfu_secret, sizeof(buf)) == -EFAULT &&
			      memcmp(buf, cfu_secret, sizeof(buf)) != 0,
		      "copy_from_user() read a kernel variable: '%s'", (const char *)buf);
	cfu_expect_efault((u64)current, 8, "the current task");
	cfu_expect_efault(0xffff888000000000UL, 8, "the direct map");
	/* ... then below the kernel image: not mapped, and without a fixup a panic. */
	cfu_expect_efault(0xffffffff80000000UL, 8, "below the kernel image");
	cfu_return_mm(mm);
}

KTEST(user, copy_from_user_refuses_non_canonical_and_wrapping_ranges)
{
	struct user_mm *mm = cfu_borrow_mm();

	KT_ASSERT(mm);
	cfu_expect_efault(0x0000800000000000UL, 8, "the lowest non-canonical address");
	cfu_expect_efault(0x8000000000000000UL, 8, "a non-canonical address");
	cfu_expect_efault(0xffff7ffffffffff8UL, 8, "the highest non-canonical address");
	cfu_expect_efault(USER_TOP - 4, 8, "running off the end of the user half");
	cfu_expect_efault(~0UL - 3, 8, "wrapping around");
	/*
	 * From the data, a length that wraps around to address 1: refused before a byte is copied.
	 * (A copy that went ahead would stop with a fault at the hole, after filling cfu_dst.)
	 */
	memset(cfu_dst, 0, sizeof(cfu_dst));
	KT_EXPECT_MSG(copy_from_user(cfu_dst, USER_BASE, ~0UL - USER_BASE + 2) == -EFAULT &&
			      !cfu_dst[0],
		      "a length that wraps around was not refused before the copy");
	cfu_return_mm(mm);
}

KTEST(user, copy_from_user_refuses_a_range_running_into_a_hole)
{
	struct user_mm *mm = cfu_borrow_mm();

	KT_ASSERT(mm);
	cfu_expect_efault(CFU_HOLE - 8, 16, "the last 8 bytes of the data and 8 of the hole");
	cfu_expect_efault(CFU_HOLE - 1, 2, "the last byte of the data and 1 of the hole");
	KT_EXPECT_MSG(copy_from_user(cfu_dst, USER_BASE, sizeof(cfu_dst) + 1) == -EFAULT,
		      "all the data and one byte of the hole was not -EFAULT");
	/* And the mapped range right below the hole still copies. */
	KT_EXPECT(copy_from_user(cfu_dst, CFU_HOLE - 8, 8) == 0 &&
		  cfu_dst[7] == cfu_byte(CFU_PAGES * PAGE_SIZE - 1));
	cfu_return_mm(mm);
}

/*
 * The fixup is copy_from_user()'s own: some __ex_table entry (struct extable_entry in
 * arch/x86_64/syscall.c: the faulting instruction, then where to resume) lies in its code.
 */
extern const u64 __ex_table_start[], __ex_table_end[];

KTEST(user, copy_from_user_has_its_own_exception_table_entry)
{
	const u64 *e;
	const char *name;
	u64 off, size;
	int found = 0;

	for (e = __ex_table_start; e + 1 < __ex_table_end; e += 2) {
		if (!ksym_lookup(e[0], &name, &off, &size) || strcmp(name, "copy_from_user"))
			continue;
		found = 1;
		KT_EXPECT_MSG(e[1] >= e[0] - off && e[1] < e[0] - off + size,
			      "the fixup %#lx of copy_from_user+%#lx is outside copy_from_user",
			      e[1], off);
	}
	KT_EXPECT_MSG(found, "no __ex_table entry for an instruction of copy_from_user(): a page "
			     "fault in its copy finds no fixup and panics");
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
