/*
 * Creating, ending and reaping user processes. A process is a kernel task (kthread_create) with
 * an address space in task->mm: the scheduler loads it into CR3 when it switches to the task, and
 * the task's first code (process_main) leaves for ring 3 and never comes back to that frame.
 * The address space lives until the parent reaps the process: whichever way the task died -
 * exit, a fault in ring 3, an overflow of its kernel stack - it is no longer in any CR3 then.
 */
#include "kernel/user/initrd.h"
#include "kernel/user/process.h"
#include "kernel/user/stackleak.h"
#include "config.h"
#include "arch/x86_64/asm/special_insns.h"
#include "arch/x86_64/core.h"
#include "arch/x86_64/syscall.h"
#include "arch/x86_64/traps.h"
#include "kernel/fault.h"
#include "kernel/lib/errno.h"
#include "kernel/lib/string.h"
#include "kernel/lib/vsprintf.h"
#include "kernel/locking/spinlock.h"
#include "kernel/printk/printk.h"
#include "kernel/task.h"
#include "kernel/wait.h"
#include "mm/slab.h"
#include "mm/test_hooks.h"
#include "mm/user_mm.h"
#include "user/lib/syscall_nr.h"

#define MAX_ARGS 32

static DEFINE_SPINLOCK(proc_lock);
static struct process *processes;
static int process_count;
/* Woken whenever a process's task ends: a parent in wait(-1) looks for its dead child then. */
static struct wait_queue child_exit_wq;

/* The first code of a process's task, in ring 0 on its fresh stack, its mm already in CR3. */
static int process_main(void *arg)
{
	struct process *p = arg;

	user_enter(p->entry, p->start_sp);
}

static void copy_to_mm(struct user_mm *mm, u64 va, const u8 *src, u64 n)
{
	while (n) {
		u8 *dst = user_page_address(mm, va);
		u64 chunk = MIN(n, PAGE_SIZE - (va & (PAGE_SIZE - 1)));

		memcpy(dst, src, chunk);
		va += chunk;
		src += chunk;
		n -= chunk;
	}
}

static int load_segment(struct process *p, const u8 *img, size_t len, const struct elf_segment *s)
{
	u64 start = ALIGN_DOWN(s->vaddr, PAGE_SIZE), end;
	u32 prot = (s->flags & ELF_SEG_W ? UMAP_WRITE : 0) | (s->flags & ELF_SEG_X ? UMAP_EXEC : 0);
	int err;

	/* elf_parse() checked all of this; a hand-made image (tests) gets the same checks here. */
	if (s->vaddr < USER_BASE || s->memsz > USER_HEAP_MAX ||
	    s->vaddr + s->memsz > USER_STACK_LO || s->filesz > s->memsz || s->offset > len ||
	    s->filesz > len - s->offset)
		return -EINVAL;
	end = ALIGN_UP(s->vaddr + s->memsz, PAGE_SIZE);
	err = user_map_zeroed(p->mm, start, (end - start) >> PAGE_SHIFT, prot);
	if (err)
		return err;
	copy_to_mm(p->mm, s->vaddr, img + s->offset, s->filesz);
	p->brk_start = MAX(p->brk_start, end);
	return 0;
}

/* Put one string below *off in the stack's top page; its user address in *uaddr. */
static int push_string(u8 *page, u64 page_va, u64 *off, const char *s, size_t n, u64 *uaddr)
{
	if (n + 1 > *off - 512) /* leave room for argc and argv[] */
		return -E2BIG;
	*off -= n + 1;
	memcpy(page + *off, s, n);
	page[*off + n] = '\0';
	*uaddr = page_va + *off;
	return 0;
}

/*
 * The System V x86-64 initial stack (user/lib/crt0.S reads it): argc at RSP, argv[0..argc-1]
 * above it, then NULL, the strings higher up; RSP 16-byte aligned. argv[0] is the name.
 */
static int setup_stack(struct process *p, const char *name, const char *args)
{
	u64 page_va = USER_STACK_TOP - PAGE_SIZE, off = PAGE_SIZE, argv[MAX_ARGS + 1], *words;
	u8 *page = user_page_address(p->mm, page_va);
	int argc = 0, i, err;

	err = push_string(page, page_va, &off, name, strlen(name), &argv[argc++]);
	while (!err && args && *args) {
		size_t n = 0;

		while (*args == ' ')
			args++;
		while (args[n] && args[n] != ' ')
			n++;
		if (!n)
			break;
		if (argc == MAX_ARGS)
			return -E2BIG;
		err = push_string(page, page_va, &off, args, n, &argv[argc++]);
		args += n;
	}
	if (err)
		return err;
	off = ALIGN_DOWN(off - (argc + 2) * 8, 16);
	words = (u64 *)(page + off);
	words[0] = argc;
	for (i = 0; i < argc; i++)
		words[1 + i] = argv[i];
	words[1 + argc] = 0;
	p->start_sp = page_va + off;
	return 0;
}

