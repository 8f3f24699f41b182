/*
 * User mode before there are user programs on disk: tiny programs written here in assembly run
 * in ring 3 through the same path as the initrd's (process_spawn_image with an ELF description
 * made by hand: one read+execute segment at USER_BASE, the entry at its start).
 */
#include "arch/x86_64/syscall.h"
#include "kernel/debug/ktest.h"
#include "kernel/lib/errno.h"
#include "kernel/printk/printk.h"
#include "kernel/smp.h"
#include "kernel/task.h"
#include "kernel/user/process.h"
#include "kernel/user/uaccess.h"
#include "mm/fail.h"
#include "mm/user_mm.h"
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
 * half, a range from the mapped stack top page into the unmapped page above it, a range that
 * wraps around the end of the address space, and (for read and wait) the read-only code page.
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
	CHECK(9, 1, "$1", "$0xfffffffffffffff0", "$32")	/* wraps around to 0x10 */
	CHECK(10, 1, "$1", "$0xffffffff80000000", "$0")	/* nothing, from the kernel half */
	/* read(0, p, n) */
	CHECK(11, 2, "$0", "$0", "$8")
	CHECK(12, 2, "$0", "$0xffffffff80000000", "$8")
	CHECK(13, 2, "$0", "$0xfff0000000000000", "$8")
	CHECK(14, 2, "$0", STACK_END_M4, "$8")
	CHECK(15, 2, "$0", "$0x400000", "$8")		/* its own code: read-only */
	CHECK(16, 2, "$0", "$0xfffffffffffffffc", "$8")	/* wraps around to 4 */
	CHECK(17, 2, "$0", "$0x7ffffefffffc", "$8")	/* USER_TOP - 4: runs off the end */
	/* wait(-1, status) */
	CHECK(21, 5, "$-1", "$0x1000", "$0")
	CHECK(22, 5, "$-1", "$0xffff888000000000", "$0")
	CHECK(23, 5, "$-1", "$0x400000", "$0")
	CHECK(24, 5, "$-1", "$0x0000800000000000", "$0")
	CHECK(25, 5, "$-1", "$0xfffffffffffffffe", "$0")	/* wraps around to 2 */
	CHECK(26, 5, "$-1", "$0x7ffffefffffe", "$0")	/* USER_TOP - 2: runs off the end */
	CHECK(27, 5, "$-1", "$0xffffffff80000000", "$0")
	/* spawn(path, args) */
	CHECK(31, 4, "$0", "$0", "$0")
	CHECK(32, 4, "$0xffff888000000000", "$0", "$0")
	CHECK(33, 4, "$0xfffffffffffffff8", "$0", "$0")	/* wraps around */
	CHECK(34, 4, "$0x0000800000000000", "$0", "$0")
	CHECK(35, 4, "$0x7ffffefffffc", "$0", "$0")	/* USER_TOP - 4: runs off the end */
	CHECK(36, 4, "$0x1000", "$0", "$0")
	/* not a bad pointer: no child, so -ECHILD */
	"mov $5, %eax\n mov $-1, %rdi\n mov $0, %rsi\n syscall\n mov $40, %edi\n"
	"cmp $-10, %rax\n jne 9f\n"
	EXIT(0)
	"9:\n mov $0, %eax\n syscall\n");

/*
 * Unknown numbers: NR_SYSCALLS, 999, -1 and 2^32 must each give -ENOSYS (38). NOSYS expands nr
 * before NOSYS_ turns it into text, so the first check follows NR_SYSCALLS.
 */
#define NOSYS_(idx, nr) \
	"mov $" #nr ", %rax\n syscall\n mov $" #idx ", %edi\n cmp $-38, %rax\n jne 9f\n"
