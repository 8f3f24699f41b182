/* Shell commands about user processes: run, and ps's lines about them. */
#include "kernel/lib/errno.h"
#include "kernel/lib/string.h"
#include "kernel/printk/console.h"
#include "kernel/printk/printk.h"
#include "kernel/shell/shell_cmds.h"
#include "kernel/task.h"
#include "kernel/user/process.h"
#include "mm/user_mm.h"

static int foreground_pid; /* the program run waits for; 0: none */

/* Ctrl-C while run waits, in the input interrupt: end the program, as a terminal's ^C would. */
static void interrupt_foreground(void)
{
	int pid = __atomic_load_n(&foreground_pid, __ATOMIC_ACQUIRE);

	if (pid && kill(pid) == 0)
		printk("^C\n");
}

/* run <program> [args]: start it from the initrd, wait for it, say how it ended. */
int cmd_run(int argc, char **argv)
{
	char args[USER_ARGS_MAX], how[48];
	size_t len = 0;
	int i, pid, status, typed_ahead;

	if (argc < 2) {
		printk("usage: run <program> [args...]\n");
		return -1;
	}
	args[0] = '\0';
	for (i = 2; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (len + n + 2 > sizeof(args)) {
			pr_err("run: the arguments are longer than %d bytes\n", USER_ARGS_MAX - 1);
			return -1;
		}
		if (len)
			args[len++] = ' ';
		memcpy(args + len, argv[i], n + 1);
		len += n;
	}
	/* Created stopped, and started only once Ctrl-C can reach it: a ^C typed right away counts.
	 */
	pid = process_create(argv[1], args);
	if (pid == -ENOENT) {
		pr_err("run: no program '%s' (ls lists them)\n", argv[1]);
		return -1;
	}
	if (pid < 0) {
		pr_err("run: cannot start '%s': error %d\n", argv[1], -pid);
		return -1;
	}
	__atomic_store_n(&foreground_pid, pid, __ATOMIC_RELEASE);
	typed_ahead = console_set_interrupt(interrupt_foreground);
	wake_up_process(find_task(pid));
	if (typed_ahead)
		interrupt_foreground();
	i = process_wait(pid, &status);
	console_set_interrupt(NULL);
	__atomic_store_n(&foreground_pid, 0, __ATOMIC_RELEASE);
	if (i != pid) {
		pr_err("run: lost track of %s (pid %d)\n", argv[1], pid);
		return -1;
	}
	printk("%s (pid %d): %s\n", argv[1], pid, exit_status_name(status, how, sizeof(how)));
	return status ? -1 : 0;
}

static void ps_process_line(const struct process *p, void *ctx)
{
	const struct user_mm *mm = p->mm;

	printk("%5d %5d %-15s %6lu KiB %4lu %6lu KiB %016lx\n", p->pid, p->ppid, p->comm,
	       mm->nr_pages * (PAGE_SIZE >> 10), mm->nr_pt_pages, (p->brk - p->brk_start) >> 10,
	       p->entry);
}

void shell_ps_processes(void)
{
	if (!nr_processes())
		return;
	printk("\n  PID  PPID USER PROCESS        MAPPED     TABLES  HEAP       ENTRY\n");
	for_each_process(ps_process_line, NULL);
}
