/*
 * The I/O APIC (see ioapic.h). Register layout from Intel's 82093AA I/O APIC datasheet: an index
 * register (IOREGSEL) and a data window (IOWIN); register 1 holds the number of inputs, and
 * input n's redirection entry is the 64-bit pair of registers 0x10 + 2n (low half first).
 * Polarity and trigger of an override come from the ACPI spec's MPS INTI flags.
 */
#include "kernel/drivers/ioapic.h"
#include "arch/x86_64/asm/irqflags.h"
#include "arch/x86_64/irq.h"
#include "kernel/drivers/acpi.h"
#include "kernel/drivers/apic.h"
#include "kernel/printk/printk.h"
#include "mm/vmalloc.h"

#define IOREGSEL      0x00
#define IOWIN	      0x10
#define IOAPIC_VER    0x01
#define IOAPIC_REDTBL 0x10

/* Redirection entry, low half. Delivery mode fixed (0) and physical destination (0). */
#define RTE_ACTIVE_LOW (1u << 13)
#define RTE_LEVEL      (1u << 15)
#define RTE_MASKED     (1u << 16)

/* MPS INTI flags of an interrupt source override. */
#define INTI_POLARITY_MASK 0x3
#define INTI_ACTIVE_LOW	   0x3
#define INTI_TRIGGER_MASK  0xc
#define INTI_LEVEL	   0xc

struct ioapic {
	volatile u32 *regs;
	u32 gsi_base, nr_inputs;
};

static struct ioapic ioapics[MADT_MAX_IOAPICS];
static u32 nr_ioapics;
static bool active;
static u32 dest_apic_id; /* every ISA IRQ goes to the boot CPU */

static u32 io_read(const struct ioapic *io, u32 reg)
{
	io->regs[IOREGSEL / 4] = reg;
	return io->regs[IOWIN / 4];
}

static void io_write(const struct ioapic *io, u32 reg, u32 val)
{
	io->regs[IOREGSEL / 4] = reg;
	io->regs[IOWIN / 4] = val;
}

/* The I/O APIC that has input gsi, and the input's number on it. */
static struct ioapic *ioapic_of(u32 gsi, u32 *pin)
{
	u32 i;

	for (i = 0; i < nr_ioapics; i++) {
		if (gsi >= ioapics[i].gsi_base &&
		    gsi < ioapics[i].gsi_base + ioapics[i].nr_inputs) {
			*pin = gsi - ioapics[i].gsi_base;
			return &ioapics[i];
		}
	}
	return NULL;
}

static const struct madt_override *override_of(unsigned int irq)
{
	u32 i;

	for (i = 0; i < acpi_madt.nr_overrides; i++) {
		if (acpi_madt.overrides[i].bus == 0 && acpi_madt.overrides[i].source == irq)
			return &acpi_madt.overrides[i];
	}
	return NULL;
}

int ioapic_gsi_of_irq(unsigned int irq)
{
	const struct madt_override *o = override_of(irq);
	u32 gsi = o ? o->gsi : irq, pin, i;

	/* Without an override of its own, an IRQ whose input another IRQ took has none (QEMU: 2).
	 */
	for (i = 0; !o && i < acpi_madt.nr_overrides; i++) {
		if (acpi_madt.overrides[i].bus == 0 && acpi_madt.overrides[i].gsi == irq)
			return -1;
	}
	return ioapic_of(gsi, &pin) ? (int)gsi : -1;
}

/* The low half of IRQ irq's entry: ISA lines are active high and edge triggered unless overridden.
 */
static u32 entry_low(unsigned int irq, bool masked)
{
	const struct madt_override *o = override_of(irq);
	u32 low = IRQ_BASE + irq;

	if (o && (o->flags & INTI_POLARITY_MASK) == INTI_ACTIVE_LOW)
		low |= RTE_ACTIVE_LOW;
	if (o && (o->flags & INTI_TRIGGER_MASK) == INTI_LEVEL)
		low |= RTE_LEVEL;
	return masked ? low | RTE_MASKED : low;
}

static void set_entry(unsigned int irq, bool masked)
{
	u32 pin;
	struct ioapic *io = ioapic_of((u32)ioapic_gsi_of_irq(irq), &pin);

	if (!io)
		return;
	/* High half (the destination) first, so the entry is never live with a stale one. */
	io_write(io, IOAPIC_REDTBL + 2 * pin + 1, dest_apic_id << 24);
	io_write(io, IOAPIC_REDTBL + 2 * pin, entry_low(irq, masked));
}