#define NOSYS(idx, nr) NOSYS_(idx, nr)
USER_PROG(prog_nosys,
	NOSYS(1, NR_SYSCALLS) NOSYS(2, 999) NOSYS(3, -1) NOSYS(4, 0x100000000)
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

/* Grows its heap by 64 KiB and gives it back, forever: nearly all its time in sbrk. */
USER_PROG(prog_sbrk_churn,
	"1:\n mov $6, %eax\n mov $65536, %edi\n syscall\n"
	"mov $6, %eax\n mov $-65536, %rdi\n syscall\n jmp 1b\n");

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

	KT_EXPECT_MSG(st == W_EXITCODE(42, 0), "status %#x", st);
	KT_EXPECT(no_process_left());
}

KTEST(user, getpid_returns_the_pid_spawn_returned)
{
	int pid = SPAWN(prog_getpid), status = -1;

	KT_ASSERT(pid > 0);
	KT_EXPECT(process_wait(pid, &status) == pid);
	KT_EXPECT_MSG(status == W_EXITCODE(pid, 0), "status %#x, pid %d", status, pid);
}

/*
 * Besides the results: no fault that a range check should have prevented (or with user memory
 * not opened) was fixed up, and no system call returned to ring 3 with RFLAGS.AC set (reported
 * by fixup_exception() and do_syscall(), which count them).
 */
KTEST(user, every_bad_pointer_to_write_read_wait_spawn_returns_efault)
{
	u64 bad = uaccess_bad_fixups, leaks = uaccess_ac_leaks;
	int st = RUN(prog_bad_pointers);

	KT_EXPECT_MSG(st == 0, "check %d did not return -EFAULT (or -ECHILD): status %#x",
		      WEXITSTATUS(st), st);
	KT_EXPECT_MSG(
		uaccess_bad_fixups == bad,
		"%lu faults fixed up that a correct copy helper never takes (a bad pointer past "
		"its range check, or no stac): see 'uaccess: BUG' above",
		uaccess_bad_fixups - bad);
	KT_EXPECT_MSG(uaccess_ac_leaks == leaks,
		      "%lu system calls returned to user mode with RFLAGS.AC set (SMAP off: a copy "
		      "helper did not clac): see 'uaccess: BUG' above",
		      uaccess_ac_leaks - leaks);
}

KTEST(user, an_unknown_system_call_returns_enosys)
{
	int st = RUN(prog_nosys);

	KT_EXPECT_MSG(st == 0, "check %d did not return -ENOSYS: status %#x", WEXITSTATUS(st), st);
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

	KT_EXPECT_MSG(st == KILLED_SEGFAULT, "%s: status %#x", name, st);
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
	KT_EXPECT_MSG(status == W_EXITCODE(7, 0), "sibling status %#x", status);
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
	KT_EXPECT_MSG(st == KILLED_STACK_OVERFLOW, "status %#x", st);
	KT_EXPECT(process_wait(sib, &status) == sib);
	KT_EXPECT_MSG(status == W_EXITCODE(7, 0), "sibling status %#x", status);
}

KTEST(user, a_thousand_processes_leave_memory_at_baseline)
{
	struct ktest_mem before;
	int i, bad = 0;

	KT_ASSERT(RUN(prog_exit0) == 0); /* warm the slab caches up */
	ktest_mem_snapshot(&before);
	KT_EXPECT(before.pt_pages == 0);
	for (i = 0; i < 1000; i++) {
		if (RUN(prog_exit0) != 0)
			bad++;
	}
	KT_EXPECT_MSG(bad == 0, "%d of 1000 did not exit with 0", bad);
	KT_EXPECT(no_process_left());
	KT_EXPECT_MEM_UNCHANGED(before);
}

KTEST(user, killed_processes_leave_memory_at_baseline)
{
	struct ktest_mem before;

	KT_ASSERT(RUN(prog_write_null) == KILLED_SEGFAULT);
	ktest_mem_snapshot(&before);
	KT_EXPECT(RUN(prog_write_null) == KILLED_SEGFAULT);
	KT_EXPECT(RUN(prog_stack_overflow) == KILLED_SEGFAULT);
	if (VMAP_STACK)
		KT_EXPECT(RUN(prog_recurse) == KILLED_STACK_OVERFLOW);
	KT_EXPECT_MEM_UNCHANGED(before);
}

