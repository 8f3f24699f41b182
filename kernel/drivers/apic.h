/*
 * The local APIC, in xAPIC mode: its registers mapped uncached with ioremap_nocache(), at the
 * same physical address on every CPU (each CPU sees its own APIC there). What SMP needs of it:
 * the APIC id, inter-processor interrupts (IPIs) including INIT and STARTUP, the EOI, and the
 * timer of every CPU (the scheduler's per-CPU tick).
 * The 8259 PIC still delivers the PIT, keyboard and serial interrupts to the boot CPU.
 */
#ifndef DRIVERS_APIC_H
#define DRIVERS_APIC_H

#include "arch/x86_64/irq.h"
#include "kernel/lib/types.h"

#define SPURIOUS_APIC_VECTOR 0xff
#define LOCAL_TIMER_VECTOR   0xf0
#define RESCHEDULE_VECTOR    0xfd /* "look at the run queue" (kernel/sched.c) */

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
/* INIT, then STARTUP at physical page (page << 12): how an AP is woken (kernel/smp_boot.c). */
int lapic_send_init(u32 apic_id);
int lapic_send_startup(u32 apic_id, u8 page);
/*
 * The APIC timer. lapic_timer_init(): on the boot CPU, after lapic_init(), measure its rate
 * against the PIT and install handler on its vector; -1 if it cannot be used. Then each CPU
 * starts its own with lapic_timer_start_this_cpu(): periodic, hz times a second, each tick
 * calling handler on that CPU, on the IRQ stack. The handler sends the EOI (lapic_eoi()).
 */
int lapic_timer_init(unsigned int hz, irq_handler_t handler);
bool lapic_timer_calibrated(void);
void lapic_timer_start_this_cpu(void);
struct pt_regs;
/*
 * After a task was killed for overrunning its stack in interrupt entry: a local APIC vector
 * whose handler never ran is still in service, and the APIC holds back every vector of its
 * priority and below until its EOI. Run each such handler now (they send their EOI).
 */
void lapic_complete_lost(struct pt_regs *regs);
/* The physical address of the local APIC's registers (for cpuinfo). */
u64 lapic_phys(void);

#endif
