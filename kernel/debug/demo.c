/*
 * The boot menu's entries for a machine with a screen and nothing to type on.
 *
 * The overflow demo runs the lkdtm crash tests that end in a kill, one after another, each in
 * a task of its own, while a sibling task counts: a line says what is about to happen, the oops
 * follows, then how the task ended and that the sibling still counts. A pause after each lets
 * the report be read. At the end: a summary, and memory compared with what it was before.
 *
 * In the VMAP_STACK=n "before" kernel the same tests go unnoticed; the overruns that would wreck
 * it are kept for last, after the summary, so the crash they end in is the demo's final picture.
 */
#include "kernel/debug/demo.h"
#include "arch/x86_64/power.h"
#include "kernel/debug/ktest.h"
#include "kernel/debug/lkdtm.h"
#include "kernel/drivers/ps2kbd.h"
#include "kernel/drivers/serial.h"
#include "kernel/lib/string.h"
#include "kernel/printk/printk.h"
#include "kernel/reboot.h"
#include "kernel/task.h"

struct demo_step {
	const char *test;   /* an lkdtm test */
	const char *why;    /* one line for the screen: what happens, what to look for */
	const char *before; /* the same in the VMAP_STACK=n kernel; NULL: it cannot run there */
	/* VMAP_STACK=n: the overrun corrupts memory and the kernel panics: kept for last */
	bool wrecks_unguarded;
};

static const struct demo_step steps[] = {
	{ "STACK_GUARD_PAGE_LEADING",
	  "a task reads the byte just below its stack: the guard page there faults (#PF)",
	  "a task reads the byte just below its stack: nothing stops it", false },
	{ "STACK_GUARD_PAGE_TRAILING", "the same just above the stack: the upper guard faults",
	  "the same just above the stack: nothing stops it either", false },
	{ "STACK_BIG_FRAME",
	  "one frame larger than the whole stack: the compiler's stack probes hit the guard",
	  "one frame larger than the whole stack: it reaches into the memory below unnoticed",
	  false },
	{ "STACK_GUARD_PAGE_LEADING_NEARLY_FULL",
	  "a fault with 512 bytes of stack left: the report is printed from the IRQ stack", NULL,
	  false },
	{ "EXHAUST_STACK_IRQ_ENTRY",
	  "an interrupt's entry code overruns the stack: the interrupt is finished late", NULL,
	  false },
	{ "EXHAUST_STACK_IRQ_DELIVERY", "the CPU's own interrupt frame overruns the stack", NULL,
	  false },
	{ "EXHAUST_STACK",
	  "deep recursion fills the stack: the CPU double-faults onto a stack of its own (IST)",
	  "deep recursion fills the stack and runs on into the memory below it", true },
	{ "EXHAUST_STACK_IRQS_OFF", "the same with interrupts off: no timer tick is needed",
	  "the same with interrupts off", true },
};

/* The sibling: counts while the crash tests run beside it. */
static volatile u64 sibling_ticks;

static int sibling_counter(void *arg)
{
	for (;;) {
		sibling_ticks++;
		sleep_ms(20);
	}
	return 0;
}

/*
 * Does the sibling still count after a crash? It sleeps 20 ms between counts. The wait is
 * counted in our own wake-ups, not in time: each of our 10 ms sleeps lets the scheduler run
 * the sibling if it is due, however slowly the machine goes (a loaded host under QEMU). After
 * 500 of them with no count the sibling died or the scheduler stopped choosing it.
 */
static bool sibling_still_counts(int pid)
{
	u64 before = sibling_ticks;
	int i;

	for (i = 0; i < 500 && sibling_ticks == before; i++)
		sleep_ms(10);
	if (sibling_ticks == before) {
		pr_err("demo: the sibling counter (pid %d) has STOPPED at %lu\n", pid, before);
		return false;
	}
	printk("demo: the sibling counter (pid %d) is still counting: %lu -> %lu\n", pid, before,
	       sibling_ticks);
	return true;
}

