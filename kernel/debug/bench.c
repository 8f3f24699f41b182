/*
 * The benchmark harness: runs the figures of kernel/debug/bench_figures.c, takes the median of many
 * runs of each, and prints the results.
 *
 * How a group is measured. Its figures run in rounds, one run of each per round, and each round
 * starts with a different figure: slow drift (caches filling, the host's load under a hypervisor,
 * TCG translating new code) then falls on all of them alike, and no figure always runs right
 * after the same neighbour. The first rounds only warm up and are thrown away. A figure's value
 * is its median run: one timer tick or host hiccup inside a run moves the maximum, not the
 * median. Min and max are printed to show the spread.
 */
#include "kernel/debug/bench.h"
#include "boot/setup.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/power.h"
#include "kernel/lib/glob.h"
#include "kernel/printk/printk.h"
#include "kernel/smp.h"
#include "kernel/stack.h"
#include "kernel/lib/string.h"
#include "kernel/reboot.h"
#include "kernel/time.h"
#include "mm/vmalloc.h"
#include "kernel/user/kstack_offset.h"
#include "arch/x86_64/asm/irqflags.h"

#define BENCH_WARMUP_ROUNDS 10
#define BENCH_SMOKE_RUNS    5
#define BENCH_MAX_RESULTS   64

struct bench_result {
	const char *name;
	u64 median, min, max;
	int runs;
};

static u64 samples[BENCH_MAX_OPS][BENCH_MAX_RUNS];
static const char *op_error[BENCH_MAX_OPS];
static struct bench_result results[BENCH_MAX_RESULTS];
static int nr_results, nr_failed;
static const char *run_error; /* set by bench_fail() during the current run */

void bench_fail(const char *why)
{
	if (!run_error)
		run_error = why;
}

/* Who runs us: "TCG" (QEMU's emulator), "KVM", another hypervisor's name, or "none". */
static const char *bench_accel(void)
{
	if (!boot_cpu.hypervisor)
		return "none";
	if (!strcmp(boot_cpu.hv_vendor, "TCGTCGTCGTCG"))
		return "TCG";
	if (!strncmp(boot_cpu.hv_vendor, "KVMKVMKVM", 9))
		return "KVM";
	return boot_cpu.hv_vendor[0] ? boot_cpu.hv_vendor : "unknown";
}

/*
 * Under QEMU's -icount shift=0,sleep=off the TSC advances by one per guest instruction (`icount`
 * on the command line says so): every figure is then an exact instruction count, the same from
 * boot to boot. A cost model, not time: it sees no cache or TLB miss.
 */
static bool counting(void)
{
	return boot_params.icount;
}

static void print_config(bool smoke)
{
	printk("bench-config: accel=%s vmap_stack=%s thread_size=%d guard_pages=%d "
	       "nr_cached_stacks=%d tsc_khz=%lu mode=%s clock=%s\n",
	       bench_accel(), VMAP_STACK ? "y" : "n", THREAD_SIZE, STACK_GUARD_PAGES,
	       NR_CACHED_STACKS, tsc_khz, smoke ? "smoke" : "full",
	       counting() ? "instructions" : "cycles");
	if (!randomize_kstack_offset)
		printk("bench-note: randomize_kstack_offset=off: system calls run without the "
		       "random stack offset\n");
	if (!strcmp(bench_accel(), "TCG"))
		printk("bench-note: TCG emulates the TLB in software: figures about TLB costs say "
		       "nothing about hardware (use KVM=1)\n");
}

static bool op_selected(const struct bench_op *op, const char *glob)
{
	return glob_match(glob, op->name);
}

/* The groups of bench_figures.c, then those of bench_smp.c, then those of bench_user.c. */
static int nr_groups(void)
{
	return bench_nr_groups + bench_smp_nr_groups + bench_user_nr_groups;
}

static const struct bench_group *group(int g)
{
	if (g < bench_nr_groups)
		return &bench_groups[g];
	g -= bench_nr_groups;
	return g < bench_smp_nr_groups ? &bench_smp_groups[g]
				       : &bench_user_groups[g - bench_smp_nr_groups];
}

/* A group that needs more CPUs than are online is left out: its figures do not exist here. */
static bool group_runs_here(const struct bench_group *g)
{
	return g->min_cpus <= num_online_cpus();
}

