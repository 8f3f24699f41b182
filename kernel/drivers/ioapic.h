/*
 * The I/O APIC: where the ISA interrupts (timer, keyboard, serial) go on a machine with local
 * APICs, instead of the 8259 PIC. Each input has a redirection entry that names the vector, the
 * CPU, the polarity and the trigger mode; the MADT lists the I/O APICs and the ISA IRQs that are
 * wired to another input than their own number (interrupt source overrides).
 */
#ifndef DRIVERS_IOAPIC_H
#define DRIVERS_IOAPIC_H

#include "kernel/lib/types.h"

/*
 * Route IRQs 0-15 through the I/O APIC to the boot CPU, on the vectors the PIC used, and mask
 * the 8259. Needs the local APIC (lapic_init()) and the MADT. Returns 0, or -1 with the reason
 * printed, and the PIC stays in charge.
 */
int ioapic_init(void);
/* Is the I/O APIC delivering the ISA IRQs? */
bool ioapic_active(void);
/* The global system interrupt (I/O APIC input) of an ISA IRQ; -1 if no I/O APIC has it. */
int ioapic_gsi_of_irq(unsigned int irq);
/* Print the redirection entries of the ISA IRQs (cpuinfo). */
void ioapic_print(void);

#endif
