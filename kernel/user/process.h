/*
 * User processes: a task whose code runs in ring 3, in an address space of its own, and comes
 * back into the kernel - on the task's own vmapped kernel stack - for system calls, interrupts
 * and faults. A fault in ring 3 kills only the process; so does an overflow of its kernel stack
 * during a system call (kernel/fault.c). Its parent collects how it ended with process_wait().
 *
 *   USER_TOP  +------------------------+  0x00007fffff000000 (arch/x86_64/memlayout.h)
 *             |  unmapped page         |
 *             +------------------------+  USER_STACK_TOP: argc, argv[], the strings
 *             |  user stack            |  USER_STACK_PAGES pages, grows down
 *             +------------------------+
 *             |  guard gap (unmapped)  |  USER_STACK_GAP: an overflow is a segfault
 *             |         ...            |
 *             |  heap (sbrk) ^         |  from the page after the highest segment
 *             |  program segments      |  from USER_BASE (0x400000): never W and X at once
 *         0   +------------------------+
 */
#ifndef KERNEL_USER_PROCESS_H
#define KERNEL_USER_PROCESS_H

#include "kernel/lib/types.h"
#include "kernel/user/elf.h"

#define USER_STACK_TOP	 (USER_TOP - PAGE_SIZE)
#define USER_STACK_PAGES 16
#define USER_STACK_LO	 (USER_STACK_TOP - USER_STACK_PAGES * PAGE_SIZE)
#define USER_STACK_GAP	 (1UL << 20)
#define USER_HEAP_MAX	 (64UL << 20) /* sbrk refuses to grow the heap beyond this */
#define USER_ARGS_MAX	 256	      /* bytes of the argument string */

struct task;
struct user_mm;

struct process {
	int pid;	   /* the task's pid */
	int ppid;	   /* the pid of the task that started it (and waits for it) */
	bool orphan;	   /* its parent ended first: killed, reaped by whoever reaped the parent */
	char comm[16];	   /* the task's name (the task is freed before the process) */
	struct task *task; /* valid while the process is on the list and not being waited for */
	struct user_mm *mm;
	u64 entry, start_sp; /* where it starts in ring 3 */
	u64 brk_start, brk;  /* the heap: [brk_start, brk) */
	u64 lowest_stack; /* stack erasing: the deepest tracked point (kernel/user/stackleak.c) */
	struct process *next;
};

/* Boot: syscall MSRs and SMEP/SMAP on this CPU, and the handler of faults from ring 3. */
void user_init(void);

/*
 * Start a process from an ELF image already checked by elf_parse() (ei), as name with the
 * argument string args (words separated by spaces; NULL or "": none). Its parent is the caller.
 * The pid, or -ENOMEM, -E2BIG (args too long), -EINVAL (a segment cannot be mapped).
 */
int process_spawn_image(const void *img, size_t len, const struct elf_image *ei, const char *name,
			const char *args);
/* The same for the program path of the initrd: also -ENOENT, -ENOEXEC (message printed). */
int process_spawn(const char *path, const char *args);
/*
 * The same, but the process's task is left TASK_NEW, as kthread_create() leaves a thread:
 * wake_up_process(find_task(pid)) starts it. Tests use the pause to move its kernel stack.
 */
int process_create(const char *path, const char *args);
/*
 * Wait for the caller's child pid (-1: any child) to end and free it: its pid, with *status its
 * status word (user/lib/exit_status.h: the exit code, or KILLED_*; exit_status_name() words it).
 * -ECHILD if there is no such child of the caller.
 */
int process_wait(int pid, int *status);

/* For ps: every live process, with the lock of the list held. */
void for_each_process(void (*fn)(const struct process *p, void *ctx), void *ctx);
/* How many processes exist (tests: back to zero). */
int nr_processes(void);

#endif
