#include "kernel/debug/ktest.h"
#include "kernel/task.h"
#include "arch/x86_64/setjmp.h"
#include "kernel/fault.h"
#include "kernel/lib/glob.h"
#include "arch/x86_64/percpu.h"
#include "kernel/printk/printk.h"
#include "kernel/lib/string.h"
#include "kernel/lib/vsprintf.h"

extern const struct ktest __ktests_start[], __ktests_end[];

static bool current_failed;
static const char *skip_reason;
static int last_skipped; /* in the last ktest_run() */
/* The last ktest_run's failures, by name, for a summary at the end (the self-test's screen). */
#define MAX_FAILED_NAMES 32
static const char *failed_names[MAX_FAILED_NAMES];

void ktest_fail(const char *file, int line, const char *fmt, ...)
{
	char buf[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printk(KERN_ERR "# %s:%d: %s\n", file, line, buf);
	current_failed = true;
}

void ktest_skip(const char *reason)
{
	skip_reason = reason;
}

bool ktest_expect_fault(void (*fn)(void *), void *arg, struct fault_record *rec)
{
	struct fault_catch fc = { .irq_depth = this_cpu_read(irq_depth) };

	if (kernel_setjmp(&fc.jb) == 0) {
		current->fault_catch = &fc;
		fn(arg);
		current->fault_catch = NULL;
		return false;
	}
	/* Back from the fault handler through kernel_longjmp(); it already disarmed the catch. */
	if (rec)
		*rec = fc.rec;
	return true;
}

/*
 * Does name match the glob, or one of a comma-separated list of globs? The list lets the grader
 * run, in a fresh boot, the tests that a crash in an earlier test kept from running.
 */
static bool ktest_selected(const char *globs, const char *name)
{
	char one[128];
	size_t n;

	while (*globs) {
		for (n = 0; globs[n] && globs[n] != ','; n++)
			;
		if (n < sizeof(one)) {
			memcpy(one, globs, n);
			one[n] = '\0';
			if (glob_match(one, name))
				return true;
		}
		globs += n;
		if (*globs == ',')
			globs++;
	}
	return false;
}

int ktest_count(const char *glob)
{
	const struct ktest *t;
	int n = 0;

	for (t = __ktests_start; t < __ktests_end; t++)
		n += ktest_selected(glob, t->name);
	return n;
}

void ktest_list(void)
{
	const struct ktest *t;

	for (t = __ktests_start; t < __ktests_end; t++)
		printk("  %s\n", t->name);
}

/*
 * Output that both Perl's prove and Linux's KUnit parser read: "TAP version 13", a plan, then
 * one unindented result line per test; diagnostics start with '#'.
 */
int ktest_run(const char *glob)
{
	const struct ktest *t;
	int n = 0, failed = 0, skipped = 0;

	memset(failed_names, 0, sizeof(failed_names));
	printk("TAP version 13\n1..%d\n", ktest_count(glob));
	for (t = __ktests_start; t < __ktests_end; t++) {
		if (!ktest_selected(glob, t->name))
			continue;
		current_failed = false;
		skip_reason = NULL;
		printk("# running %s\n", t->name);
		/* Every test starts on CPU 0 (tests of one CPU expect it); its tasks run anywhere.
		 */
		set_cpus_allowed(current, 0);
		t->fn();
		set_cpus_allowed(current, -1);
		n++;
		/* A test that failed an expectation before it skipped has failed: never "ok". */
		if (skip_reason && !current_failed) {
			printk("ok %d %s # SKIP %s\n", n, t->name, skip_reason);
			skipped++;
		} else {
			printk("%sok %d %s\n", current_failed ? "not " : "", n, t->name);
		}
		if (current_failed && failed < MAX_FAILED_NAMES)
			failed_names[failed] = t->name;
		failed += current_failed;
	}
	printk("# %d tests, %d passed, %d failed, %d skipped\n", n, n - failed - skipped, failed,
	       skipped);
	last_skipped = skipped;
	return failed;
}

int ktest_nr_skipped(void)
{
	return last_skipped;
}

const char *ktest_failed_name(int i)
{
	return i >= 0 && i < MAX_FAILED_NAMES ? failed_names[i] : NULL;
}
