#include "kernel/debug/lkdtm.h"
#include "arch/x86_64/asm/irqflags.h"
#include "arch/x86_64/asm/special_insns.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/switch.h"
#include "kernel/printk/printk.h"
#include "kernel/locking/spinlock.h"
#include "kernel/lib/errno.h"
#include "kernel/lib/string.h"
#include "kernel/smp.h"
#include "kernel/stackprotector.h"
#include "kernel/task.h"
#include "kernel/user/process.h"

/*
 * With VMAP_STACK=n nothing stops an overrun, so the tests bound it themselves (about 1 KiB
 * below the stack) and read rather than write far away: enough to show that the overrun goes
 * unnoticed, without wrecking the machine at random.
 */
#define NOVMAP_OVERRUN_LIMIT 1024

/* VMAP_STACK=n: would the next frame reach more than the limit below the stack? */
static bool past_novmap_limit(void)
{
	u64 fp = (u64)__builtin_frame_address(0);
	u64 frame = THREAD_SIZE / 8 + 64;

	return !VMAP_STACK && fp < current->stack.base - NOVMAP_OVERRUN_LIMIT + 2 * frame;
}

/*
 * As lkdtm's recursive_loop: a big local buffer per frame, written so it cannot be elided. The
 * frame is far above the kernel's -Wframe-larger-than limit, on purpose.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wframe-larger-than="
static noinline int recursive_loop(int remaining)
{
	volatile char buf[THREAD_SIZE / 8];

	memset((char *)buf, remaining & 0xff, sizeof(buf));
	if (!remaining || past_novmap_limit())
		return buf[7];
	return recursive_loop(remaining - 1) + buf[0];
}
#pragma GCC diagnostic pop

/* Deep enough for about twice the stack: the guard must stop it long before. */
#define RECURSION_DEPTH (2 * THREAD_SIZE / (THREAD_SIZE / 8))

static int exhaust_stack(void *arg)
{
	recursive_loop(RECURSION_DEPTH);
	pr_err("FAIL: stack exhaustion was not caught (VMAP_STACK=%d)\n", VMAP_STACK);
	return 1;
}

static int exhaust_stack_irqs_off(void *arg)
{
	local_irq_disable();
	recursive_loop(RECURSION_DEPTH);
	local_irq_enable();
	pr_err("FAIL: stack exhaustion with interrupts off was not caught\n");
	return 1;
}

static DEFINE_SPINLOCK(lkdtm_lock);

static int exhaust_stack_locked(void *arg)
{
	u64 flags = spin_lock_irqsave(&lkdtm_lock);

	recursive_loop(RECURSION_DEPTH);
	spin_unlock_irqrestore(&lkdtm_lock, flags);
	pr_err("FAIL: stack exhaustion while holding a lock was not caught\n");
	return 1;
}

static int guard_page_leading(void *arg)
{
	const volatile u8 *p = (const u8 *)current->stack.base - 1;

	pr_info("lkdtm: reading the byte just below the stack, at %p\n", p);
	(void)*p;
	pr_err("FAIL: accessed the page below the stack (VMAP_STACK=%d)\n", VMAP_STACK);
	return 1;
}

static int guard_page_trailing(void *arg)
{
	const volatile u8 *p = (const u8 *)stack_top(&current->stack);

	pr_info("lkdtm: reading the byte just above the stack, at %p\n", p);
	(void)*p;
	pr_err("FAIL: accessed the page above the stack (VMAP_STACK=%d)\n", VMAP_STACK);
	return 1;
}

/*
 * One frame bigger than the stack and its guard together. -fstack-clash-protection makes the
 * compiler touch each page of it as RSP moves down, so the guard is hit first; without that,
 * RSP would jump over the guard into whatever lies below.
 */
static noinline int big_frame(u64 size)
{
	volatile u8 vla[size];
	u8 *far_end = (u8 *)vla;

	/* VMAP_STACK=n: only read the far end; a write would corrupt whatever lies below. */
	if (VMAP_STACK)
		vla[0] = 1;
	asm volatile("" : "+r"(far_end));
	return *(volatile u8 *)far_end;
}

static int stack_big_frame(void *arg)
{
	big_frame(THREAD_SIZE + 3 * PAGE_SIZE);
	pr_err("FAIL: a frame larger than the guard went unnoticed (VMAP_STACK=%d)\n", VMAP_STACK);
	return 1;
}

