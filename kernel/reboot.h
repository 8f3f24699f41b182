/* Switching the machine off, as Linux's kernel/reboot.c. */
#ifndef KERNEL_REBOOT_H
#define KERNEL_REBOOT_H

/*
 * Stop the other CPUs, then switch the machine off (arch/x86_64/power.c). Where nothing can
 * (no ACPI S5, no emulator's port), every CPU is left halted with a message on every console.
 */
__attribute__((noreturn)) void kernel_power_off(void);

#endif