static int count_selected(const char *glob)
{
	int g, i, n = 0;

	for (g = 0; g < nr_groups(); g++) {
		if (!group_runs_here(group(g)))
			continue;
		for (i = 0; i < group(g)->nr_ops; i++)
			n += op_selected(&group(g)->ops[i], glob);
	}
	return n;
}

/* Insertion sort: at most BENCH_MAX_RUNS values, once per figure. */
static void sort_u64(u64 *a, int n)
{
	int i, j;

	for (i = 1; i < n; i++) {
		u64 v = a[i];

		for (j = i; j > 0 && a[j - 1] > v; j--)
			a[j] = a[j - 1];
		a[j] = v;
	}
}

static void record(const char *name, u64 *s, int runs)
{
	struct bench_result r = { name, 0, 0, 0, runs };

	sort_u64(s, runs);
	r.median = s[runs / 2];
	r.min = s[0];
	r.max = s[runs - 1];
	if (counting())
		printk("bench: %s instructions=%lu min=%lu max=%lu runs=%d\n", name, r.median,
		       r.min, r.max, runs);
	else
		printk("bench: %s median_cycles=%lu median_ns=%lu min=%lu max=%lu runs=%d\n", name,
		       r.median, cycles_to_ns(r.median), r.min, r.max, runs);
	if (nr_results < BENCH_MAX_RESULTS)
		results[nr_results++] = r;
	else
		printk("bench: %s left out of the summary table: more than %d figures\n", name,
		       BENCH_MAX_RESULTS);
}

static void fail(const char *name, const char *why)
{
	printk("bench-error: %s: %s\n", name, why);
	nr_failed++;
}

/* One run of op i into samples[i][slot] (slot < 0: a warm-up run, not kept). */
static void run_once(const struct bench_group *g, int i, int slot)
{
	const struct bench_op *op = &g->ops[i];
	u64 flags = 0, cycles;

	if (!op->irqs_on)
		flags = local_irq_save();
	run_error = NULL;
	cycles = op->run();
	if (!op->irqs_on) {
		local_irq_restore(flags);
		/*
		 * With other CPUs online, a vfree() with interrupts off cannot purge: untimed,
		 * do what the kernel's next allocation would, or freed areas pile up run after
		 * run until their pages fill memory. With one CPU nothing is ever left due.
		 */
		vmalloc_purge_if_due();
	}
	if (run_error && !op_error[i])
		op_error[i] = run_error;
	if (slot >= 0)
		samples[i][slot] = cycles;
}

/* Warm-up rounds, then `runs` rounds; round r starts with op r % nr_ops. */
static void run_rounds(const struct bench_group *g, const bool *sel, int runs)
{
	int r, k, n = g->nr_ops;

	for (r = -BENCH_WARMUP_ROUNDS; r < runs; r++) {
		for (k = 0; k < n; k++) {
			int i = ((r < 0 ? -r : r) + k) % n;

			if (sel[i])
				run_once(g, i, r);
		}
	}
}

static void run_group(const struct bench_group *g, const char *glob, bool smoke)
{
	bool sel[BENCH_MAX_OPS];
	int i, n = 0, runs = smoke ? BENCH_SMOKE_RUNS : MIN(g->runs, BENCH_MAX_RUNS);

	for (i = 0; i < g->nr_ops && i < BENCH_MAX_OPS; i++) {
		sel[i] = op_selected(&g->ops[i], glob);
		op_error[i] = NULL;
		n += sel[i];
	}
	if (!n)
		return;
	if (g->setup && g->setup(g->param)) {
		for (i = 0; i < g->nr_ops; i++) {
			if (sel[i])
				fail(g->ops[i].name, "set-up failed (out of memory?)");
		}
		return;
	}
	run_rounds(g, sel, runs);
	if (g->teardown)
		g->teardown();
	for (i = 0; i < g->nr_ops; i++) {
		if (sel[i] && op_error[i])
			fail(g->ops[i].name, op_error[i]);
		else if (sel[i])
			record(g->ops[i].name, samples[i], runs);
	}
}

static const struct bench_result *find_result(const char *name)
{
	int i;

	for (i = 0; i < nr_results; i++) {
		if (!strcmp(results[i].name, name))
			return &results[i];
	}
	return NULL;
}