/*
 * Leave only `left` bytes of the stack and wait for an interrupt with interrupts on. The CPU
 * pushes its frame (40 bytes) and the entry code the registers (136 more) on this stack: with
 * 160 left the entry code overruns it, with 16 left the CPU's own delivery does. The #DF comes
 * with an interrupt taken and not acknowledged; the kill must finish it, or no tick and no key
 * would ever arrive again.
 */
__attribute__((noreturn)) void lkdtm_spin_with_bytes_left(u64 left)
{
	asm volatile("mov %0, %%rsp\n\t"
		     "sti\n\t"
		     "1: jmp 1b"
		     :
		     : "r"(current->stack.base + left));
	__builtin_unreachable();
}

static int exhaust_stack_irq_entry(void *arg)
{
	if (!VMAP_STACK) {
		pr_err("lkdtm: this test needs VMAP_STACK=y\n");
		return 1;
	}
	lkdtm_spin_with_bytes_left(160);
}

static int exhaust_stack_irq_delivery(void *arg)
{
	if (!VMAP_STACK) {
		pr_err("lkdtm: this test needs VMAP_STACK=y\n");
		return 1;
	}
	lkdtm_spin_with_bytes_left(16);
}

/*
 * Read the byte below the stack with only 512 bytes of it left. The #PF itself is taken on this
 * stack without trouble, but printing the report takes more than what is left: the report must
 * be printed from another stack, or the kill turns into a nested fault and a panic.
 */
static int guard_page_leading_nearly_full(void *arg)
{
	if (!VMAP_STACK) {
		pr_err("lkdtm: this test needs VMAP_STACK=y\n");
		return 1;
	}
	asm volatile("mov %0, %%rsp\n\t"
		     "movb (%1), %%al\n\t"
		     "ud2"
		     :
		     : "r"(current->stack.base + 512), "r"(current->stack.base - 1)
		     : "rax", "memory");
	__builtin_unreachable();
}

static void recurse_here(void *arg)
{
	recursive_loop(RECURSION_DEPTH);
}

/* Overrun this CPU's IRQ stack (interrupts off, so no real interrupt runs there meanwhile). */
static int exhaust_irq_stack(void *arg)
{
	u64 top = this_cpu()->irq_stack_top;

	if (!VMAP_STACK || !top) {
		pr_err("lkdtm: this test needs VMAP_STACK=y and an IRQ stack\n");
		return 1;
	}
	local_irq_disable();
	call_on_stack(top, recurse_here, NULL);
	local_irq_enable();
	pr_err("FAIL: the IRQ stack overrun was not caught\n");
	return 1;
}

/*
 * A double fault that is not a stack overflow, with CR2 pointing into this task's own guard, as
 * an earlier overflow in the same (cached, reused) stack range leaves it. RSP is made
 * non-canonical, so the push faults (#SS) and so does the delivery of that fault on the same
 * RSP: a second contributory fault, a #DF. The only right answer is a panic.
 */
static int double_fault(void *arg)
{
	if (!VMAP_STACK) {
		pr_err("lkdtm: DOUBLE_FAULT needs VMAP_STACK=y\n");
		return 1;
	}
	write_cr2(current->stack.base - 8);
	asm volatile("mov %%rsp, %%rbx\n\t"
		     "mov %0, %%rsp\n\t"
		     "push %%rax\n\t"
		     "mov %%rbx, %%rsp"
		     :
		     : "r"(0x8000000000000000UL)
		     : "rbx", "memory");
	pr_err("FAIL: a push with a non-canonical RSP did not fault\n");
	return 1;
}

/* Never returns: the CPU prints with interrupts off until a panic stops it with an NMI. */
static void chatter(void *arg)
{
	(void)arg;
	for (;;)
		pr_err("lkdtm: chatter from CPU %u\n", smp_processor_id());
}

static int panic_smp(void *arg)
{
	int others;

	(void)arg;
	if (num_online_cpus() < 2) {
		pr_err("lkdtm: PANIC_SMP needs more than one CPU online\n");
		return 1;
	}
	/* On CPU 0, whose PIT tick ends the sleep below: the others will not take interrupts. */
	set_cpus_allowed(current, 0);
	others = smp_call_function(chatter, NULL, false);
	sleep_ms(50); /* let the chatter fill the console */
	panic("lkdtm: panic while %d other CPUs print with interrupts off", others);
}

/*
 * The stack protector's tests, as Linux's. Each overruns a buffer in its own frame by 64 bytes:
 * its canary, the saved frame pointer, the return address and some of the caller's frame. The
 * check before the return must see it and never return.
 */
static noinline void overrun_frame(void *buf)
{
	memset(buf, 0xff, 64);
}