static const char *basename(const char *path)
{
	const char *s = path;

	for (; *path; path++) {
		if (*path == '/')
			s = path + 1;
	}
	return s;
}

static int build_process(struct process *p, const void *img, size_t len, const struct elf_image *ei,
			 const char *name, const char *args)
{
	int i, err;

	if (args && strlen(args) >= USER_ARGS_MAX)
		return -E2BIG;
	if (ei->nr_segments < 1 || ei->nr_segments > ELF_MAX_SEGMENTS)
		return -EINVAL;
	p->mm = user_mm_create();
	if (!p->mm)
		return -ENOMEM;
	for (i = 0; i < ei->nr_segments; i++) {
		err = load_segment(p, img, len, &ei->seg[i]);
		if (err)
			return err;
	}
	p->brk = p->brk_start;
	p->entry = ei->entry;
	err = user_map_zeroed(p->mm, USER_STACK_LO, USER_STACK_PAGES, UMAP_WRITE);
	if (err)
		return err;
	err = setup_stack(p, name, args);
	if (err)
		return err;
	p->task = kthread_create(process_main, p, name);
	return p->task ? 0 : -ENOMEM;
}

static int __process_spawn_image(const void *img, size_t len, const struct elf_image *ei,
				 const char *name, const char *args, bool start)
{
	struct process *p = kzalloc(sizeof(*p));
	u64 flags;
	int err;

	if (!p)
		return -ENOMEM;
	name = basename(name);
	err = build_process(p, img, len, ei, name, args);
	if (err) {
		user_mm_destroy(p->mm);
		kfree(p);
		return err;
	}
	p->pid = p->task->pid;
	strlcpy(p->comm, p->task->comm, sizeof(p->comm));
	p->ppid = current->pid;
	p->task->mm = p->mm;
	p->task->proc = p;
	p->task->parent_wait = &child_exit_wq;
	stackleak_poison_task(p->task);
	flags = spin_lock_irqsave(&proc_lock);
	p->next = processes;
	processes = p;
	process_count++;
	spin_unlock_irqrestore(&proc_lock, flags);
	if (start)
		wake_up_process(p->task);
	return p->pid;
}

static int spawn_image(const void *img, size_t len, const struct elf_image *ei, const char *name,
		       const char *args, bool start)
{
	int ret;

	/* Until the process is on the list, only this frame knows its memory. */
	kill_disable();
	ret = __process_spawn_image(img, len, ei, name, args, start);
	kill_enable();
	return ret;
}

int process_spawn_image(const void *img, size_t len, const struct elf_image *ei, const char *name,
			const char *args)
{
	return spawn_image(img, len, ei, name, args, true);
}

static int spawn_path(const char *path, const char *args, bool start)
{
	struct elf_image ei;
	const char *why;
	const void *img;
	size_t len;

	if (initrd_find(path, &img, &len))
		return -ENOENT;
	if (elf_parse(img, len, &ei, &why)) {
		pr_err("%s: not a valid program: %s\n", path, why);
		return -ENOEXEC;
	}
	return spawn_image(img, len, &ei, path, args, start);
}

int process_spawn(const char *path, const char *args)
{
	return spawn_path(path, args, true);
}

int process_create(const char *path, const char *args)
{
	return spawn_path(path, args, false);
}

/*
 * The caller's child pid, or (pid -1) one that has ended if any, else any; NULL if none. Orphans
 * (see reap()) are the caller's to reap but not its children: wait() never sees them.
 */
static struct process *find_child(int pid, bool orphan)
{
	struct process *p, *found = NULL;
	int me = current->pid;

	for (p = processes; p; p = p->next) {
		if (p->ppid != me || p->orphan != orphan || (pid != -1 && p->pid != pid))
			continue;
		if (!found || p->task->state == TASK_DEAD)
			found = p;
		if (pid != -1 || found->task->state == TASK_DEAD)
			break;
	}
	if (found)
		found->ppid = -1; /* being waited for: nobody else finds it */
	return found;
}

static void unlink_process(struct process *p)
{
	struct process **pp = &processes;

	while (*pp && *pp != p)
		pp = &(*pp)->next;
	if (*pp) {
		*pp = p->next;
		process_count--;
	}
}

/*
 * Wait for p's task to die and free everything of p. Its own children that are still on the
 * list would have nobody left to reap them: they become the caller's orphans, and are killed
 * (as a session's processes when it hangs up) and reaped by the caller's process_wait().
 * Returns false if the wait was given up (the caller is being killed).
 */
