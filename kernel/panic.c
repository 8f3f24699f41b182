/*
 * panic(): the end of the kernel, on one CPU. The first CPU to panic stops every other CPU with
 * an NMI (it arrives even where interrupts are off, say in a CPU spinning on a lock), waits until
 * they say they have stopped, then takes the print lock whoever held it and prints the report
 * alone. A CPU that panics second, or gets the NMI, stops where it is and prints nothing.
 */
#include "kernel/panic.h"
#include "arch/x86_64/asm/io.h"
#include "arch/x86_64/power.h"
#include "arch/x86_64/stacktrace.h"
#include "kernel/drivers/apic.h"
#include "kernel/printk/printk.h"
#include "kernel/lib/vsprintf.h"
#include "kernel/smp.h"
#include "kernel/time.h"

/* How long the panicking CPU waits for the others to stop before it prints anyway. */
#define STOP_TIMEOUT_MS 1000
#define NO_CPU		0xffffffffu

bool panic_in_progress;
static u32 panic_cpu = NO_CPU;
static u32 nr_stopped;
static bool cpu_stopped[NR_CPUS];

/*
 * Counted once per CPU: a CPU that panicked second stops here, and the panicking CPU's NMI then
 * wakes it from hlt into here again. Counted twice, it would stand for a CPU still running.
 */
static __attribute__((noreturn)) void stop_this_cpu(void)
{
	if (!__atomic_exchange_n(&cpu_stopped[smp_processor_id()], true, __ATOMIC_ACQ_REL))
		__atomic_fetch_add(&nr_stopped, 1, __ATOMIC_RELEASE);
	for (;;)
		asm volatile("cli; hlt");
}

void panic_stop_nmi(void)
{
	u32 cpu = __atomic_load_n(&panic_cpu, __ATOMIC_ACQUIRE);

	if (cpu != NO_CPU && cpu != smp_processor_id())
		stop_this_cpu();
}

/* Stop every other online CPU; returns how many did not stop in time. */
static u32 stop_other_cpus(void)
{
	u32 me = smp_processor_id(), i, sent = 0, stopped;
	u64 t0 = rdtsc_ordered();

	for (i = 0; i < nr_cpu_ids(); i++) {
		if (i == me || cpu_info(i)->state != CPU_ONLINE)
			continue;
		if (lapic_send_nmi(cpu_info(i)->apic_id) == 0)
			sent++;
	}
	while (__atomic_load_n(&nr_stopped, __ATOMIC_ACQUIRE) < sent &&
	       rdtsc_ordered() - t0 < STOP_TIMEOUT_MS * tsc_khz)
		cpu_relax();
	stopped = __atomic_load_n(&nr_stopped, __ATOMIC_ACQUIRE);
	return stopped < sent ? sent - stopped : 0;
}

void panic(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	u32 me = smp_processor_id(), none = NO_CPU, late;

	local_irq_disable();
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!__atomic_compare_exchange_n(&panic_cpu, &none, me, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		/* Another CPU panics and stops us (or has): leave the report to it. */
		if (none != me)
			stop_this_cpu();
		/* A panic while panicking: say it and stop, without another backtrace. */
		printk(KERN_EMERG "Kernel panic during panic: %s\n", buf);
		goto out;
	}
	late = stop_other_cpus();
	/* The others are stopped: if one held the print lock, it will never let it go. */
	printk_bust_lock();
	panic_in_progress = true;
	printk(KERN_EMERG "Kernel panic - not syncing: %s\n", buf);
	if (late)
		printk(KERN_EMERG "panic: %u other CPUs did not stop in %u ms\n", late,
		       STOP_TIMEOUT_MS);
	dump_stack();
	printk(KERN_EMERG "---[ end Kernel panic - not syncing: %s ]---\n", buf);
out:
	qemu_exit(QEMU_EXIT_FAILURE);
	machine_halt();
}