/* A char array of 8 bytes: plain -fstack-protector guards this frame already. */
static noinline void corrupt_char_array(void)
{
	char data[8] __attribute__((aligned(8)));

	pr_info("lkdtm: corrupting a stack frame that holds a char array\n");
	overrun_frame(data);
}

/* An int array: only -fstack-protector-strong guards this frame (plain guards char arrays). */
static noinline void corrupt_int_array(void)
{
	int data[2] __attribute__((aligned(8)));

	pr_info("lkdtm: corrupting a stack frame that holds an int array\n");
	overrun_frame(data);
}

static int corrupt_stack(void *arg)
{
	corrupt_char_array();
	pr_err("FAIL: the corrupted stack (char array) was not detected (STACKPROTECTOR=%d)\n",
	       STACKPROTECTOR);
	return 1;
}

static int corrupt_stack_strong(void *arg)
{
	corrupt_int_array();
	pr_err("FAIL: the corrupted stack (int array) was not detected (STACKPROTECTOR=%d)\n",
	       STACKPROTECTOR);
	return 1;
}

/*
 * The canary as this frame holds it: the word above a guarded buffer that equals the task's,
 * or 0 if none does. Finding it there shows that the compiler reads the per-CPU slot.
 */
static noinline u64 canary_in_this_frame(void)
{
	char data[8] __attribute__((aligned(8))) = { 0 };
	const u64 *p = (const u64 *)data;
	u64 want = current->stack_canary;
	int i;

	asm volatile("" : "+r"(p)); /* the words above data are read on purpose */
	for (i = 1; i < 8; i++) {
		if (p[i] == want)
			return p[i];
	}
	return 0;
}

static int report_canary_task(void *found)
{
	*(u64 *)found = canary_in_this_frame();
	pr_info("lkdtm: pid %d (%s): stack canary %016lx\n", current->pid, current->comm,
		*(u64 *)found);
	return 0;
}

/* Two tasks, this one and a child: each finds its canary in its frame, and they differ. */
static int report_stack_canary(void *arg)
{
	u64 mine = 0, childs = 0;
	struct task *child;
	int status, pid;

	report_canary_task(&mine);
	child = kthread_run(report_canary_task, &childs, "lkdtm-child");
	if (!child) {
		pr_err("lkdtm: no memory for a second task\n");
		return 1;
	}
	pid = child->pid; /* wait() frees the task */
	wait(pid, &status);
	if (!mine || !childs) {
		pr_err("FAIL: no canary in a guarded frame (STACKPROTECTOR=%d)\n", STACKPROTECTOR);
		return 1;
	}
	if (mine == childs) {
		pr_err("FAIL: pid %d and pid %d have the same stack canary\n", current->pid, pid);
		return 1;
	}
	pr_info("lkdtm: ok: stack canaries differ between pid %d and pid %d\n", current->pid, pid);
	return 0;
}

/*
 * As Linux's: how far below the top of the stack this frame lies. Reached from ring 3
 * (SYS_lkdtm), the figure changes from call to call with the random stack offset
 * (kernel/user/kstack_offset.h); user/stackentropy.c counts the values it takes, from the
 * return value. Linux prints the line at KERN_INFO; here KERN_DEBUG (the console shows it from
 * loglevel=8 on, the log keeps it), since this console shows KERN_INFO and 1,000 lines of it
 * cost the emulator 13 s of CPU time.
 */
static int report_stack(void *arg)
{
	volatile u64 magic = 0; /* a local: its address is where this frame is */
	int offset = (int)(stack_top(&current->stack) - (u64)&magic);

	pr_debug("Stack offset: %d\n", offset);
	return offset;
}

/*
 * As Linux's STACKLEAK_ERASING, whose check runs inside a system call of a process: here the
 * process is `stackleak check` (user/stackleak.c), which makes a deep system call and then has
 * the kernel check that its stack below the stack pointer is all poison down to the bottom
 * (kernel/user/stackleak_debug.c prints "OK: ..." or "FAIL: ..."). With kstack_erase=off it
 * fails: nothing poisoned the stack.
 */
static int stackleak_erasing(void *arg)
{
	int pid = process_spawn("stackleak", "check"), status = -1;

	if (pid < 0) {
		pr_err("lkdtm: cannot start stackleak (is it in the initrd?): error %d\n", pid);
		return 1;
	}
	if (process_wait(pid, &status) != pid || status) {
		pr_err("FAIL: stackleak check ended with status %#x\n", status);
		return 1;
	}
	return 0;
}

