/*
 * The local APIC, in xAPIC mode: its registers mapped uncached with ioremap_nocache(), at the
 * same physical address on every CPU (each CPU sees its own APIC there). What SMP needs of it:
 * the APIC id, inter-processor interrupts (IPIs) including INIT and STARTUP, and the EOI.
 * The 8259 PIC still delivers the timer, keyboard and serial interrupts to the boot CPU.
 */
#ifndef DRIVERS_APIC_H
#define DRIVERS_APIC_H

#include "kernel/lib/types.h"

#define SPURIOUS_APIC_VECTOR 0xff

/* Map the local APIC and enable it on the boot CPU; -1 (with the reason printed) if unusable. */
int lapic_init(void);
/* Is the local APIC mapped (lapic_init() succeeded)? */
bool lapic_present(void);
/* Enable this CPU's local APIC (an AP's is software-disabled after INIT). */
void lapic_setup_this_cpu(void);
/* This CPU's local APIC id. */
u32 lapic_id(void);
/* End of interrupt, for a vector the local APIC delivered. */
void lapic_eoi(void);
/* Has this CPU's APIC delivered vector and not had its EOI yet? */
bool lapic_in_service(u8 vector);
/* A fixed IPI on vector to the CPU with this APIC id; -1 if the APIC never took it. */
int lapic_send_ipi(u32 apic_id, u8 vector);
/* A non-maskable interrupt to that CPU: it arrives even with interrupts off (panic's stop). */
int lapic_send_nmi(u32 apic_id);
/* INIT, then STARTUP at physical page (page << 12): how an AP is woken (kernel/smp.c). */
int lapic_send_init(u32 apic_id);
int lapic_send_startup(u32 apic_id, u8 page);
/* The physical address of the local APIC's registers (for cpuinfo). */
u64 lapic_phys(void);

#endif
