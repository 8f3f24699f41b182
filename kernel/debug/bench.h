/*
 * In-kernel benchmarks: what virtually mapped stacks cost, timed with the TSC.
 *
 * `bench` on the command line (or `bench=<glob>`, `bench=smoke`, `bench=list`) runs them at boot
 * and powers off; the shell's `bench` command runs them in a live system. Each figure prints
 *
 *	bench: <name> median_cycles=<n> median_ns=<n> min=<n> max=<n> runs=<n>
 *
 * (min and max in cycles) - or, with `icount` on the command line (QEMU's -icount shift=0),
 * `bench: <name> instructions=<n> min=<n> max=<n> runs=<n>` - and a table follows at the end.
 *kernel/debug/bench.c is the harness, kernel/debug/bench_figures.c the figures; docs/BENCHMARKS.md
 *says what each one measures.
 */
#ifndef KERNEL_BENCH_H
#define KERNEL_BENCH_H

#include "arch/x86_64/asm/msr.h"
#include "kernel/lib/types.h"

/* Run the benchmarks named on the command line, print the results, power off. */
__attribute__((noreturn)) void bench_main(const char *name);
/* The shell's `bench [list | smoke [glob] | glob]`. */
int cmd_bench(int argc, char **argv);

/* ---------------------------------------------------------------- for the figures */

#define BENCH_MAX_OPS  8 /* figures in one group */
#define BENCH_MAX_RUNS 1001

/*
 * One figure: each call of run() does one run and returns the TSC cycles it timed. Runs have
 * interrupts off, so a timer tick cannot land inside one, unless the figure needs the scheduler.
 */
struct bench_op {
	const char *name;
	u64 (*run)(void);
	bool irqs_on; /* it creates or switches tasks: leave interrupts on */
};

/*
 * Figures that share a set-up, and whose runs are interleaved so they are measured under the
 * same conditions (kernel/debug/bench.c). setup(param) returns 0, or -1 if it could not (every
 * figure of the group is then reported as failed); teardown undoes it.
 */
struct bench_group {
	const char *what; /* one line for `bench list` */
	const struct bench_op *ops;
	int nr_ops;
	int runs; /* odd, so the median is one run; smoke mode runs fewer */
	int (*setup)(u64 param);
	void (*teardown)(void);
	u64 param;
	u32 min_cpus; /* left out with fewer CPUs online (0: always runs) */
};

extern const struct bench_group bench_groups[];
extern const int bench_nr_groups;
/* The SMP figures (kernel/debug/bench_smp.c): IPIs, TLB shootdowns, the lazy purge. */
extern const struct bench_group bench_smp_groups[];
extern const int bench_smp_nr_groups;
void bench_smp_init(void);
/* The user-mode figures (kernel/debug/bench_user.c): system call, process, switch. */
extern const struct bench_group bench_user_groups[];
extern const int bench_user_nr_groups;
/* Fill in the names that depend on the configuration (THREAD_SIZE); called before any use. */
void bench_figures_init(void);
/* The memset of a whole stack, and the figures that contain one (NULL-terminated). */
const char *bench_floor_name(void);
const char *const *bench_zeroing_names(void);

/*
 * The TSC, read when every earlier instruction has completed (the lfence in rdtsc_ordered())
 * and before any later one starts (the lfence after it): nothing leaks into or out of the
 * timed region (Intel SDM vol. 2, RDTSC). On AMD the lfences order it the same way where
 * lfence is dispatch-serialising (Linux's X86_FEATURE_LFENCE_RDTSC).
 */
static inline u64 bench_clock(void)
{
	u64 t = rdtsc_ordered();

	asm volatile("lfence" : : : "memory");
	return t;
}

/* A run could not do its work (no memory, ...): the figure is reported as failed. */
void bench_fail(const char *why);

#endif
