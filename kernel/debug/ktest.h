/*
 * In-kernel tests, printed as KTAP/TAP over the console. A test is a function declared with
 * KTEST(suite, name); `test=<glob>` on the command line runs every test whose "suite.name"
 * matches, then ends QEMU with a pass or fail status.
 */
#ifndef KERNEL_KTEST_H
#define KERNEL_KTEST_H

#include "kernel/fault_catch.h"
#include "kernel/lib/types.h"

struct task;

struct ktest {
	const char *name; /* "suite.name" */
	void (*fn)(void);
};

#define KTEST(suite, tname)                                                                        \
	static void ktest_##suite##_##tname(void);                                                 \
	static const struct ktest ktest_desc_##suite##_##tname                                     \
		__attribute__((section(".ktests"), used,                                           \
			       aligned(8))) = { #suite "." #tname, ktest_##suite##_##tname };      \
	static void ktest_##suite##_##tname(void)

void ktest_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ktest_skip(const char *reason);

#define KT_EXPECT(cond)                                                                            \
	do {                                                                                       \
		if (!(cond))                                                                       \
			ktest_fail(__FILE__, __LINE__, "expected %s", #cond);                      \
	} while (0)

#define KT_EXPECT_MSG(cond, fmt, ...)                                                              \
	do {                                                                                       \
		if (!(cond))                                                                       \
			ktest_fail(__FILE__, __LINE__, fmt, ##__VA_ARGS__);                        \
	} while (0)

#define KT_ASSERT(cond)                                                                            \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			ktest_fail(__FILE__, __LINE__, "expected %s", #cond);                      \
			return;                                                                    \
		}                                                                                  \
	} while (0)

/*
 * Run fn(arg) expecting it to fault. The fault gets the full oops report (register dump and
 * backtrace) but no panic; execution comes back here. Returns true if fn faulted.
 */
bool ktest_expect_fault(void (*fn)(void *), void *arg, struct fault_record *rec);
/* The same with one line for the fault instead of the oops: for tests that fault by the hundred. */
bool ktest_expect_fault_quiet(void (*fn)(void *), void *arg, struct fault_record *rec);

/*
 * Memory as a test can expect to find it again: what a path that frees everything it took must
 * leave as it found. ktest_mem_snapshot() first gives back what is only kept for later (the
 * stack caches, the areas vfree() leaves for a batched purge, the slab's empty pages), so that two
 * snapshots differ only by what is really still in use.
 */
struct ktest_mem {
	u64 free_pages;	  /* free in the page allocator, or a kept vmalloc page table */
	u64 slab_pages;	  /* held by the kmalloc size classes */
	u64 slab_objects; /* kmalloc objects in use */
	u64 vm_areas;	  /* vmalloc areas */
	u64 vm_pages;	  /* pages mapped in them */
	u64 stacks;	  /* task stacks in use */
	u64 pt_pages;	  /* page tables of user address spaces */
	u64 tasks;
};

void ktest_mem_snapshot(struct ktest_mem *m);
/*
 * Free pages, with the page tables of the vmalloc range counted as free: made on first use and
 * kept for good (mm/pgtable.c), they are no leak. What a test compares against a baseline.
 */
u64 ktest_free_pages(void);
/*
 * Print each figure that differs between before and now, a line each, "<prefix>free pages 812 ->
 * 810 (2 fewer)", at KERN_ERR; returns how many differ (0: memory is as it was).
 */
int ktest_mem_diff(const struct ktest_mem *before, const struct ktest_mem *now, const char *prefix);
void ktest_expect_mem_unchanged(const struct ktest_mem *before, const char *file, int line);

/* Fails the test once for each figure that is not back where the snapshot before found it. */
#define KT_EXPECT_MEM_UNCHANGED(before) ktest_expect_mem_unchanged(&(before), __FILE__, __LINE__)

/* A task's function that returns its argument: a task that ends at once, with a known status. */
int ktest_return_arg(void *arg);
/*
 * A task's function that counts in ktest_sibling_count every 10 ms, forever: the task beside a
 * crash test that must run on after it (kill it when done).
 */
int ktest_sibling(void *arg);
extern volatile u64 ktest_sibling_count;
/*
 * After the crash test: wait until the sibling counts again, then kill and reap it; false if that
 * fails. The count is sampled after the crash, so a sibling that stopped with it cannot pass: it
 * never counts again and hangs the test, which the runner reports as a failure.
 */
bool ktest_sibling_runs_on(struct task *sib);
/* For ktest_expect_fault(): read the byte at addr. */
void ktest_read_byte(void *addr);

/* Run the tests matching glob, or any glob of a comma-separated list; returns how many failed. */
int ktest_run(const char *glob);
int ktest_count(const char *glob);
/* After ktest_run(): the name of its i-th failed test; NULL past the last (32 are kept). */
const char *ktest_failed_name(int i);
/* How many tests of the last ktest_run() skipped (neither passed nor failed). */
int ktest_nr_skipped(void);
void ktest_list(void);

#endif
