/*
 * The user-mode figures of the benchmark (kernel/debug/bench.c runs them after bench_smp.c's):
 * what a process costs to create, what a system call costs, what a switch from one process to
 * another costs. The programs are user/bench_*.c, from the initrd.
 *
 * How a figure from ring 3 is measured in the kernel. The kernel cannot see where a program's
 * loop starts, but it can time the whole life of a process: spawn, run, exit, wait. A run of
 * syscall_null times `bench_null N` (N getpid calls) and `bench_null 0` (the same program, the
 * same argument parsing, no call), both in that run; the difference is N round trips from ring
 * 3 into the kernel and back, loop included, and no part of the process's creation. user_switch
 * does the same with two processes that yield to each other N times each.
 *
 * N is large because a timed process's creation varies from run to run by far more than one
 * call costs (TCG translates its code afresh, the host stalls): spread over N calls, that noise
 * becomes a few cycles per call. Counted (ICOUNT=1) it cancels exactly.
 */
#include "boot/setup.h"
#include "kernel/debug/bench.h"
#include "kernel/printk/printk.h"
#include "kernel/task.h"
#include "kernel/user/initrd.h"
#include "kernel/user/process.h"
#include "kernel/user/stackleak.h"

#define NULL_CALLS 100000 /* getpid calls per run of syscall_null */
#define YIELDS	   10000  /* yields per process per run of user_switch: 2 * YIELDS switches */
#define PROG_EXIT  "bench_exit"
#define PROG_NULL  "bench_null"
#define PROG_YIELD "bench_yield"
/* The counts as the programs' argument strings. */
#define STR(x)	#x
#define XSTR(x) STR(x)

/* Every program must be in the initrd, or no figure of the group can be measured. */
static int programs_setup(u64 unused)
{
	const char *progs[] = { PROG_EXIT, PROG_NULL, PROG_YIELD };
	const void *data;
	size_t len;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(progs); i++) {
		if (initrd_find(progs[i], &data, &len)) {
			pr_err("bench: %s is not in the initrd (make builds it from user/)\n",
			       progs[i]);
			return -1;
		}
	}
	return 0;
}

/* Wait for pid and check it exited with 0; false (and the run failed) if not. */
static bool reap_ok(int pid)
{
	int status;

	if (process_wait(pid, &status) != pid) {
		bench_fail("wait did not return the child");
		return false;
	}
	if (status) {
		bench_fail("a benchmark program did not exit with 0");
		return false;
	}
	return true;
}

/* Spawn program with args, wait for it to exit: the cycles from before the spawn to after. */
static u64 time_process(const char *prog, const char *args)
{
	u64 t0 = bench_clock();
	int pid = process_spawn(prog, args);

	if (pid < 0) {
		bench_fail("spawn failed (out of memory?)");
		return 0;
	}
	if (!reap_ok(pid))
		return 0;
	return bench_clock() - t0;
}

/*
 * (all - none) / calls. Counted (icount), a process with calls never takes fewer instructions
 * than the same process without them: that is a failure. Timed on a busy host, the noise of the
 * two runs can be larger than the calls' cost: the figure is then 0, with a note, never a
 * failure (a verdict must not depend on how loaded the host is).
 */
static u64 difference_per_call(u64 all, u64 none, u64 calls)
{
	if (all >= none)
		return (all - none) / calls;
	if (boot_params.icount)
		bench_fail(
			"the process without calls took more instructions than the one with them");
	else
		pr_info("bench-note: the process without calls took longer (timing noise): 0\n");
	return 0;
}

/* A minimal process (it exits at once): spawn, exit, wait. */
static u64 run_process(void)
{
	return time_process(PROG_EXIT, NULL);
}

/* Per call: (the process with NULL_CALLS getpid calls) - (the same process with none). */
static u64 run_syscall_null(void)
{
	u64 none = time_process(PROG_NULL, "0");
	u64 all = time_process(PROG_NULL, XSTR(NULL_CALLS));

	return difference_per_call(all, none, NULL_CALLS);
}

/*
 * Two bench_yield processes, both created before either starts (so every yield finds the other
 * ready), then both waited for: the cycles of the whole.
 */
