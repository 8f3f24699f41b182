/*
 * User mode before there are user programs on disk: tiny programs written here in assembly run
 * in ring 3 through the same path as the initrd's (process_spawn_image with an ELF description
 * made by hand: one read+execute segment at USER_BASE, the entry at its start).
 */
#include "arch/x86_64/asm/io.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/syscall.h"
#include "kernel/debug/ktest.h"
#include "kernel/lib/errno.h"
#include "kernel/lib/ksyms.h"
#include "kernel/lib/string.h"
#include "kernel/printk/printk.h"
#include "kernel/stack.h"
#include "kernel/smp.h"
#include "kernel/task.h"
#include "kernel/user/process.h"
#include "kernel/user/uaccess.h"
#include "mm/page_alloc.h"
#include "mm/user_mm.h"
#include "mm/vmalloc.h"
#include "user/lib/syscall_nr.h"

/* A program: its code (position-independent) between name##_start and name##_end. */
#define USER_PROG(name, body)                                                                      \
	extern const u8 name##_start[], name##_end[];                                              \
	asm(".pushsection .rodata\n.balign 16\n" #name "_start:\n" body "\n" #name                 \
	    "_end:\n.popsection")

/* The programs' assembly is laid out by hand, a line an instruction or two. */
/* clang-format off */
/* exit(n) */
#define EXIT(n) "mov $0, %eax\n mov $" #n ", %edi\n syscall\n"

/* write(1, "hello from ring 3\n"), then exit(42); exit(1) if write did not say 18 bytes. */
USER_PROG(prog_hello,
	"mov $1, %eax\n mov $1, %edi\n lea 2f(%rip), %rsi\n mov $18, %edx\n syscall\n"
	"cmp $18, %rax\n jne 1f\n"
	EXIT(42)
	"1:\n"
	EXIT(1)
	"2: .ascii \"hello from ring 3\\n\"\n");

/* exit(getpid()) */
USER_PROG(prog_getpid, "mov $3, %eax\n syscall\n mov %eax, %edi\n mov $0, %eax\n syscall\n");

/* exit(0) at once: the 1,000-process test */
USER_PROG(prog_exit0, EXIT(0));

/*
 * Each bad pointer to each call must give -EFAULT; the exit status is the number of the first
 * check that did not (0: all did). Pointer kinds: NULL (but for wait's status: NULL means none),
 * an unmapped low page, the kernel half, non-canonical, a range running off the end of the user
 * half, a range from the mapped stack top page into the unmapped page above it, and (for read)
 * the read-only code page.
 */
#define CHECK(idx, nr, a0, a1, a2)                                                      \
	"mov $" #nr ", %eax\n mov " a0 ", %rdi\n mov " a1 ", %rsi\n mov " a2 ", %rdx\n" \
	"syscall\n mov $" #idx ", %edi\n cmp $-14, %rax\n jne 9f\n"
#define STACK_END_M4 "$0x7ffffeffeffc" /* USER_STACK_TOP - 4 */
USER_PROG(prog_bad_pointers,
	/* write(1, p, n) */
	CHECK(1, 1, "$1", "$0", "$8")
	CHECK(2, 1, "$1", "$0x1000", "$8")
	CHECK(3, 1, "$1", "$0xffff888000000000", "$8")
	CHECK(4, 1, "$1", "$0x0000800000000000", "$8")
	CHECK(5, 1, "$1", "$0x8000000000001000", "$8")
	CHECK(6, 1, "$1", "$0x7ffffefffffc", "$8")	/* USER_TOP - 4: runs off the end */
	CHECK(7, 1, "$1", STACK_END_M4, "$8")
	CHECK(8, 1, "$1", "$0x10", "$-1")		/* a length that wraps around */
	/* read(0, p, n) */
	CHECK(11, 2, "$0", "$0", "$8")
	CHECK(12, 2, "$0", "$0xffffffff80000000", "$8")
	CHECK(13, 2, "$0", "$0xfff0000000000000", "$8")
	CHECK(14, 2, "$0", STACK_END_M4, "$8")
	CHECK(15, 2, "$0", "$0x400000", "$8")		/* its own code: read-only */
	/* wait(-1, status) */
	CHECK(21, 5, "$-1", "$0x1000", "$0")
	CHECK(22, 5, "$-1", "$0xffff888000000000", "$0")
	CHECK(23, 5, "$-1", "$0x400000", "$0")
	CHECK(24, 5, "$-1", "$0x0000800000000000", "$0")
	/* spawn(path, args) */
	CHECK(31, 4, "$0", "$0", "$0")
	CHECK(32, 4, "$0xffff888000000000", "$0", "$0")
	/* not a bad pointer: no child, so -ECHILD */
	"mov $5, %eax\n mov $-1, %rdi\n mov $0, %rsi\n syscall\n mov $40, %edi\n"
	"cmp $-10, %rax\n jne 9f\n"
	EXIT(0)
	"9:\n mov $0, %eax\n syscall\n");

