/*
 * Just enough ACPI to power off and reset a real PC: find the FADT through the RSDP that GRUB
 * hands over, read the PM1 control ports and the reset register, and the \_S5 sleep type from
 * the DSDT. No AML interpreter: \_S5 is a simple package that can be read directly. Also the
 * MADT, which lists the CPUs (kernel/drivers/madt.h).
 */
#ifndef DRIVERS_ACPI_H
#define DRIVERS_ACPI_H

#include "boot/multiboot2.h"
#include "kernel/drivers/madt.h"

void acpi_init(const struct mb2_info *mb);
/* What acpi_init found, for `bootinfo` and tests. */
struct acpi_info {
	bool fadt_found;
	bool s5_found;
	u16 pm1a_cnt, pm1b_cnt;
	u16 slp_typa, slp_typb;
	bool reset_supported;
	u8 reset_space; /* 0 memory, 1 I/O */
	u64 reset_addr;
	u8 reset_value;
	bool has_8042;	 /* IAPC_BOOT_ARCH says there is a PS/2 controller */
	bool madt_found; /* acpi_madt holds a well-formed MADT */
};
extern struct acpi_info acpi;
/* The CPUs, I/O APICs and interrupt overrides, if acpi.madt_found. */
extern struct madt acpi_madt;

#endif
