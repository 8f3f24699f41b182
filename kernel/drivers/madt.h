/*
 * The ACPI MADT ("APIC", Multiple APIC Description Table): which CPUs the machine has (their
 * local APIC ids), where the I/O APICs are, and how the ISA IRQs map onto them. Parsed from a
 * copy of the table into struct madt; the SMP start-up (kernel/smp_boot.c) reads the CPUs from it.
 *
 * The table is untrusted input: every entry is checked against the table's length and against
 * the size of its type before it is read. A malformed table gives an error and no result, so the
 * kernel runs on one CPU rather than starting CPUs from garbage.
 *
 * Pure logic: no allocation, no printing (host-tested in tests/test_madt.c).
 */
#ifndef DRIVERS_MADT_H
#define DRIVERS_MADT_H

#include "kernel/lib/types.h"

#define MADT_MAX_CPUS	   256
#define MADT_MAX_IOAPICS   8
#define MADT_MAX_OVERRIDES 16

/* Entry types (ACPI spec, "Multiple APIC Description Table"). */
#define MADT_LAPIC	    0
#define MADT_IOAPIC	    1
#define MADT_OVERRIDE	    2
#define MADT_LAPIC_OVERRIDE 5
#define MADT_X2APIC	    9

#define MADT_HEADER_LEN 44 /* the SDT header (36), local APIC address, flags */

struct madt_cpu {
	u32 apic_id;
	u32 uid;      /* the ACPI processor UID */
	bool enabled; /* flags bit 0: usable now; else only "online capable" (hot-plug) */
	bool x2apic;  /* from an x2APIC entry (type 9) */
};

struct madt_ioapic {
	u8 id;
	u32 addr;
	u32 gsi_base;
};

/* An ISA IRQ that does not arrive on the I/O APIC input of the same number. */
struct madt_override {
	u8 bus, source; /* source: the ISA IRQ */
	u32 gsi;
	u16 flags; /* polarity (bits 1-0) and trigger mode (bits 3-2) */
};

struct madt {
	u64 lapic_addr;	     /* physical; a type 5 entry overrides the 32-bit header field */
	bool pcat_compat;    /* flags bit 0: there are 8259 PICs too */
	u32 nr_cpus;	     /* entries kept in cpus[] (enabled or not) */
	u32 nr_cpus_dropped; /* CPUs past MADT_MAX_CPUS: not kept, counted */
	struct madt_cpu cpus[MADT_MAX_CPUS];
	u32 nr_ioapics;
	struct madt_ioapic ioapics[MADT_MAX_IOAPICS];
	u32 nr_overrides;
	struct madt_override overrides[MADT_MAX_OVERRIDES];
};

/*
 * Parse the MADT at table, of which avail bytes are readable. 0 on success; -1 with the reason
 * in err (cut to err_len - 1 characters; err may be NULL) if the table is malformed: wrong
 * signature, a length past avail or below the header, a bad checksum, an entry that runs past
 * the end or is shorter than its type, the same APIC id twice, too many I/O APICs or overrides.
 * Unknown entry types are skipped (newer ACPI versions add some). Too many CPUs is not an error:
 * the first MADT_MAX_CPUS are kept and the rest counted in nr_cpus_dropped.
 */
int madt_parse(const void *table, size_t avail, struct madt *out, char *err, size_t err_len);

#endif
