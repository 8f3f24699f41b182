/* Creating, ending, killing and reaping tasks. */
#include "kernel/sched.h"
#include "kernel/printk/printk.h"
#include "kernel/lib/errno.h"
#include "kernel/lib/string.h"
#include "kernel/lib/vsprintf.h"
#include "kernel/locking/spinlock.h"
#include "kernel/stackprotector.h"
#include "mm/slab.h"
#include "arch/x86_64/asm/irqflags.h"

extern u8 ret_from_kthread[];

static struct task *all_tasks;
static u64 task_count;
static int next_pid;

const char *exit_status_name(int status, char *buf, size_t len)
{
	static const char *const killed[] = {
		[KILLED_BY_KILL] = "killed",
		[KILLED_STACK_OVERFLOW] = "killed: kernel stack overflow",
		[KILLED_OOPS] = "killed: oops",
		[KILLED_SEGFAULT] = "killed: segfault",
		[KILLED_STACK_CORRUPT] = "killed: kernel stack corrupted",
	};
	int why = WKILLED(status);

	if (WIFEXITED(status))
		snprintf(buf, len, "exited with %d", WEXITSTATUS(status));
	else if (why < (int)ARRAY_SIZE(killed) && killed[why])
		snprintf(buf, len, "%s", killed[why]);
	else
		snprintf(buf, len, "killed: reason %d", why);
	return buf;
}

/*
 * Make the new stack look as if the task had called __switch_to_asm(): six callee-saved
 * registers (zero) under a return address that leads to ret_from_kthread.
 */
static void prepare_initial_frame(struct task *t)
{
	u64 *sp = (u64 *)stack_top(&t->stack);
	int i;

	*--sp = (u64)ret_from_kthread;
	for (i = 0; i < 6; i++)
		*--sp = 0;
	t->rsp = (u64)sp;
}

static struct task *__kthread_create(int (*fn)(void *arg), void *arg, const char *name)
{
	struct task *t = kzalloc(sizeof(*t));
	u64 flags;

	if (!t)
		return NULL;
	if (alloc_thread_stack(&t->stack)) {
		kfree(t);
		return NULL;
	}
	strlcpy(t->comm, name, sizeof(t->comm));
	t->fn = fn;
	t->arg = arg;
	t->state = TASK_NEW;
	t->cpu = -1;
	t->rq_cpu = -1;
	t->cpu_allowed = -1;
	task_init_stack_canary(t);
	/* A write to the new stack: on a CPU that may (STACK_ZERO_DIRTY, kernel/stack.h). */
	flags = local_irq_save();
	stack_switch_in(&t->stack, this_cpu()->cpu);
	prepare_initial_frame(t);
	local_irq_restore(flags);
	flags = spin_lock_irqsave(&sched_lock);
	t->pid = next_pid++;
	t->all_next = all_tasks;
	all_tasks = t;
	task_count++;
	spin_unlock_irqrestore(&sched_lock, flags);
	return t;
}

struct task *kthread_create(int (*fn)(void *arg), void *arg, const char *name)
{
	struct task *t;

	/* Until the task is on the list of all tasks, only our locals know its memory. */
	kill_disable();
	t = __kthread_create(fn, arg, name);
	kill_enable();
	return t;
}

void wake_up_process(struct task *t)
{
	u64 flags = spin_lock_irqsave(&sched_lock);

	if (t->state == TASK_NEW || t->state == TASK_SLEEPING || t->state == TASK_BLOCKED) {
		if (t->state == TASK_SLEEPING)
			__sleep_list_remove(t);
		if (t->state == TASK_BLOCKED)
			__wait_queue_remove(t->waiting_on, t);
		__enqueue(t);
	}
	spin_unlock_irqrestore(&sched_lock, flags);
}

struct task *kthread_run(int (*fn)(void *arg), void *arg, const char *name)
{
	struct task *t = kthread_create(fn, arg, name);

	if (t)
		wake_up_process(t);
	return t;
}

void kthread_detach(struct task *t)
{
	u64 flags = spin_lock_irqsave(&sched_lock);

	t->detached = true;
	/* Dead and off its CPU: nothing else will free it (else __finish_leftover() will). */
	if (t->state == TASK_DEAD && !t->on_cpu)
		__reap_task(t);
	spin_unlock_irqrestore(&sched_lock, flags);
}

void __reap_task(struct task *t)
{
	struct task **pp = &all_tasks;

	while (*pp && *pp != t)
		pp = &(*pp)->all_next;
	if (*pp) {
		*pp = t->all_next;
		task_count--;
	}
	kfree(t);
}

void do_exit(int status)
{
	struct task *t;

	/*
	 * Nothing ends a task inside kill_disable() (kill, overflow and fault paths all refuse): a
	 * depth left here means the count went to the wrong task or CPU, and other tasks' are off.
	 */
	if (this_cpu_read(nokill))
		panic("do_exit: %s (pid %d) ends with kill_disable() depth %d", current->comm,
		      current->pid, this_cpu_read(nokill));
	spin_lock_irqsave(&sched_lock);
	t = current;
	t->exit_status = status;
	t->state = TASK_DEAD;
	/* A catch armed by the task lies on the stack about to be freed: it must catch nothing. */
	t->fault_catch = NULL;
	/*
	 * Woken now, a waiter on this CPU is what runs next: no detour through idle. It may not
	 * reap us before our CPU is off our stack (wait() checks on_cpu; __finish_leftover() wakes
	 * it again then). The next task frees our stack: we are still running on it.
	 */
	__wake_up_all(&t->exit_wait);
	if (t->parent_wait)
		__wake_up_all(t->parent_wait);
	__schedule_sleep();
	panic("do_exit: dead task %s (pid %d) was scheduled again", t->comm, t->pid);
}

