/*
 * The two cascaded 8259A PICs. Remapped to vectors 32-47 because the BIOS default (8-15) collides
 * with CPU exceptions. All lines start masked; request_irq() unmasks the ones with a handler.
 */
#include "arch/x86_64/pic.h"
#include "arch/x86_64/asm/io.h"
#include "arch/x86_64/irq.h"

#define PIC1_CMD       0x20
#define PIC1_DATA      0x21
#define PIC2_CMD       0xA0
#define PIC2_DATA      0xA1
#define ICW1_INIT_ICW4 0x11
#define ICW4_8086      0x01
#define OCW3_READ_ISR  0x0b
#define PIC_EOI	       0x20

static u16 irq_mask = 0xffff;

static void write_mask(void)
{
	outb(PIC1_DATA, irq_mask & 0xff);
	outb(PIC2_DATA, irq_mask >> 8);
}

void pic_init(void)
{
	outb(PIC1_CMD, ICW1_INIT_ICW4);
	io_wait();
	outb(PIC2_CMD, ICW1_INIT_ICW4);
	io_wait();
	outb(PIC1_DATA, 32); /* ICW2: vector base */
	io_wait();
	outb(PIC2_DATA, 40);
	io_wait();
	outb(PIC1_DATA, 1 << 2); /* ICW3: slave on line 2 */
	io_wait();
	outb(PIC2_DATA, 2);
	io_wait();
	outb(PIC1_DATA, ICW4_8086);
	io_wait();
	outb(PIC2_DATA, ICW4_8086);
	io_wait();
	irq_mask = 0xffff & ~(1 << 2); /* the cascade line itself stays open */
	write_mask();
}

void pic_unmask(unsigned int irq)
{
	irq_mask &= ~(1u << irq);
	write_mask();
}

void pic_eoi(unsigned int irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, PIC_EOI);
	outb(PIC1_CMD, PIC_EOI);
}

/* Which IRQs the PICs have delivered and not yet had an EOI for: bit n is IRQ n. */
u16 pic_in_service(void)
{
	u16 isr;

	outb(PIC1_CMD, OCW3_READ_ISR);
	outb(PIC2_CMD, OCW3_READ_ISR);
	isr = inb(PIC1_CMD) | (u16)inb(PIC2_CMD) << 8;
	/* Line 2 is the slave's cascade, not an IRQ of its own. */
	return isr & ~(1u << 2);
}

/*
 * IRQ 7 and 15 also arrive when a request went away before the CPU acknowledged it. Such a
 * spurious interrupt has no in-service bit set and must not get an EOI from its own PIC.
 */
bool pic_is_spurious(unsigned int irq)
{
	u16 port = irq < 8 ? PIC1_CMD : PIC2_CMD;

	if ((irq & 7) != 7)
		return false;
	outb(port, OCW3_READ_ISR);
	if (inb(port) & 0x80)
		return false;
	if (irq == 15)
		outb(PIC1_CMD, PIC_EOI); /* the master did see the cascade */
	return true;
}

/* Mask every line: the I/O APIC takes over (kernel/drivers/ioapic.c). */
static void pic_disable(void)
{
	irq_mask = 0xffff;
	write_mask();
}

const struct irq_chip pic_chip = {
	.name = "8259 PIC",
	.unmask = pic_unmask,
	.eoi = pic_eoi,
	.is_spurious = pic_is_spurious,
	.in_service = pic_in_service,
	.disable = pic_disable,
};
