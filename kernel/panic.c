#include "arch/x86_64/asm/io.h"
#include "arch/x86_64/power.h"
#include "arch/x86_64/stacktrace.h"
#include "kernel/printk/printk.h"
#include "kernel/lib/vsprintf.h"

bool panic_in_progress;

void panic(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	local_irq_disable();
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (panic_in_progress) {
		/* A panic while panicking: say it and stop, without another backtrace. */
		printk(KERN_EMERG "Kernel panic during panic: %s\n", buf);
	} else {
		panic_in_progress = true;
		printk(KERN_EMERG "Kernel panic - not syncing: %s\n", buf);
		dump_stack();
		printk(KERN_EMERG "---[ end Kernel panic - not syncing: %s ]---\n", buf);
	}
	qemu_exit(QEMU_EXIT_FAILURE);
	machine_halt();
}
