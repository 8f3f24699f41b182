/*
 * The I/O APIC: where the MADT lists one and the local APIC is in use (more than one CPU), the
 * ISA IRQs arrive through it and the 8259 is fully masked; elsewhere (one CPU, nosmp, noapic)
 * the 8259 delivers them as before. Either way the timer ticks and the controller finishes
 * every interrupt it delivers.
 */
#include "arch/x86_64/asm/io.h"
#include "arch/x86_64/irq.h"
#include "boot/setup.h"
#include "kernel/debug/ktest.h"
#include "kernel/drivers/acpi.h"
#include "kernel/drivers/apic.h"
#include "kernel/drivers/ioapic.h"
#include "kernel/lib/string.h"
#include "kernel/task.h"
#include "kernel/time.h"

#define PIC1_DATA 0x21
#define PIC2_DATA 0xa1

KTEST(ioapic, isa_irqs_go_through_the_io_apic_when_there_is_one)
{
	bool want =
		acpi.madt_found && acpi_madt.nr_ioapics && lapic_present() && !boot_params.noapic;

	KT_EXPECT_MSG(ioapic_active() == want, "I/O APIC %s, expected %s",
		      ioapic_active() ? "in use" : "not in use", want ? "in use" : "not");
	if (!ioapic_active()) {
		KT_EXPECT(!strcmp(irq_chip()->name, "8259 PIC"));
		ktest_skip("the 8259 PIC delivers the IRQs in this boot");
		return;
	}
	KT_EXPECT(!strcmp(irq_chip()->name, "I/O APIC"));
	KT_EXPECT_MSG(inb(PIC1_DATA) == 0xff && inb(PIC2_DATA) == 0xff,
		      "the 8259 still has lines open: masks %#x %#x", inb(PIC1_DATA),
		      inb(PIC2_DATA));
	/* QEMU and most PCs wire the PIT to input 2 (an override); the serial port to 4. */
	KT_EXPECT(ioapic_gsi_of_irq(4) == 4);
	KT_EXPECT(ioapic_gsi_of_irq(0) >= 0);
}

KTEST(ioapic, the_timer_ticks_and_every_irq_is_finished)
{
	u64 start = jiffies;
	int i;

	/* Each wait needs a tick: the timer IRQ arrives through whichever controller is in use. */
	for (i = 0; i < 5; i++)
		sleep_ms(10);
	KT_EXPECT(jiffies > start);
	KT_EXPECT_MSG(irq_in_service() == 0, "IRQs %#x delivered and never finished",
		      irq_in_service());
}