/*
 * A kill takes effect where the process was preempted - in ring 3, or in the kernel in the
 * middle of sbrk, with a page taken and not yet in its page tables, or out of them and not yet
 * freed. Wherever it lands, the memory comes back. (Run on one CPU, each kill lands where the
 * timer last interrupted the process, spread over the whole of sbrk.)
 */
KTEST(user, processes_killed_in_the_middle_of_sbrk_leave_memory_at_baseline)
{
	struct ktest_mem before;
	int i, pid, status, bad = 0;
	struct task *t;

	KT_ASSERT(RUN(prog_exit0) == 0);
	ktest_mem_snapshot(&before);
	for (i = 0; i < 100; i++) {
		pid = SPAWN(prog_sbrk_churn);
		KT_ASSERT(pid > 0);
		t = find_task(pid);
		KT_ASSERT(t && set_cpus_allowed(t, smp_processor_id()) == 0);
		sleep_ms(1 + i % 7);
		KT_EXPECT(kill(pid) == 0);
		if (process_wait(pid, &status) != pid || status != KILLED_BY_KILL)
			bad++;
	}
	KT_EXPECT_MSG(!bad, "%d of 100 not reaped as killed", bad);
	KT_EXPECT_MEM_UNCHANGED(before);
}

KTEST(user, an_address_space_maps_unmaps_and_frees_every_page)
{
	struct ktest_mem before;
	struct user_mm *mm;

	user_mm_destroy(user_mm_create()); /* warm the slab cache up */
	ktest_mem_snapshot(&before);
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
	KT_EXPECT_MEM_UNCHANGED(before);
}

/*
 * Every allocation of a map across a 1 GiB boundary (two PDs, two PTs, four pages) fails in
 * turn: whatever failed, the map gives back all it took - the pages and the tables it made for
 * nothing - and the address space is as new (its PML4 only).
 */
KTEST(user, a_map_that_runs_out_of_memory_anywhere_gives_back_every_page_and_table)
{
	const u64 va = (1UL << 30) - 2 * PAGE_SIZE;
	struct ktest_mem before;
	struct user_mm *mm;
	int n, err = -ENOMEM;

	user_mm_destroy(user_mm_create()); /* warm the slab cache up */
	ktest_mem_snapshot(&before);
	for (n = 1; err && n < 32; n++) {
		mm = user_mm_create();
		KT_ASSERT(mm);
		fail_nth_set(n);
		err = user_map_zeroed(mm, va, 4, UMAP_WRITE);
		fail_nth_set(0);
		if (err) {
			KT_EXPECT_MSG(err == -ENOMEM, "allocation %d: error %d", n, err);
			KT_EXPECT_MSG(mm->nr_pages == 0 && mm->nr_pt_pages == 1,
				      "allocation %d failed: %lu pages, %lu tables left", n,
				      mm->nr_pages, mm->nr_pt_pages);
		} else {
			KT_EXPECT(mm->nr_pages == 4 && mm->nr_pt_pages == 6);
		}
		user_mm_destroy(mm);
	}
	KT_EXPECT_MSG(!err && n > 9, "the map never succeeded, or after only %d tries", n - 1);
	KT_EXPECT_MEM_UNCHANGED(before);
}

KTEST(user, sbrk_grows_and_shrinks_the_heap_and_a_page_given_back_faults)
{
	int st = RUN(prog_sbrk);

	KT_EXPECT_MSG(st == KILLED_SEGFAULT, "status %#x (exit n: check n failed)", st);
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
	KT_EXPECT_MSG(status == KILLED_BY_KILL, "status %#x", status);
}
