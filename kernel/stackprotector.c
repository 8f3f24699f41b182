/*
 * The stack protector's canaries and its failure path (kernel/stackprotector.h).
 *
 * Each canary is a step of a counter seeded once at boot (RDSEED, else RDRAND, else the TSC),
 * mixed with the TSC of the moment and, where the CPU has it, a fresh RDRAND. Without RDRAND the
 * canaries are only as unpredictable as the TSC: under QEMU's -icount, which makes the TSC an
 * instruction count, they are the same at every boot.
 */
#include "kernel/stackprotector.h"
#include "arch/x86_64/asm/irqflags.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/stacktrace.h"
#include "arch/x86_64/switch.h"
#include "kernel/fault.h"
#include "kernel/lib/ksyms.h"
#include "kernel/lib/vsprintf.h"
#include "kernel/printk/printk.h"

/* The lowest byte of every canary is zero: a string function stops on it. */
#define CANARY_MASK 0xffffffffffffff00UL

static u64 canary_state;
static bool canary_rdrand;
static const char *canary_source = "none yet";

static inline u64 rdtsc_plain(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

/* Both may fail for want of entropy (CF clear); the SDM's advice is to retry a few times. */
static bool rdrand64(u64 *v)
{
	int i;

	for (i = 0; i < 10; i++) {
		bool ok;

		asm volatile("rdrand %0" : "=r"(*v), "=@ccc"(ok));
		if (ok)
			return true;
	}
	return false;
}

static bool rdseed64(u64 *v)
{
	int i;

	for (i = 0; i < 100; i++) {
		bool ok;

		asm volatile("rdseed %0" : "=r"(*v), "=@ccc"(ok));
		if (ok)
			return true;
		asm volatile("pause");
	}
	return false;
}

/* splitmix64's finaliser: every input bit moves about half of the output bits. */
static u64 mix64(u64 x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9UL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebUL;
	return x ^ (x >> 31);
}

u64 get_random_canary(void)
{
	u64 x = __atomic_add_fetch(&canary_state, 0x9e3779b97f4a7c15UL, __ATOMIC_RELAXED), r;

	x = mix64(x ^ rdtsc_plain());
	if (canary_rdrand && rdrand64(&r))
		x ^= r;
	return x & CANARY_MASK;
}

/* No canary of its own: it changes the one its frame would be checked against. */
__no_stack_protector void boot_init_stack_canary(void)
{
	u64 seed;

	if (boot_cpu.rdseed && rdseed64(&seed)) {
		canary_source = "rdrand, seeded by rdseed";
	} else if (boot_cpu.rdrand && rdrand64(&seed)) {
		canary_source = "rdrand";
	} else {
		seed = rdtsc_plain();
		canary_source = "tsc (no rdrand)";
	}
	canary_rdrand = boot_cpu.rdrand;
	canary_state = mix64(seed);
	if (STACKPROTECTOR)
		this_cpu()->stack_canary = get_random_canary();
}

const char *stack_canary_source(void)
{
	return canary_source;
}

void stack_protector_print(void)
{
	if (STACKPROTECTOR)
		pr_info("stack-protector: strong, a canary per task from %s\n", canary_source);
	else
		pr_info("stack-protector: off (STACKPROTECTOR=n)\n");
}

const char *stack_chk_why_not_killable(char *buf, size_t len)
{
	struct percpu *cpu = this_cpu();
	/* Only rip is read, and only in an interrupt: here that is ruled out first. */
	struct pt_regs regs = { .rip = (u64)__builtin_return_address(0) };

	if (!cpu->curr)
		return "no task runs yet (early boot)";
	if (cpu->irq_depth)
		return "corrupted in interrupt context";
	if (cpu->fault_depth)
		return "corrupted inside an exception handler";
	return why_not_killable(cpu->curr, &regs, buf, len);
}

struct stack_chk_report {
	u64 caller; /* where the check failed */
	u64 rbp;    /* __stack_chk_fail's frame pointer: the backtrace starts there */
};

/* Report, then kill current or panic: on the IRQ stack, interrupts off. */
static void stack_chk_report(void *arg)
{
	struct stack_chk_report *r = arg;
	struct task *t = this_cpu_read(curr);
	char sym[96], why_buf[128];
	const char *why;
	u64 flags = oops_begin();

	ksym_format_return(r->caller, sym, sizeof(sym));
	printk(KERN_EMERG "stack-protector: Kernel stack is corrupted in: %s\n", sym);
	if (t)
		printk(KERN_EMERG "CPU: %u PID: %d Comm: %s\n", this_cpu()->cpu, t->pid, t->comm);
	/* It ends at the overrun frame: its saved frame pointer is what the overrun wrote. */
	show_backtrace((u64)__stack_chk_fail, 0, r->rbp, 0, 0);
	why = stack_chk_why_not_killable(why_buf, sizeof(why_buf));
	if (why)
		panic("stack-protector: kernel stack corrupted in %s (pid %d): %s",
		      t ? t->comm : "boot", t ? t->pid : -1, why);
	printk(KERN_EMERG "---[ end trace: killing %s (pid %d) for a corrupted stack ]---\n",
	       t->comm, t->pid);
	oops_end(flags);
	do_exit(KILLED_STACK_CORRUPT);
}

/*
 * The frame of the function that called us is overrun: its return address may be gone too, so
 * we never return there. No canary of our own: there is nothing to return to.
 *
 * The report runs on this CPU's IRQ stack, as the overflow reports do (kernel/fault.c): the
 * failed check may come at the deepest point of a task's stack, and the report with its kill
 * or panic takes more than 2 KiB. The IRQ stack is free in task context with interrupts off.
 * Anywhere else - an interrupt or exception handler, or before the IRQ stack exists - the check
 * ends in a panic, which goes on below this frame, on this stack.
 */
__no_stack_protector void __stack_chk_fail(void)
{
	struct stack_chk_report r = {
		.caller = (u64)__builtin_return_address(0),
		.rbp = (u64)__builtin_frame_address(0),
	};
	u64 top = this_cpu_read(irq_stack_top);

	local_irq_disable();
	if (!top || this_cpu_read(irq_depth) || this_cpu_read(fault_depth))
		top = ALIGN_DOWN((u64)__builtin_frame_address(0) - 64, 16);
	call_on_stack(top, stack_chk_report, &r);
	__builtin_unreachable();
}