static void ioapic_unmask(unsigned int irq)
{
	set_entry(irq, false);
}

static void ioapic_eoi(unsigned int irq)
{
	(void)irq;
	lapic_eoi();
}

/*
 * An interrupt on an ISA vector that the local APIC has not in service did not come from the
 * I/O APIC: the masked 8259 can still raise one spurious IRQ 7 or 15. No EOI for it.
 */
static bool ioapic_is_spurious(unsigned int irq)
{
	return !lapic_in_service(IRQ_BASE + irq);
}

static u16 ioapic_in_service(void)
{
	u16 bits = 0;
	unsigned int irq;

	for (irq = 0; irq < NR_IRQS; irq++) {
		if (lapic_in_service(IRQ_BASE + irq))
			bits |= 1u << irq;
	}
	return bits;
}

static void ioapic_disable(void)
{
	unsigned int irq;

	for (irq = 0; irq < NR_IRQS; irq++)
		set_entry(irq, true);
}

static const struct irq_chip ioapic_chip = {
	.name = "I/O APIC",
	.unmask = ioapic_unmask,
	.eoi = ioapic_eoi,
	.is_spurious = ioapic_is_spurious,
	.in_service = ioapic_in_service,
	.disable = ioapic_disable,
};

/* Map one I/O APIC the MADT lists and mask all its inputs; -1 if it cannot be used. */
static int map_ioapic(const struct madt_ioapic *m, struct ioapic *io)
{
	u32 pin;

	io->regs = ioremap_nocache(m->addr, 0x20);
	if (!io->regs) {
		pr_warn("ioapic: cannot map the I/O APIC at %#x\n", m->addr);
		return -1;
	}
	io->gsi_base = m->gsi_base;
	io->nr_inputs = ((io_read(io, IOAPIC_VER) >> 16) & 0xff) + 1;
	for (pin = 0; pin < io->nr_inputs; pin++)
		io_write(io, IOAPIC_REDTBL + 2 * pin, RTE_MASKED);
	pr_info("ioapic: I/O APIC %u at %#x (uncached), inputs %u-%u\n", m->id, m->addr,
		io->gsi_base, io->gsi_base + io->nr_inputs - 1);
	return 0;
}

int ioapic_init(void)
{
	u64 flags;
	u32 i;

	if (!acpi.madt_found || !acpi_madt.nr_ioapics || !lapic_present()) {
		pr_info("ioapic: %s: IRQs stay on the 8259 PIC\n",
			!lapic_present() ? "no local APIC in use" : "the MADT lists no I/O APIC");
		return -1;
	}
	for (i = 0; i < acpi_madt.nr_ioapics; i++) {
		if (map_ioapic(&acpi_madt.ioapics[i], &ioapics[nr_ioapics]) == 0)
			nr_ioapics++;
	}
	if (!nr_ioapics)
		return -1;
	dest_apic_id = lapic_id();
	flags = local_irq_save();
	set_irq_chip(&ioapic_chip);
	active = true;
	local_irq_restore(flags);
	pr_info("ioapic: ISA IRQs now go through the I/O APIC to APIC id %u; the 8259 is masked\n",
		dest_apic_id);
	return 0;
}

bool ioapic_active(void)
{
	return active;
}

void ioapic_print(void)
{
	unsigned int irq;
	u32 pin, low;
	struct ioapic *io;

	if (!active) {
		pr_info("IRQs: on the 8259 PIC\n");
		return;
	}
	pr_info("IRQs: on the I/O APIC (ISA IRQ -> input: vector, trigger, polarity)\n");
	for (irq = 0; irq < NR_IRQS; irq++) {
		io = ioapic_of((u32)ioapic_gsi_of_irq(irq), &pin);
		if (!io)
			continue;
		low = io_read(io, IOAPIC_REDTBL + 2 * pin);
		if (low & RTE_MASKED)
			continue;
		pr_info("  IRQ %2u -> GSI %2u: vector %u, %s, active %s\n", irq, io->gsi_base + pin,
			low & 0xff, low & RTE_LEVEL ? "level" : "edge",
			low & RTE_ACTIVE_LOW ? "low" : "high");
	}
}
