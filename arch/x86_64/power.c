/*
 * Power off and restart. Under QEMU the isa-debug-exit device ends QEMU with a status the test
 * runner can tell apart from a triple fault (which also ends QEMU, with status 0).
 */
#include "arch/x86_64/power.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/asm/irqflags.h"
#include "arch/x86_64/asm/special_insns.h"
#include "arch/x86_64/asm/io.h"
#include "kernel/printk/printk.h"

#define QEMU_DEBUG_EXIT_PORT 0xf4
#define KBC_STATUS	     0x64
#define KBC_RESET	     0xfe

/*
 * The ACPI PM1a control register where the emulators put it with no ACPI tables to say so:
 * QEMU since 2.0 (PIIX4 and ICH9 PM at 0x600), Bochs and QEMU before 2.0 (0xb000). Writing
 * SLP_EN (bit 13) with sleep type 0 is their S5. Bochs also quits when the bytes "Shutdown"
 * are written to port 0x8900, which QEMU no longer has.
 */
#define QEMU_PM1A_CNT	    0x604
#define BOCHS_PM1A_CNT	    0xb004
#define PM1_SLP_EN	    (1 << 13)
#define BOCHS_SHUTDOWN_PORT 0x8900

void (*pm_power_off)(void);
void (*pm_restart)(void);
bool pm_emulated_firmware;

void qemu_exit(int value)
{
	if (running_under_qemu())
		outl(QEMU_DEBUG_EXIT_PORT, value);
}

void machine_halt(void)
{
	for (;;) {
		local_irq_disable();
		hlt();
	}
}

/* Only where an emulator is sure: on a real PC these ports may belong to anything. */
static void emulator_power_off(void)
{
	const char *p;

	if (!running_under_qemu() && !pm_emulated_firmware)
		return;
	outw(QEMU_PM1A_CNT, PM1_SLP_EN);
	outw(BOCHS_PM1A_CNT, PM1_SLP_EN);
	for (p = "Shutdown"; *p; p++)
		outb(BOCHS_SHUTDOWN_PORT, *p);
}

void machine_power_off(void)
{
	local_irq_disable();
	/* In tests, tell QEMU this was a clean power-off (ACPI S5 looks like a crash to it). */
	qemu_exit(QEMU_EXIT_SUCCESS);
	if (pm_power_off)
		pm_power_off();
	emulator_power_off();
}

void machine_restart(void)
{
	int spins;

	local_irq_disable();
	if (pm_restart)
		pm_restart();
	/* Pulse the CPU reset line through the keyboard controller... */
	for (spins = 0; spins < 100000 && (inb(KBC_STATUS) & 0x02); spins++)
		cpu_relax();
	outb(KBC_STATUS, KBC_RESET);
	/* ...and if that did nothing, a triple fault resets every PC: load an empty IDT. */
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) empty = { 0, 0 };
	asm volatile("lidt %0; int3" : : "m"(empty));
	machine_halt();
}
