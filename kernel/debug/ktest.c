#include "kernel/debug/ktest.h"
#include "kernel/task.h"
#include "arch/x86_64/setjmp.h"
#include "kernel/fault_catch.h"
#include "kernel/lib/glob.h"
#include "arch/x86_64/percpu.h"
#include "kernel/printk/printk.h"
#include "kernel/lib/string.h"
#include "kernel/lib/vsprintf.h"
#include "kernel/stack.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"
#include "mm/slab.h"
#include "mm/user_mm.h"
#include "mm/vmalloc.h"

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

/*
 * A test whose areas land in a fresh 2 MiB region of the vmalloc range leaves a page table
 * behind. Counted as free, a baseline taken before the table existed still holds; the count is
 * of tables installed, so a table made and lost (neither installed nor freed) still shows.
 */
u64 ktest_free_pages(void)
{
	return nr_free_pages() + vmalloc_page_tables();
}

void ktest_mem_snapshot(struct ktest_mem *m)
{
	struct kmalloc_stats ks;
	struct vmalloc_stats vs;
	struct stack_stats ss;

	drain_stack_cache(); /* every CPU's */
	vmalloc_purge();     /* freed areas keep their vm_struct and pages until a purge */
	kmalloc_shrink();    /* each size class keeps its last page, even empty */
	kmalloc_stats(&ks);
	vmalloc_stats(&vs);
	stack_stats(&ss);
	m->free_pages = ktest_free_pages();
	m->slab_pages = ks.pages;
	m->slab_objects = ks.objects;
	m->vm_areas = vs.nr_areas;
	m->vm_pages = vs.pages;
	m->stacks = ss.in_use;
	m->pt_pages = user_pt_pages();
	m->tasks = nr_tasks();
}

static const struct {
	const char *name;
	size_t offset;
} mem_figures[] = {
	{ "free pages", offsetof(struct ktest_mem, free_pages) },
	{ "slab pages", offsetof(struct ktest_mem, slab_pages) },
	{ "slab objects", offsetof(struct ktest_mem, slab_objects) },
	{ "vmalloc areas", offsetof(struct ktest_mem, vm_areas) },
	{ "vmalloc pages", offsetof(struct ktest_mem, vm_pages) },
	{ "task stacks", offsetof(struct ktest_mem, stacks) },
	{ "user page tables", offsetof(struct ktest_mem, pt_pages) },
	{ "tasks", offsetof(struct ktest_mem, tasks) },
};

static u64 mem_figure(const struct ktest_mem *m, int i)
{
	return *(const u64 *)((const char *)m + mem_figures[i].offset);
}

/* Figure i as "free pages 812 -> 810 (2 fewer)" into buf; false if it is unchanged. */
static bool mem_figure_diff(const struct ktest_mem *before, const struct ktest_mem *now, int i,
			    char *buf, size_t len)
{
	u64 a = mem_figure(before, i), b = mem_figure(now, i);

	if (a == b)
		return false;
	snprintf(buf, len, "%s %lu -> %lu (%lu %s)", mem_figures[i].name, a, b,
		 a < b ? b - a : a - b, a < b ? "more" : "fewer");
	return true;
}

int ktest_mem_diff(const struct ktest_mem *before, const struct ktest_mem *now, const char *prefix)
{
	char buf[96];
	int i, n = 0;

	for (i = 0; i < (int)ARRAY_SIZE(mem_figures); i++) {
		if (mem_figure_diff(before, now, i, buf, sizeof(buf))) {
			printk(KERN_ERR "%s%s\n", prefix, buf);
			n++;
		}
	}
	return n;
}

void ktest_expect_mem_unchanged(const struct ktest_mem *before, const char *file, int line)
{
	struct ktest_mem now;
	char buf[96];
	int i;

	ktest_mem_snapshot(&now);
	for (i = 0; i < (int)ARRAY_SIZE(mem_figures); i++) {
		if (mem_figure_diff(before, &now, i, buf, sizeof(buf)))
			ktest_fail(file, line, "not back at the baseline: %s", buf);
	}
}

int ktest_return_arg(void *arg)
{
	return (int)(u64)arg;
}

volatile u64 ktest_sibling_count;

int ktest_sibling(void *arg)
{
	for (;;) {
		ktest_sibling_count++;
		sleep_ms(10);
	}
	return 0;
}

bool ktest_sibling_runs_on(struct task *sib)
{
	u64 after = ktest_sibling_count;
	int status;

	while (ktest_sibling_count == after)
		sleep_ms(1);
	return kill(sib->pid) == 0 && wait(sib->pid, &status) == 0;
}

void ktest_read_byte(void *addr)
{
	(void)*(volatile u8 *)addr;
}

static bool expect_fault(void (*fn)(void *), void *arg, struct fault_record *rec, bool quiet)
{
	struct fault_catch fc = { .irq_depth = this_cpu_read(irq_depth), .quiet = quiet };

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

bool ktest_expect_fault(void (*fn)(void *), void *arg, struct fault_record *rec)
{
	return expect_fault(fn, arg, rec, false);
}

bool ktest_expect_fault_quiet(void (*fn)(void *), void *arg, struct fault_record *rec)
{
	return expect_fault(fn, arg, rec, true);
}

/*
 * Does name match the glob list (glob_list_match: globs and "!glob" exclusions)? The list lets
 * the grader run, in a fresh boot, the tests that a crash in an earlier test kept from running,
 * and make test leave the longest tests out of runs that repeat them.
 */
static bool ktest_selected(const char *globs, const char *name)
{
	return glob_list_match(globs, name);
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
