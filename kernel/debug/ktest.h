/*
 * In-kernel tests, printed as KTAP/TAP over the console. A test is a function declared with
 * KTEST(suite, name); `test=<glob>` on the command line runs every test whose "suite.name"
 * matches, then ends QEMU with a pass or fail status.
 */
#ifndef KERNEL_KTEST_H
#define KERNEL_KTEST_H

#include "kernel/fault.h"
#include "kernel/lib/types.h"

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

/* Run the tests matching glob, or any glob of a comma-separated list; returns how many failed. */
int ktest_run(const char *glob);
int ktest_count(const char *glob);
/* After ktest_run(): the name of its i-th failed test; NULL past the last (32 are kept). */
const char *ktest_failed_name(int i);
/* How many tests of the last ktest_run() skipped (neither passed nor failed). */
int ktest_nr_skipped(void);
void ktest_list(void);

#endif
