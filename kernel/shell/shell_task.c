/* Shell commands about tasks: ps, spawn, kill, and meminfo's stack lines. */
#include "kernel/debug/lkdtm.h"
#include "kernel/debug/torture.h"
#include "kernel/printk/printk.h"
#include "kernel/shell/shell_cmds.h"
#include "kernel/lib/errno.h"
#include "kernel/lib/string.h"
#include "kernel/lib/vsprintf.h"
#include "kernel/stack_tracer.h"
#include "kernel/task.h"
#include "kernel/time.h"

static const char *state_name(enum task_state s)
{
	static const char *const names[] = { "new",	 "runnable", "running",
					     "sleeping", "blocked",  "dead" };

	return s < ARRAY_SIZE(names) ? names[s] : "?";
}

static void ps_line(struct task *t, void *ctx)
{
	u64 used = t->stack.base ? stack_high_water(&t->stack) : t->max_stack_used;
	u64 g = stack_guard_size();
	char cpu[8];

	/* The CPU it runs or last ran on; "2!" if it may run on CPU 2 only; "-" never ran. */
	if (t->cpu < 0)
		snprintf(cpu, sizeof(cpu), "-");
	else
		snprintf(cpu, sizeof(cpu), "%d%s", t->cpu, t->cpu_allowed >= 0 ? "!" : "");
	if (t->stack.base)
		printk("%5d %-15s %-9s %3s %016lx-%016lx %3lu KiB guard %5lu/%lu\n", t->pid,
		       t->comm, state_name(t->state), cpu, t->stack.base, stack_top(&t->stack),
		       g >> 10, used, (u64)THREAD_SIZE);
	else
		printk("%5d %-15s %-9s %3s (stack released)                                 "
		       "%5lu/%lu\n",
		       t->pid, t->comm, state_name(t->state), cpu, used, (u64)THREAD_SIZE);
}

int cmd_ps(int argc, char **argv)
{
	printk("  PID NAME            STATE     CPU STACK (guards below and above)                 "
	       "      USED/SIZE\n");
	for_each_task(ps_line, NULL);
	shell_ps_processes();
	return 0;
}

void shell_meminfo_stacks(void)
{
	struct stack_stats st;

	stack_stats(&st);
	printk("KernelStack:  %10lu kB  (%lu stacks of %u KiB in use, %s)\n",
	       st.in_use * (THREAD_SIZE >> 10), st.in_use, THREAD_SIZE >> 10,
	       VMAP_STACK ? "vmapped with guard pages" : "direct-mapped, no guards");
	printk("StackCache:   %10lu kB  (%lu cached of %d per CPU; %lu hits, %lu misses)\n",
	       st.cached * (THREAD_SIZE >> 10), st.cached, NR_CACHED_STACKS, st.cache_hits,
	       st.cache_misses);
	printk("StackXCPU:    %10lu     (stacks freed on another CPU than they were allocated "
	       "on)\n",
	       st.cross_cpu_frees);
}

/* The stack tracer (kernel/stack_tracer.h): show its records, or turn it on, off, or reset it. */
int cmd_stack_trace(int argc, char **argv)
{
	if (argc == 1) {
		stack_tracer_show();
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "on")) {
		stack_tracer_enable(true);
	} else if (argc == 2 && !strcmp(argv[1], "off")) {
		stack_tracer_enable(false);
	} else if (argc == 2 && !strcmp(argv[1], "reset")) {
		stack_tracer_reset();
	} else {
		printk("usage: stack_trace [on|off|reset]\n");
		return -1;
	}
	printk("stack_trace: %s\n", argv[1]);
	return 0;
}

/* A demo task: counts and sleeps, forever, until killed. */
static int counter_task(void *arg)
{
	u64 n;

	for (n = 0;; n++)
		sleep_ms(100 + 10 * (u64)arg);
	return 0;
}

static bool parse_count(const char *s, u64 max, u64 *out, const char *what)
{
	if (kstrtou64(s, out) || *out > max) {
		pr_err("%s: '%s' is not a number from 0 to %lu\n", what, s, max);
		return false;
	}
	return true;
}

/* An optional CPU number: -1 if absent, -2 (reported) if it names no CPU that runs tasks. */
static int parse_cpu(int argc, char **argv, int i, const char *what)
{
	u64 cpu;

	if (argc <= i)
		return -1;
	if (!parse_count(argv[i], NR_CPUS - 1, &cpu, what))
		return -2;
	return (int)cpu;
}

