/*
 * Tasks (kernel threads). Everything about a task lives in its struct task, allocated apart from
 * its stack, so an overrun of the stack can never silently rewrite the task's state (as Linux's
 * THREAD_INFO_IN_TASK).
 */
#ifndef KERNEL_TASK_H
#define KERNEL_TASK_H

#include "arch/x86_64/percpu.h"
#include "kernel/stack.h"
#include "kernel/wait.h"
#include "kernel/lib/types.h"
#include "user/lib/exit_status.h"

#define TASK_COMM_LEN 16

enum task_state {
	TASK_NEW,      /* created, not started yet */
	TASK_RUNNABLE, /* on a run queue (or moving between two) */
	TASK_RUNNING,  /* on a CPU */
	TASK_SLEEPING, /* sleep_ms(): until wake_at */
	TASK_BLOCKED,  /* on a wait queue */
	TASK_DEAD,     /* exited, waiting to be reaped (a zombie) */
};

/*
 * Its status word says how a task ended (user/lib/exit_status.h: the exit code, or KILLED_* if the
 * kernel killed it), in words: "exited with 3", "killed: kernel stack overflow". Returns buf.
 */
const char *exit_status_name(int status, char *buf, size_t len);

struct fault_catch;
struct user_mm;
struct process;

struct task {
	int pid;
	char comm[TASK_COMM_LEN];
	enum task_state state;
	u64 rsp; /* saved stack pointer while switched out */
	struct kernel_stack stack;
	int (*fn)(void *arg);
	void *arg;
	int exit_status;
	bool detached; /* nobody will wait: freed as soon as it is dead */
	bool is_idle;
	u64 wake_at;		     /* jiffies, while TASK_SLEEPING */
	u64 max_stack_used;	     /* high-water mark, kept after the stack is gone */
	u64 switches;		     /* times it was switched in */
	struct wait_queue exit_wait; /* who waits for this task to die */
	struct wait_queue
		*parent_wait;	       /* also woken at its death: a parent waiting for any child */
	struct wait_queue *waiting_on; /* the queue this task sleeps on, if TASK_BLOCKED */
	struct task *wq_next;	       /* link in that queue */
	struct task *rq_next;	       /* link in the run queue or the sleep list */
	struct task *all_next;	       /* link in the list of all tasks */
	/* Armed by a test that expects a fault in this task (kernel/fault_catch.c); dies with it */
	struct fault_catch *fault_catch;
	bool stop_pending;    /* kill() asked it to end: it does at its next safe point */
	int nokill;	      /* this_cpu()->nokill while switched out */
	int preempt_deferred; /* preemptions put off for want of stack (kernel/sched.c) */
	struct user_mm *mm;   /* a user process's address space (CR3 at every switch), or NULL */
	struct process *proc; /* a user process's other state (kernel/user/process.c), or NULL */
	int cpu;	      /* the CPU it runs or last ran on; -1: never ran */
	int rq_cpu;	      /* the CPU whose run queue it is on; -1: none (kernel/sched.c) */
	int cpu_allowed;      /* the only CPU it may run on; -1: any (set_cpus_allowed) */
	/* A CPU runs on its stack: from being picked until the switch away is finished. */
	bool on_cpu;
	/* Its stack canary, in this_cpu()->stack_canary while it runs (kernel/stackprotector.h) */
	u64 stack_canary;
};

static inline struct task *current_task(void)
{
	return this_cpu_read(curr);
}
#define current current_task()

/* Create a task that will run fn(arg); it starts on wake_up_process(). NULL if no memory. */
struct task *kthread_create(int (*fn)(void *arg), void *arg, const char *name);
void wake_up_process(struct task *t);
struct task *kthread_run(int (*fn)(void *arg), void *arg, const char *name);
/* No one will wait() for it: free it as soon as it dies. */
void kthread_detach(struct task *t);

__attribute__((noreturn)) void exit(int code);
/*
 * End the running task with status (user/lib/exit_status.h): exit() and a kill at a safe point call
 * it, and so do the fault handlers, for the task that faulted. Never returns.
 */
__attribute__((noreturn)) void do_exit(int status);
/*
 * Wait for pid to end and reap it; returns 0 and its exit status, or -ECHILD if there is no
 * such task to wait for (none, the caller, detached, or someone else waits already).
 */
int wait(int pid, int *status);
/*
 * End another task: 0, or -ESRCH (no such pid), -EPERM (not killable: idle, init, or the caller
 * itself; an interrupt handler may end the task it interrupted). A task that never ran ends at
 * once; any other ends itself at its next safe point: when it wakes from a sleep, yields or is
 * preempted with no lock held and no allocation in flight (kill_disable()).
 */
int kill(int pid);
/* kill(), then wait for the end and reap it, even if detached (the shell's `kill`). */
int kill_and_reap(int pid, int *status);
/* A safe point: end the current task here if kill() asked it to and nothing is in flight. */
void stop_if_asked(void);

void yield(void);
void sleep_ms(u64 ms);
void schedule(void);

/*
 * Pin t to CPU cpu (an online CPU's number), or let it run anywhere again (cpu = -1). The
 * current task moves at once; another moves at its next switch. -1 if cpu is not online.
 */
int set_cpus_allowed(struct task *t, int cpu);
/*
 * SCHED_STACK_END_CHECK (matters with VMAP_STACK=n): the scheduler checks the canary at the end
 * of each stack it switches from or to, and panics if it is gone. On; a test turns it off to
 * show an overrun go unseen, as in a Linux built without the option (its default).
 */
extern bool sched_stack_end_check;
/* An AP, once up, becomes a CPU that runs tasks; this is its idle loop (kernel/smp_boot.c). */
__attribute__((noreturn)) void sched_ap_enter(void);

/* Boot: make the idle task and start `init` on a guarded stack; the boot stack is left behind. */
__attribute__((noreturn)) void sched_start(int (*init)(void *arg));
/* The timer interrupts: the PIT's, on the boot CPU (kernel/time.c), and each CPU's APIC timer. */
void sched_tick(void);
struct pt_regs;
void local_timer_interrupt(struct pt_regs *regs);

/* Iterate all tasks (for ps); call with the scheduler lock held via for_each_task(). */
void for_each_task(void (*fn)(struct task *t, void *ctx), void *ctx);
struct task *find_task(int pid);
u64 nr_tasks(void);

#endif
