/*
 * Power-off: the other CPUs stop first, so that nothing runs on while the machine goes down
 * (Linux: machine_shutdown() before pm_power_off()), then arch/x86_64/power.c tries what this
 * machine has. A PC without ACPI S5 that is no emulator stays on: it must still end, halted, and
 * say that the switch is now safe to press - on the screen as on the serial port.
 */
#include "kernel/reboot.h"
#include "arch/x86_64/asm/irqflags.h"
#include "arch/x86_64/power.h"
#include "kernel/printk/printk.h"
#include "kernel/smp.h"

void kernel_power_off(void)
{
	u32 late;

	local_irq_disable();
	late = smp_send_stop();
	/* A CPU stopped in the middle of a line holds the print lock for good. */
	printk_bust_lock();
	machine_power_off();
	printk(KERN_EMERG "poweroff: neither ACPI S5 nor an emulator's port switched it off\n");
	if (late)
		printk(KERN_EMERG "poweroff: %u CPUs did not stop in %u ms\n", late,
		       SMP_STOP_TIMEOUT_MS);
	printk(KERN_EMERG "System halted%s. It is now safe to switch off the machine.\n",
	       late ? "" : ": every CPU stopped");
	machine_halt();
}