/*
 * Under TCG the THREAD_SIZE memset that zeroes a stack is most of every stack figure; on hardware
 * it is a few hundred cycles. What the allocators themselves cost is the figure above that floor.
 */
static void print_above_floor(void)
{
	const char *const *zeroing = bench_zeroing_names();
	const struct bench_result *floor = find_result(bench_floor_name()), *r;
	int i;

	if (!floor)
		return;
	for (i = 0; zeroing[i]; i++) {
		r = find_result(zeroing[i]);
		if (r)
			printk("bench-floor: %s above=%ld floor=%s\n", r->name,
			       (long)(r->median - floor->median), floor->name);
	}
}

static void print_table(void)
{
	int i;

	printk("\n%-32s %12s %10s %12s %12s %10s %10s %5s\n", "figure", "median cyc", "median ns",
	       "min cyc", "max cyc", "min ns", "max ns", "runs");
	for (i = 0; i < nr_results; i++) {
		const struct bench_result *r = &results[i];

		printk("%-32s %12lu %10lu %12lu %12lu %10lu %10lu %5d\n", r->name, r->median,
		       cycles_to_ns(r->median), r->min, r->max, cycles_to_ns(r->min),
		       cycles_to_ns(r->max), r->runs);
	}
	printk("Measured under %s with VMAP_STACK=%s (THREAD_SIZE %d, TSC %lu.%03lu MHz)%s\n",
	       bench_accel(), VMAP_STACK ? "y" : "n", THREAD_SIZE, tsc_khz / 1000, tsc_khz % 1000,
	       strcmp(bench_accel(), "TCG") ? "" : ": TCG's software TLB says nothing about TLBs");
}

/* Run every figure whose name matches glob; returns the number that failed. */
static int bench_run(const char *glob, bool smoke)
{
	int g, planned;

	bench_figures_init();
	bench_smp_init();
	nr_results = 0;
	nr_failed = 0;
	planned = count_selected(glob);
	print_config(smoke);
	printk("bench-plan: %d figures\n", planned);
	for (g = 0; g < nr_groups(); g++) {
		if (group_runs_here(group(g)))
			run_group(group(g), glob, smoke);
	}
	print_above_floor();
	print_table();
	printk("bench-done: %d figures, %d failed\n", nr_results, nr_failed);
	return nr_failed;
}

static void bench_list(void)
{
	int g, i;

	bench_figures_init();
	bench_smp_init();
	for (g = 0; g < nr_groups(); g++) {
		printk("%s (%d runs%s):\n", group(g)->what, group(g)->runs,
		       group_runs_here(group(g)) ? "" : "; needs more CPUs than are online");
		for (i = 0; i < group(g)->nr_ops; i++)
			printk("  %s\n", group(g)->ops[i].name);
	}
}

/* `bench` runs everything, `bench <glob>` the matching figures, `bench smoke [glob]` 5 runs. */
int cmd_bench(int argc, char **argv)
{
	bool smoke = argc >= 2 && !strcmp(argv[1], "smoke");
	const char *glob = argc >= 2 + smoke ? argv[1 + smoke] : "*";

	if (argc > 2 + smoke) {
		pr_err("usage: bench [list | smoke [glob] | glob]\n");
		return -1;
	}
	if (argc == 2 && !strcmp(argv[1], "list")) {
		bench_list();
		return 0;
	}
	bench_figures_init();
	bench_smp_init();
	if (!count_selected(glob)) {
		pr_err("bench: no figure matches '%s' (bench list: the figures)\n", glob);
		return -1;
	}
	return bench_run(glob, smoke) ? -1 : 0;
}

void bench_main(const char *name)
{
	bool smoke = !strcmp(name, "smoke");
	const char *glob = *name && !smoke ? name : "*";

	if (!strcmp(name, "list")) {
		bench_list();
		kernel_power_off();
	}
	bench_figures_init();
	bench_smp_init();
	if (!count_selected(glob))
		pr_err("bench: no figure matches '%s'\n", glob);
	if (!count_selected(glob) || bench_run(glob, smoke)) {
		qemu_exit(QEMU_EXIT_FAILURE);
		machine_halt();
	}
	kernel_power_off();
}