/* Unknown numbers: NR_SYSCALLS, 999, -1 and 2^32 must each give -ENOSYS (38). */
#define NOSYS(idx, nr) \
	"mov $" #nr ", %rax\n syscall\n mov $" #idx ", %edi\n cmp $-38, %rax\n jne 9f\n"
USER_PROG(prog_nosys,
	NOSYS(1, 10) NOSYS(2, 999) NOSYS(3, -1) NOSYS(4, 0x100000000)
	EXIT(0)
	"9:\n mov $0, %eax\n syscall\n");

/* Faults: a write to NULL, a write to its own code, a jump onto its stack, a runaway push. */
USER_PROG(prog_write_null, "movq $1, 0\n" EXIT(0));
USER_PROG(prog_write_code, "lea 0(%rip), %rax\n movb $0, (%rax)\n" EXIT(0));
USER_PROG(prog_exec_stack, "movb $0xc3, -8(%rsp)\n lea -8(%rsp), %rax\n call *%rax\n" EXIT(0));
USER_PROG(prog_stack_overflow, "1: push %rax\n jmp 1b\n");

/* A sibling: sleeps 10 ms 20 times, then exit(7). */
USER_PROG(prog_sibling,
	"mov $20, %ebx\n"
	"1: mov $7, %eax\n mov $10, %edi\n syscall\n dec %ebx\n jnz 1b\n"
	EXIT(7));

/* recurse(10) must return 10 (else exit 1); then recurse(100000) must never return (exit 2). */
USER_PROG(prog_recurse,
	"mov $9, %eax\n mov $10, %edi\n syscall\n cmp $10, %rax\n je 1f\n"
	EXIT(1)
	"1: mov $9, %eax\n mov $100000, %edi\n syscall\n"
	EXIT(2));

/*
 * sbrk: grow the heap by two pages, write them, shrink it back, ask for more than the heap may
 * have (-ENOMEM); yield and sleep return 0; then touch the page given back, which must fault.
 * exit(n): check n failed.
 */
#define FAIL_IF_NE(idx, val) "mov $" #idx ", %edi\n cmp " val ", %rax\n jne 9f\n"
USER_PROG(prog_sbrk,
	"mov $6, %eax\n xor %edi, %edi\n syscall\n mov %rax, %rbx\n"	/* rbx = the break */
	"mov $6, %eax\n mov $8192, %edi\n syscall\n"
	FAIL_IF_NE(1, "%rbx")
	"movq $5, (%rbx)\n movq $6, 8184(%rbx)\n"
	"mov $6, %eax\n mov $-8192, %rdi\n syscall\n lea 8192(%rbx), %rcx\n"
	FAIL_IF_NE(2, "%rcx")
	"mov $6, %eax\n mov $0x10000000, %edi\n syscall\n"
	FAIL_IF_NE(3, "$-12")
	"mov $6, %eax\n xor %edi, %edi\n syscall\n"
	FAIL_IF_NE(4, "%rbx")
	"mov $8, %eax\n syscall\n"
	FAIL_IF_NE(5, "$0")
	"mov $7, %eax\n mov $1, %edi\n syscall\n"
	FAIL_IF_NE(6, "$0")
	"movq $1, (%rbx)\n"
	EXIT(7)
	"9:\n mov $0, %eax\n syscall\n");

/* Spins in ring 3 forever, never entering the kernel by itself. */
USER_PROG(prog_spin, "1: jmp 1b\n");

/* clang-format on */

static int spawn_blob(const u8 *start, const u8 *end, const char *name)
{
	struct elf_image ei = { .entry = USER_BASE, .nr_segments = 1 };

	ei.seg[0] = (struct elf_segment){ .vaddr = USER_BASE,
					  .memsz = end - start,
					  .filesz = end - start,
					  .offset = 0,
					  .flags = ELF_SEG_R | ELF_SEG_X };
	return process_spawn_image(start, end - start, &ei, name, "");
}

#define SPAWN(prog) spawn_blob(prog##_start, prog##_end, #prog)

/* Run a program to its end: its wait status, or -1000 + the error. */
static int run_blob(const u8 *start, const u8 *end, const char *name)
{
	int pid = spawn_blob(start, end, name), status = -1;

	if (pid < 0)
		return -1000 + pid;
	if (process_wait(pid, &status) != pid)
		return -2000;
	return status;
}