static bool reap(struct process *p, int *exit_status)
{
	struct process *c;
	u64 flags;

	if (wait(p->pid, exit_status)) {
		p->ppid = current->pid; /* still ours, for the next wait */
		return false;
	}
	/* The task is dead and reaped: its address space is in no CR3 any more. */
	flags = spin_lock_irqsave(&proc_lock);
	unlink_process(p);
	for (c = processes; c; c = c->next) {
		if (c->ppid == p->pid) {
			c->ppid = current->pid;
			c->orphan = true;
			kill(c->pid);
		}
	}
	spin_unlock_irqrestore(&proc_lock, flags);
	user_mm_destroy(p->mm);
	kfree(p);
	return true;
}

/* Reap the caller's orphans (iteratively: theirs become the caller's in turn). */
static void reap_orphans(void)
{
	for (;;) {
		u64 flags = spin_lock_irqsave(&proc_lock);
		struct process *o = find_child(-1, true);
		int st;

		spin_unlock_irqrestore(&proc_lock, flags);
		if (!o || !reap(o, &st))
			return;
	}
}

void (*process_wait_test_hook)(void);

static bool a_child_ended_since(void *seen)
{
	return child_exit_wq.wakeups != *(u64 *)seen;
}

/*
 * Claim the child to reap: pid's, or with -1 one that has ended. A live child is not claimed
 * for -1: *live says there is one, to sleep until some child ends (not this one in particular).
 */
static struct process *claim_child(int pid, bool *live)
{
	u64 flags = spin_lock_irqsave(&proc_lock);
	struct process *p = find_child(pid, false);

	*live = false;
	if (p && pid == -1 && p->task->state != TASK_DEAD) {
		p->ppid = current->pid; /* find_child took it: give it back */
		p = NULL;
		*live = true;
	}
	spin_unlock_irqrestore(&proc_lock, flags);
	return p;
}

static int __process_wait(int pid, int *status)
{
	struct process *p;
	bool live;
	u64 seen;
	int st, ret;

	for (;;) {
		/* Read before looking: a child ending after the look changes it, and we do not
		 * sleep. */
		seen = __atomic_load_n(&child_exit_wq.wakeups, __ATOMIC_ACQUIRE);
		p = claim_child(pid, &live);
		if (p || !live)
			break;
		wait_event(&child_exit_wq, a_child_ended_since, &seen);
		if (current->stop_pending)
			return -ECHILD;
	}
	if (!p)
		return -ECHILD;
	ret = p->pid;
	if (process_wait_test_hook)
		process_wait_test_hook();
	if (!reap(p, &st))
		return -ECHILD;
	reap_orphans();
	if (status)
		*status = st;
	return ret;
}

/*
 * Between claiming a child and freeing it the caller holds it alone: a kill that ended the caller
 * there (at a preemption) would leave the child claimed by nobody, or on the list with its task
 * already freed. So a kill waits for the end of it; it is not held up by it, as wait() and
 * wait_event() come back at once for a task asked to stop.
 */
int process_wait(int pid, int *status)
{
	int ret;

	kill_disable();
	ret = __process_wait(pid, status);
	kill_enable();
	return ret;
}

void for_each_process(void (*fn)(const struct process *p, void *ctx), void *ctx)
{
	u64 flags = spin_lock_irqsave(&proc_lock);
	struct process *p;

	for (p = processes; p; p = p->next)
		fn(p, ctx);
	spin_unlock_irqrestore(&proc_lock, flags);
}

int nr_processes(void)
{
	return process_count;
}

/*
 * A fault in ring 3: reported in Linux's words, and the process (only it) killed. We are on the
 * task's kernel stack (TSS.RSP0), in an exception handler that never returns.
 */
void user_fault(struct pt_regs *regs)
{
	struct task *t = current;

	if (regs->vector == X86_TRAP_PF)
		printk(KERN_ERR "%s[%d]: segfault at %lx ip %016lx sp %016lx error %lx\n", t->comm,
		       t->pid, read_cr2(), regs->rip, regs->rsp, regs->error_code);
	else
		printk(KERN_ERR "%s[%d]: %s ip %016lx sp %016lx error %lx\n", t->comm, t->pid,
		       trap_name(regs->vector), regs->rip, regs->rsp, regs->error_code);
	exception_abandon();
	do_exit(KILLED_SEGFAULT);
}

/* syscall_entry.asm found a return address that sysret must not be given: kill, as a fault there.
 */
void syscall_bad_return(struct pt_regs *regs)
{
	struct task *t = current;

	printk(KERN_ERR
	       "%s[%d]: segfault at %lx ip %016lx sp %016lx error 14 (bad return address)\n",
	       t->comm, t->pid, regs->rip, regs->rip, regs->rsp);
	do_exit(KILLED_SEGFAULT);
}

void user_init(void)
{
	syscall_cpu_init();
	pr_info("user: syscall/sysret ready, smep=%s smap=%s\n", smep_enabled ? "on" : "off",
		uaccess_smap ? "on" : "off");
	pr_info("user: kernel stack erasing on return to user mode: %s\n",
		kstack_erase_enabled ? "on" : "off (kstack_erase=off)");
}
