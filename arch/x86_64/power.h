#ifndef ARCH_POWER_H
#define ARCH_POWER_H

#include "kernel/lib/types.h"

/* Values for QEMU's isa-debug-exit device: QEMU exits with status (value << 1) | 1. */
#define QEMU_EXIT_SUCCESS 0x10 /* exit status 33 */
#define QEMU_EXIT_FAILURE 0x11 /* exit status 35 */

void qemu_exit(int value);
/*
 * How this machine powers off and resets, set by the firmware layer (kernel/drivers/acpi.c) if it
 * found a way; else machine_power_off() halts and machine_restart() pulses the reset line. A
 * hook, as in Linux: which of the two applies is known only at run time, from the firmware.
 */
extern void (*pm_power_off)(void);
extern void (*pm_restart)(void);
/*
 * Also set by the firmware layer: the ACPI tables come from an emulator's firmware (SeaBIOS or
 * QEMU, under QEMU or Bochs), so the emulators' own power-off ports may be tried.
 */
extern bool pm_emulated_firmware;
/*
 * Switch the machine off: the QEMU exit device (tests), ACPI S5, then the emulators' documented
 * ports. Returns if none of them worked. Other CPUs must be stopped first: kernel_power_off()
 * (kernel/reboot.h) does that, and halts if this returns.
 */
void machine_power_off(void);
__attribute__((noreturn)) void machine_restart(void);
__attribute__((noreturn)) void machine_halt(void);

#endif