static u64 time_pair(const char *args)
{
	u64 t0 = bench_clock();
	int pid[2], n, i;
	bool ok = true;

	for (n = 0; n < 2; n++) {
		pid[n] = process_create(PROG_YIELD, args);
		if (pid[n] < 0)
			break;
	}
	for (i = 0; i < n; i++)
		wake_up_process(find_task(pid[i]));
	for (i = 0; i < n; i++)
		ok &= reap_ok(pid[i]);
	if (n < 2)
		bench_fail("spawn failed (out of memory?)");
	return ok && n == 2 ? bench_clock() - t0 : 0;
}

/* Per switch: (two processes yielding YIELDS times each) - (the same two not yielding). */
static u64 run_user_switch(void)
{
	u64 none = time_pair("0");
	u64 all = time_pair(XSTR(YIELDS));

	if (all < none) {
		bench_fail("the processes without yields took longer than those with them");
		return 0;
	}
	return (all - none) / (2 * YIELDS);
}

/* Interrupts on in all: processes are tasks, scheduled and reaped. */
static const struct bench_op process_ops[] = {
	{ "process_create_exit_wait", run_process, true },
	{ "syscall_null", run_syscall_null, true },
	{ "user_switch", run_user_switch, true },
};

#define OPS(a) .ops = (a), .nr_ops = ARRAY_SIZE(a)

/*
 * Stack erasing (kernel/user/stackleak.c): what it adds to a null system call, and to system
 * calls of three depths - 1, 4 and 12 frames of 512 bytes, about 0.5, 2 and 6 KiB - with it on
 * and off. The erase scans and fills what the call used, so its share must grow with the depth.
 */
#define PROG_KSTACK "bench_kstack"
#define DEPTH_CALLS 2000 /* system calls per run of a syscall_stack_* figure */

static int kstack_setup(u64 unused)
{
	const void *data;
	size_t len;

	if (!initrd_find(PROG_KSTACK, &data, &len) && !initrd_find(PROG_NULL, &data, &len))
		return 0;
	pr_err("bench: %s or %s is not in the initrd (make builds them from user/)\n", PROG_KSTACK,
	       PROG_NULL);
	return -1;
}

/* Per call, with erasing on or off: (prog with `all` args) - (prog with `none`), / calls. */
static u64 per_call(const char *prog, const char *none_args, const char *all_args, u64 calls,
		    bool erase)
{
	bool was = kstack_erase_enabled;
	u64 none, all;

	kstack_erase_enabled = erase;
	none = time_process(prog, none_args);
	all = time_process(prog, all_args);
	kstack_erase_enabled = was;
	return difference_per_call(all, none, calls);
}

static u64 run_null_erase_off(void)
{
	return per_call(PROG_NULL, "0", XSTR(NULL_CALLS), NULL_CALLS, false);
}

#define DEPTH_FIGURE(fn, frames, erase)                                                            \
	static u64 fn(void)                                                                        \
	{                                                                                          \
		return per_call(PROG_KSTACK, #frames " 0", #frames " " XSTR(DEPTH_CALLS),          \
				DEPTH_CALLS, erase);                                               \
	}
DEPTH_FIGURE(run_stack_512, 1, true)
DEPTH_FIGURE(run_stack_2k, 4, true)
DEPTH_FIGURE(run_stack_6k, 12, true)
DEPTH_FIGURE(run_stack_512_off, 1, false)
DEPTH_FIGURE(run_stack_2k_off, 4, false)
DEPTH_FIGURE(run_stack_6k_off, 12, false)

static const struct bench_op erase_ops[] = {
	{ "syscall_null_erase_off", run_null_erase_off, true },
	{ "syscall_stack_512", run_stack_512, true },
	{ "syscall_stack_2k", run_stack_2k, true },
	{ "syscall_stack_6k", run_stack_6k, true },
	{ "syscall_stack_512_erase_off", run_stack_512_off, true },
	{ "syscall_stack_2k_erase_off", run_stack_2k_off, true },
	{ "syscall_stack_6k_erase_off", run_stack_6k_off, true },
};

const struct bench_group bench_user_groups[] = {
	{ .what = "user mode: a process spawned, exited, waited; a null system call; a switch "
		  "between two processes",
	  OPS(process_ops),
	  .runs = 21,
	  .setup = programs_setup },
	{ .what = "stack erasing: a null system call with it off; system calls 0.5, 2 and 6 KiB "
		  "deep, with it on and off",
	  OPS(erase_ops),
	  .runs = 21,
	  .setup = kstack_setup },
};
const int bench_user_nr_groups = ARRAY_SIZE(bench_user_groups);