#define RUN(prog) run_blob(prog##_start, prog##_end, #prog)

/*
 * No process left, or say which are: pid, parent, name, task state. (Seen once in a parallel
 * make test, ktest.smp.pc.2: a process outlived the tests before these; which one, unknown.)
 */
static void print_leftover(const struct process *p, void *ctx)
{
	printk("# left over: pid %d ppid %d %s%s, task state %d\n", p->pid, p->ppid, p->comm,
	       p->orphan ? " (orphan)" : "", p->task ? (int)p->task->state : -1);
}

static bool no_process_left(void)
{
	if (!nr_processes())
		return true;
	for_each_process(print_leftover, NULL);
	return false;
}

KTEST(user, a_program_in_ring_3_writes_and_exits_with_its_status)
{
	int st = RUN(prog_hello);

	KT_EXPECT_MSG(st == 42, "status %#x", st);
	KT_EXPECT(no_process_left());
}

KTEST(user, getpid_returns_the_pid_spawn_returned)
{
	int pid = SPAWN(prog_getpid), status = -1;

	KT_ASSERT(pid > 0);
	KT_EXPECT(process_wait(pid, &status) == pid);
	KT_EXPECT_MSG(status == (pid & 0xff), "status %#x, pid %d", status, pid);
}

KTEST(user, every_bad_pointer_to_write_read_wait_spawn_returns_efault)
{
	int st = RUN(prog_bad_pointers);

	KT_EXPECT_MSG(st == 0, "check %d did not return -EFAULT (or -ECHILD)", st);
}

KTEST(user, an_unknown_system_call_returns_enosys)
{
	int st = RUN(prog_nosys);

	KT_EXPECT_MSG(st == 0, "check %d did not return -ENOSYS", st);
}

KTEST(user, wait_for_no_child_returns_echild)
{
	int status;

	KT_EXPECT(process_wait(-1, &status) == -ECHILD);
	KT_EXPECT(process_wait(12345, &status) == -ECHILD);
}

static void expect_segfault(const u8 *start, const u8 *end, const char *name)
{
	int st = run_blob(start, end, name);

	KT_EXPECT_MSG(st == (WAIT_KILLED | KILLED_SEGFAULT), "%s: status %#x", name, st);
}

KTEST(user, a_fault_in_ring_3_kills_only_that_process)
{
	int sib = SPAWN(prog_sibling), status = -1;

	KT_ASSERT(sib > 0);
	expect_segfault(prog_write_null_start, prog_write_null_end, "write_null");
	expect_segfault(prog_write_code_start, prog_write_code_end, "write_code");
	expect_segfault(prog_exec_stack_start, prog_exec_stack_end, "exec_stack");
	expect_segfault(prog_stack_overflow_start, prog_stack_overflow_end, "stack_overflow");
	/* The sibling ran on and ended as it would have. */
	KT_EXPECT(process_wait(sib, &status) == sib);
	KT_EXPECT_MSG(status == 7, "sibling status %#x", status);
}

KTEST(user, a_kernel_stack_overflow_in_a_syscall_kills_only_that_process)
{
	int sib, st, status = -1;

	if (!VMAP_STACK)
		ktest_skip("no guard pages in this build: the overflow would go unnoticed");
	if (!VMAP_STACK)
		return;
	sib = SPAWN(prog_sibling);
	KT_ASSERT(sib > 0);
	st = RUN(prog_recurse);
	KT_EXPECT_MSG(st == (WAIT_KILLED | KILLED_STACK_OVERFLOW), "status %#x", st);
	KT_EXPECT(process_wait(sib, &status) == sib);
	KT_EXPECT_MSG(status == 7, "sibling status %#x", status);
}

struct baseline {
	u64 free_pages, nr_areas, pt_pages;
};

static void baseline(struct baseline *b)
{
	struct vmalloc_stats st;

	drain_stack_cache();
	vmalloc_purge();
	vmalloc_stats(&st);
	b->free_pages = nr_free_pages();
	b->nr_areas = st.nr_areas;
	b->pt_pages = user_pt_pages();
}

#define KT_EXPECT_AT_BASELINE(b)                                                                   \
	do {                                                                                       \
		struct baseline now;                                                               \
		baseline(&now);                                                                    \
		KT_EXPECT_MSG(now.free_pages == (b).free_pages, "free pages %lu, before %lu",      \
			      now.free_pages, (b).free_pages);                                     \
		KT_EXPECT_MSG(now.nr_areas == (b).nr_areas, "vmalloc areas %lu, before %lu",       \
			      now.nr_areas, (b).nr_areas);                                         \
		KT_EXPECT_MSG(now.pt_pages == (b).pt_pages, "page-table pages %lu, before %lu",    \
			      now.pt_pages, (b).pt_pages);                                         \
	} while (0)