/* Memory now, on the screen; the snapshot gives back what is only kept for later first. */
static void mem_figures(struct ktest_mem *m, const char *when)
{
	ktest_mem_snapshot(m);
	printk("demo: memory %s: free %lu pages, vmalloc %lu areas %lu pages, slab %lu, %lu "
	       "stacks\n",
	       when, m->free_pages, m->vm_areas, m->vm_pages, m->slab_objects, m->stacks);
}

/* Run one step; true if the guard caught it (the task was killed for its overflow). */
static bool run_step(const struct demo_step *s, int nr, int total, u64 pause_ms)
{
	const struct lkdtm_test *t = lkdtm_find(s->test);
	int status, pid;
	char how[40];

	printk("\n");
	pr_notice("demo: [%d/%d] %s: %s\n", nr, total, s->test, VMAP_STACK ? s->why : s->before);
	sleep_ms(pause_ms / 4);
	if (!t || lkdtm_run(t, &status, &pid)) {
		pr_err("demo: [%d/%d] %s: could not run it (%s)\n", nr, total, s->test,
		       t ? "out of memory" : "no such lkdtm test");
		return false;
	}
	printk("demo: [%d/%d] %s: pid %d %s (exit status %#x)\n", nr, total, s->test, pid,
	       exit_status_name(status, how, sizeof(how)), status);
	if (status == KILLED_STACK_OVERFLOW)
		return true;
	pr_warn("demo: [%d/%d] %s: the overrun was NOT caught: the task ran on\n", nr, total,
		s->test);
	return false;
}

/* Power off after opt->poweroff_s seconds; QEMU learns of a failure first (tests). */
static void end_or_return(const struct demo_options *opt, const char *who, bool ok)
{
	if (opt->poweroff_s == DEMO_NO_POWEROFF)
		return;
	printk("%s: powering off in %d s\n", who, opt->poweroff_s);
	sleep_ms((u64)opt->poweroff_s * 1000);
	if (!ok)
		qemu_exit(QEMU_EXIT_FAILURE);
	kernel_power_off();
}

/* Run the steps this kernel survives; counts those the guard caught and the sibling's health. */
static void run_steps(const struct demo_options *opt, int sibling_pid, int *caught, int *ran,
		      bool *sibling_ok)
{
	int i, total = ARRAY_SIZE(steps);

	for (i = 0; i < total; i++) {
		if (!VMAP_STACK && !steps[i].before) {
			printk("demo: [%d/%d] %s: skipped: it needs guard pages to run at all\n",
			       i + 1, total, steps[i].test);
			continue;
		}
		if (!VMAP_STACK && steps[i].wrecks_unguarded)
			continue;
		*caught += run_step(&steps[i], i + 1, total, opt->pause_ms);
		(*ran)++;
		*sibling_ok &= sibling_still_counts(sibling_pid);
		sleep_ms(opt->pause_ms);
	}
}

/* VMAP_STACK=n: the overruns kept for last; the first of them is expected to end the kernel. */
static void run_wrecking_steps(const struct demo_options *opt)
{
	int i, total = ARRAY_SIZE(steps);

	printk("\n");
	pr_warn("demo: last, the overruns that wreck a kernel without guard pages: it writes over "
		"whatever lies below the stack, and the kernel notices only later, if at all\n");
	sleep_ms(opt->pause_ms);
	for (i = 0; i < total; i++) {
		if (steps[i].wrecks_unguarded)
			run_step(&steps[i], i + 1, total, opt->pause_ms);
	}
}