int cmd_spawn(int argc, char **argv)
{
	u64 n, i;
	int cpu;

	if (argc < 2 || argc > 3) {
		pr_err("usage: spawn <n> [cpu]   (start n demo tasks that count and sleep; with "
		       "cpu, "
		       "on that CPU only)\n");
		return -1;
	}
	if (!parse_count(argv[1], 1000, &n, "spawn"))
		return -1;
	cpu = parse_cpu(argc, argv, 2, "spawn");
	if (cpu == -2)
		return -1;
	for (i = 0; i < n; i++) {
		struct task *t = kthread_create(counter_task, (void *)(i % 10), "counter");

		if (!t) {
			pr_err("spawn: out of memory after %lu tasks\n", i);
			return -1;
		}
		if (cpu >= 0 && set_cpus_allowed(t, cpu)) {
			pr_err("spawn: CPU %d does not run tasks (cpuinfo lists the CPUs)\n", cpu);
			kill_and_reap(t->pid, NULL);
			return -1;
		}
		kthread_detach(t);
		wake_up_process(t);
		printk("started pid %d\n", t->pid);
	}
	return 0;
}

int cmd_kill(int argc, char **argv)
{
	u64 pid;
	int err;

	if (argc != 2) {
		pr_err("usage: kill <pid>\n");
		return -1;
	}
	if (!parse_count(argv[1], 0x7fffffff, &pid, "kill"))
		return -1;
	err = kill_and_reap(pid, NULL);
	if (err == -ESRCH)
		pr_err("kill: no task with pid %lu\n", pid);
	else if (err == -EPERM)
		pr_err("kill: pid %lu cannot be killed (idle, init and the shell itself)\n", pid);
	else
		printk("killed pid %lu\n", pid);
	return err ? -1 : 0;
}

int cmd_lkdtm(int argc, char **argv)
{
	const struct lkdtm_test *t;
	int i, status, pid, cpu = -1, err;
	bool here = argc == 3 && !strcmp(argv[2], "here");
	char how[40];

	if (argc < 2 || argc > 3) {
		pr_err("usage: lkdtm <NAME> [here|<cpu>]   (lkdtm list: the tests; here: in the "
		       "shell's own task, init; cpu: in a new task on that CPU)\n");
		return -1;
	}
	if (!strcmp(argv[1], "list")) {
		for (i = 0; i < lkdtm_nr_tests; i++)
			printk("  %-26s %s\n", lkdtm_tests[i].name, lkdtm_tests[i].what);
		return 0;
	}
	t = lkdtm_find(argv[1]);
	if (!t) {
		pr_err("lkdtm: unknown test '%s' (lkdtm list: the tests)\n", argv[1]);
		return -1;
	}
	if (argc == 3 && !here) {
		cpu = parse_cpu(argc, argv, 2, "lkdtm");
		if (cpu == -2)
			return -1;
	}
	if (here) {
		/* Linux's lkdtm runs in the task that asked: init, here, which must not be killed.
		 */
		printk("lkdtm: performing %s in pid %d (%s)\n", t->name, current->pid,
		       current->comm);
		status = t->fn(NULL);
		printk("lkdtm: %s: returned %d\n", t->name, status);
		return 0;
	}
	if (cpu >= 0)
		printk("lkdtm: performing %s in a new task on CPU %d\n", t->name, cpu);
	else
		printk("lkdtm: performing %s in a new task\n", t->name);
	err = lkdtm_run_on(t, cpu, &status, &pid);
	if (err == -EINVAL) {
		pr_err("lkdtm: CPU %d does not run tasks (cpuinfo lists the CPUs)\n", cpu);
		return -1;
	}
	if (err) {
		pr_err("lkdtm: could not start a task (out of memory)\n");
		return -1;
	}
	printk("lkdtm: %s: pid %d %s (status %#x)\n", t->name, pid,
	       exit_status_name(status, how, sizeof(how)), status);
	return 0;
}

int cmd_stacktorture(int argc, char **argv)
{
	u64 rounds, seed = 0x5eed, first = 0;
	struct torture_result res;
	bool ok;

	if (argc < 2 || argc > 4 || kstrtou64(argv[1], &rounds) ||
	    (argc > 2 && kstrtou64(argv[2], &seed)) || (argc > 3 && kstrtou64(argv[3], &first))) {
		pr_err("usage: stacktorture <rounds> [seed [first round]]\n");
		return -1;
	}
	printk("stacktorture: rounds %lu..%lu, seed %#lx\n", first, rounds, seed);
	ok = stacktorture(rounds, seed, first, false, &res);
	printk("stacktorture-done: %s: %lu killed, %lu without overflow, seed %#lx\n",
	       ok ? "system whole after every round" : "FAILED", res.killed, res.survived, seed);
	return ok ? 0 : -1;
}

int cmd_heaptorture(int argc, char **argv)
{
	u64 rounds, seed = 0x5eed, killed;
	bool ok;

	if (argc < 2 || argc > 3 || kstrtou64(argv[1], &rounds) ||
	    (argc > 2 && kstrtou64(argv[2], &seed))) {
		pr_err("usage: heaptorture <rounds> [seed]\n");
		return -1;
	}
	printk("heaptorture: %lu rounds, seed %#lx\n", rounds, seed);
	ok = heaptorture(rounds, seed, &killed);
	printk("heaptorture-done: %s: %lu killed, %lu survived, seed %#lx\n",
	       ok ? "system whole after every round" : "FAILED", killed, rounds - killed, seed);
	return ok ? 0 : -1;
}