const struct lkdtm_test lkdtm_tests[] = {
	{ "STACK_GUARD_PAGE_LEADING", "read the byte just below the stack", guard_page_leading },
	{ "STACK_GUARD_PAGE_TRAILING", "read the byte just above the stack", guard_page_trailing },
	{ "EXHAUST_STACK", "recurse with a big local buffer until the stack runs out",
	  exhaust_stack },
	{ "STACK_BIG_FRAME", "one frame larger than the stack and its guard", stack_big_frame },
	{ "EXHAUST_STACK_IRQS_OFF", "EXHAUST_STACK with interrupts disabled",
	  exhaust_stack_irqs_off },
	{ "EXHAUST_STACK_LOCKED", "EXHAUST_STACK holding a spinlock: must panic, not kill",
	  exhaust_stack_locked },
	{ "STACK_GUARD_PAGE_LEADING_NEARLY_FULL", "read below the stack with 512 bytes of it left",
	  guard_page_leading_nearly_full },
	{ "EXHAUST_STACK_IRQ_ENTRY", "an interrupt's entry code overruns the stack",
	  exhaust_stack_irq_entry },
	{ "EXHAUST_STACK_IRQ_DELIVERY", "the CPU's interrupt frame overruns the stack",
	  exhaust_stack_irq_delivery },
	{ "EXHAUST_IRQ_STACK", "overrun the IRQ stack: must panic naming it", exhaust_irq_stack },
	{ "DOUBLE_FAULT", "a #DF that is no overflow, with a stale CR2 in the guard: must panic",
	  double_fault },
	{ "PANIC_SMP", "panic while the other CPUs print: they stop, the report comes whole",
	  panic_smp },
	{ "SLAB_LINEAR_OVERFLOW", "write just past a kmalloc object (KFENCE)",
	  lkdtm_slab_linear_overflow },
	{ "READ_AFTER_FREE", "read a kmalloc object after kfree (KFENCE)", lkdtm_read_after_free },
	{ "WRITE_AFTER_FREE", "write a kmalloc object after kfree (KFENCE)",
	  lkdtm_write_after_free },
	{ "SLAB_FREE_DOUBLE", "kfree an object twice (KFENCE)", lkdtm_slab_free_double },
	{ "SLAB_FREE_CROSS", "kfree a pointer inside an object (KFENCE)", lkdtm_slab_free_cross },
	{ "READ_BUDDY_AFTER_FREE", "read a freed page (page_poison=1)",
	  lkdtm_read_buddy_after_free },
	{ "WRITE_BUDDY_AFTER_FREE", "write a freed page (page_poison=1)",
	  lkdtm_write_buddy_after_free },
	{ "CORRUPT_STACK", "overrun a char array in the frame: the canary check kills",
	  corrupt_stack },
	{ "CORRUPT_STACK_STRONG", "overrun an int array: caught only by -fstack-protector-strong",
	  corrupt_stack_strong },
	{ "REPORT_STACK_CANARY", "two tasks' canaries, found in their frames: they differ",
	  report_stack_canary },
	{ "REPORT_STACK", "print how far below the stack's top this frame is (changes per syscall)",
	  report_stack },
	{ "STACKLEAK_ERASING", "a process's kernel stack below RSP is all poison (stack erasing)",
	  stackleak_erasing },
};
const int lkdtm_nr_tests = ARRAY_SIZE(lkdtm_tests);

const struct lkdtm_test *lkdtm_find(const char *name)
{
	int i;

	for (i = 0; i < lkdtm_nr_tests; i++) {
		if (!strcmp(lkdtm_tests[i].name, name))
			return &lkdtm_tests[i];
	}
	return NULL;
}

long lkdtm_direct(const char *name)
{
	const struct lkdtm_test *t = lkdtm_find(name);

	if (!t)
		return -EINVAL;
	return t->fn(NULL);
}

int lkdtm_run_on(const struct lkdtm_test *t, int cpu, int *status, int *pid)
{
	struct task *task = kthread_create(t->fn, NULL, "lkdtm");

	if (!task)
		return -ENOMEM;
	if (cpu >= 0 && set_cpus_allowed(task, cpu)) {
		kill_and_reap(task->pid, NULL); /* never ran: ends at once */
		return -EINVAL;
	}
	wake_up_process(task);
	if (pid)
		*pid = task->pid;
	return wait(task->pid, status);
}

int lkdtm_run(const struct lkdtm_test *t, int *status, int *pid)
{
	return lkdtm_run_on(t, -1, status, pid);
}
