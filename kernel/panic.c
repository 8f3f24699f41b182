/*
 * panic(): the end of the kernel, on one CPU. The first CPU to panic stops every other CPU
 * (smp_send_stop(), kernel/smp_stop.c: an NMI, which arrives even where interrupts are off), then
 * takes the print lock whoever held it and prints the report alone. A CPU that panics second,
 * or gets the NMI, stops where it is and prints nothing.
 */
#include "arch/x86_64/asm/irqflags.h"
#include "arch/x86_64/power.h"
#include "arch/x86_64/stacktrace.h"
#include "kernel/printk/printk.h"
#include "kernel/lib/vsprintf.h"
#include "kernel/smp.h"

#define NO_CPU 0xffffffffu

bool panic_in_progress;
static u32 panic_cpu = NO_CPU;

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
	late = smp_send_stop();
	/* The others are stopped: if one held the print lock, it will never let it go. */
	printk_bust_lock();
	panic_in_progress = true;
	printk(KERN_EMERG "Kernel panic - not syncing: %s\n", buf);
	if (late)
		printk(KERN_EMERG "panic: %u other CPUs did not stop in %u ms\n", late,
		       SMP_STOP_TIMEOUT_MS);
	dump_stack();
	printk(KERN_EMERG "---[ end Kernel panic - not syncing: %s ]---\n", buf);
out:
	qemu_exit(QEMU_EXIT_FAILURE);
	machine_halt();
}