void exit(int code)
{
	do_exit(W_EXITCODE(code, 0));
}

static struct task *__find_task(int pid)
{
	struct task *t;

	for (t = all_tasks; t; t = t->all_next) {
		if (t->pid == pid)
			return t;
	}
	return NULL;
}

struct task *find_task(int pid)
{
	u64 flags = spin_lock_irqsave(&sched_lock);
	struct task *t = __find_task(pid);

	spin_unlock_irqrestore(&sched_lock, flags);
	return t;
}

int wait(int pid, int *status)
{
	u64 flags = spin_lock_irqsave(&sched_lock);
	struct task *t = __find_task(pid);

	/* One waiter per task, and never oneself: the waiter frees the task. */
	if (!t || t == current || t->detached || t->exit_wait.head) {
		spin_unlock_irqrestore(&sched_lock, flags);
		return -ECHILD;
	}
	/* Dead is not enough: its CPU must be off its stack (__finish_leftover() wakes us then). */
	while (t->state != TASK_DEAD || t->on_cpu) {
		/* Asked to stop while waiting: give up the wait, and stop at the next safe point.
		 */
		if (current->stop_pending) {
			/*
			 * Nobody will wait for it now: it is freed at its death, not left over. A
			 * user process stays: its parent's reaper reaps it (kernel/user/process.c).
			 */
			if (!t->proc)
				t->detached = true;
			spin_unlock_irqrestore(&sched_lock, flags);
			return -1;
		}
		__wait_queue_sleep(&t->exit_wait);
	}
	/*
	 * Dead, and the CPU that ran it is off its stack: it gave the stack back when it finished
	 * switching away. A stack still here is one that nothing released yet.
	 */
	if (t->stack.base)
		__release_dead_task(t);
	if (status)
		*status = t->exit_status;
	__reap_task(t);
	spin_unlock_irqrestore(&sched_lock, flags);
	return 0;
}

/* Take a sleeping or blocked task off the list it waits on. */
static void __detach_from_lists(struct task *t)
{
	switch (t->state) {
	case TASK_SLEEPING:
		__sleep_list_remove(t);
		break;
	case TASK_BLOCKED:
		__wait_queue_remove(t->waiting_on, t);
		break;
	default:
		break;
	}
}

/* End a task that never ran: nothing of its own can be in flight. */
static void __kill_new_task(struct task *t)
{
	t->exit_status = KILLED_BY_KILL;
	t->state = TASK_DEAD;
	__release_dead_task(t);
	__wake_up_all(&t->exit_wait);
	if (t->parent_wait)
		__wake_up_all(t->parent_wait);
	if (t->detached)
		__reap_task(t);
}

/*
 * A task that has run may have been preempted in the middle of vmalloc() or kthread_create(),
 * between taking memory and recording it: ending it there would leak. So kill() only asks: the
 * task is woken if it sleeps, and ends itself at its next safe point (stop_if_asked()).
 */
static int __kill(struct task *t)
{
	if (!t || t->state == TASK_DEAD)
		return -ESRCH;
	/* The current task from an interrupt handler is another task's request: it ends too. */
	if (t->is_idle || t->pid == 1 || (t == current && !this_cpu_read(irq_depth)))
		return -EPERM;
	if (t->state == TASK_NEW) {
		__kill_new_task(t);
		return 0;
	}
	t->stop_pending = true;
	if (t->state == TASK_SLEEPING || t->state == TASK_BLOCKED) {
		__detach_from_lists(t);
		__enqueue(t);
	}
	return 0;
}

int kill(int pid)
{
	u64 flags = spin_lock_irqsave(&sched_lock);
	int err = __kill(__find_task(pid));

	spin_unlock_irqrestore(&sched_lock, flags);
	return err;
}

int kill_and_reap(int pid, int *status)
{
	u64 flags = spin_lock_irqsave(&sched_lock);
	struct task *t = __find_task(pid);
	bool detached = t && t->detached;
	int err;

	/*
	 * Reaped by us, not at its death: a detached task would be freed under our feet - already
	 * inside __kill() if it never ran - so it stops being detached first.
	 */
	if (t)
		t->detached = false;
	err = __kill(t);
	/* A user process is reaped by its parent (kernel/user/process.c), never from here. */
	if (!err && t->proc) {
		t->detached = detached;
		spin_unlock_irqrestore(&sched_lock, flags);
		return 0;
	}
	if (err && t)
		t->detached = detached;
	spin_unlock_irqrestore(&sched_lock, flags);
	if (err)
		return err;
	/* If someone else waits for it already, they reap it; it ends all the same. */
	wait(pid, status);
	return 0;
}

void stop_if_asked(void)
{
	struct task *t = current;

	if (t->stop_pending && !this_cpu_read(nokill) && !nr_held_locks())
		do_exit(KILLED_BY_KILL);
}

void for_each_task(void (*fn)(struct task *t, void *ctx), void *ctx)
{
	u64 flags = spin_lock_irqsave(&sched_lock);
	struct task *t;

	for (t = all_tasks; t; t = t->all_next)
		fn(t, ctx);
	spin_unlock_irqrestore(&sched_lock, flags);
}

u64 nr_tasks(void)
{
	return task_count;
}