KTEST(user, a_thousand_processes_leave_memory_at_baseline)
{
	struct baseline before;
	int i, bad = 0;

	KT_ASSERT(RUN(prog_exit0) == 0); /* warm the slab caches up */
	baseline(&before);
	KT_EXPECT(before.pt_pages == 0);
	for (i = 0; i < 1000; i++) {
		if (RUN(prog_exit0) != 0)
			bad++;
	}
	KT_EXPECT_MSG(bad == 0, "%d of 1000 did not exit with 0", bad);
	KT_EXPECT(no_process_left());
	KT_EXPECT_AT_BASELINE(before);
}

KTEST(user, killed_processes_leave_memory_at_baseline)
{
	struct baseline before;

	KT_ASSERT(RUN(prog_write_null) == (WAIT_KILLED | KILLED_SEGFAULT));
	baseline(&before);
	KT_EXPECT(RUN(prog_write_null) == (WAIT_KILLED | KILLED_SEGFAULT));
	KT_EXPECT(RUN(prog_stack_overflow) == (WAIT_KILLED | KILLED_SEGFAULT));
	if (VMAP_STACK)
		KT_EXPECT(RUN(prog_recurse) == (WAIT_KILLED | KILLED_STACK_OVERFLOW));
	KT_EXPECT_AT_BASELINE(before);
}

KTEST(user, an_address_space_maps_unmaps_and_frees_every_page)
{
	struct baseline before;
	struct user_mm *mm;

	user_mm_destroy(user_mm_create()); /* warm the slab cache up */
	baseline(&before);
	mm = user_mm_create();
	KT_ASSERT(mm);
	KT_EXPECT(user_map_zeroed(mm, USER_BASE, 3, UMAP_WRITE | UMAP_EXEC) == -EINVAL);
	KT_EXPECT(user_map_zeroed(mm, USER_BASE, 3, UMAP_EXEC) == 0);
	KT_EXPECT(user_map_zeroed(mm, USER_BASE + 2 * PAGE_SIZE, 2, 0) == -EINVAL); /* overlap */
	KT_EXPECT(user_map_zeroed(mm, USER_TOP - PAGE_SIZE, 2, 0) == -EINVAL);	    /* past end */
	/* Two far-apart ranges: tables at every level for each. */
	KT_EXPECT(user_map_zeroed(mm, 0x7f0000000000UL, 5, UMAP_WRITE) == 0);
	KT_EXPECT(mm->nr_pages == 8);
	KT_EXPECT_MSG(mm->nr_pt_pages == 7, "%lu page tables", mm->nr_pt_pages);
	KT_EXPECT(user_page_address(mm, USER_BASE + 5) != NULL);
	KT_EXPECT(user_page_address(mm, USER_BASE + 3 * PAGE_SIZE) == NULL);
	user_unmap(mm, 0x7f0000000000UL, 5);
	KT_EXPECT(mm->nr_pages == 3);
	KT_EXPECT_MSG(mm->nr_pt_pages == 4, "%lu page tables after an unmap", mm->nr_pt_pages);
	user_mm_destroy(mm);
	KT_EXPECT_AT_BASELINE(before);
}

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

KTEST(user, sbrk_grows_and_shrinks_the_heap_and_a_page_given_back_faults)
{
	int st = RUN(prog_sbrk);

	KT_EXPECT_MSG(st == (WAIT_KILLED | KILLED_SEGFAULT), "status %#x (exit n: check n failed)",
		      st);
}

/*
 * The timer interrupts a process in ring 3 over and over (entry and exit from ring 3 through
 * the IRQ path, swapgs both ways), the test task runs in between, and kill() ends the process at
 * the next interrupt's exit. A wrong GS after any of those returns would fault in the next entry.
 */
KTEST(user, a_process_spinning_in_ring_3_is_preempted_and_can_be_killed)
{
	int pid = SPAWN(prog_spin), status = -1;
	struct task *t;

	KT_ASSERT(pid > 0);
	t = find_task(pid);
	KT_ASSERT(t);
	/* On our CPU: alone on another one it would never be switched out, only go on running. */
	KT_ASSERT(set_cpus_allowed(t, smp_processor_id()) == 0);
	/* It never enters the kernel itself: each switch back to it was a preemption in ring 3. */
	while (t->switches < 20)
		sleep_ms(10);
	KT_EXPECT(kill(pid) == 0);
	KT_EXPECT(process_wait(pid, &status) == pid);
	KT_EXPECT_MSG(status == (WAIT_KILLED | KILLED_OTHER), "status %#x", status);
}