void demo_run(const struct demo_options *opt)
{
	struct ktest_mem before, after;
	struct task *sib;
	int caught = 0, ran = 0;
	bool sibling_ok = true, mem_ok, ok;

	pr_notice("demo: the overflow demo: each crash test runs in a task of its own, while a "
		  "sibling task counts\n");
	printk("demo: this kernel: VMAP_STACK=%s, %u KiB stacks, %s\n", VMAP_STACK ? "y" : "n",
	       THREAD_SIZE >> 10,
	       VMAP_STACK ? "an unmapped guard page below and above each"
			  : "physically contiguous, no guard pages (the \"before\" kernel)");
	sib = kthread_create(sibling_counter, NULL, "counter");
	if (!sib) {
		pr_err("demo: no memory for the sibling task; demo abandoned\n");
		return;
	}
	kthread_detach(sib);
	wake_up_process(sib);
	printk("demo: sibling counter started: pid %d\n", sib->pid);
	mem_figures(&before, "before");
	sleep_ms(opt->pause_ms / 2);

	run_steps(opt, sib->pid, &caught, &ran, &sibling_ok);

	printk("\n");
	mem_figures(&after, "after");
	mem_ok = !ktest_mem_diff(&before, &after, "demo: ");
	/* Short lines: they must fit an 80-column screen to be read (and tested) there. */
	printk("demo: summary: %d crash tests, %d caught and killed, %d not caught\n", ran, caught,
	       ran - caught);
	if (sibling_ok)
		printk("demo: the sibling counter counted through all of them (%lu)\n",
		       sibling_ticks);
	else
		pr_err("demo: the sibling counter STOPPED\n");
	if (mem_ok)
		printk("demo: memory is back at its baseline\n");
	else
		pr_err("demo: memory is NOT back at its baseline\n");
	/* The before kernel is expected to miss every overrun, and still keep its memory. */
	ok = sibling_ok && mem_ok && caught == (VMAP_STACK ? ran : 0);
	if (ok)
		printk("demo: done: as expected for VMAP_STACK=%s\n", VMAP_STACK ? "y" : "n");
	else
		pr_err("demo: done: NOT as expected for VMAP_STACK=%s\n", VMAP_STACK ? "y" : "n");
	if (!VMAP_STACK)
		run_wrecking_steps(opt);
	end_or_return(opt, "demo", ok);
	if (serial_present() || ps2kbd_present())
		printk("demo: finished. The shell follows (%s).\n",
		       serial_present() && ps2kbd_present() ? "PS/2 keyboard and serial port"
		       : serial_present()		    ? "serial port"
							    : "PS/2 keyboard");
	else
		printk("demo: finished. No serial port, no PS/2 keyboard: nothing can be typed.\n");
	printk("demo: power the machine off when done.\n");
}

void selftest_run(const struct demo_options *opt)
{
	const char *glob = opt->glob ? opt->glob : "*";
	int total = ktest_count(glob), failed = 0, skipped, i;

	if (!strcmp(glob, "*"))
		pr_notice("selftest: running all %d in-kernel tests\n", total);
	else
		pr_notice("selftest: running the %d in-kernel tests of %s\n", total, glob);
	/* A glob that picks nothing is a mistake, as for test=: no "0 passed" that looks green. */
	if (total)
		failed = ktest_run(glob);
	else
		pr_err("selftest: no in-kernel test matches %s\n", glob);
	skipped = ktest_nr_skipped();
	printk("\n");
	/* A skipped test neither passed nor failed: said on a line of its own. */
	if (skipped)
		pr_notice("selftest: %d skipped (not for this kernel's configuration)\n", skipped);
	if (failed)
		pr_err("selftest: %d passed, %d failed\n", total - failed - skipped, failed);
	else
		pr_notice("selftest: %d passed, %d failed\n", total - skipped, 0);
	for (i = 0; ktest_failed_name(i); i++)
		pr_err("selftest: failed: %s\n", ktest_failed_name(i));
	if (i < failed)
		pr_err("selftest: and %d more failed (see the log above)\n", failed - i);
	end_or_return(opt, "selftest", total && !failed);
	printk("selftest: finished; halted. Power off when done.\n");
	machine_halt();
}
