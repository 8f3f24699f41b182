/* The 8254 programmable interval timer: the periodic tick on IRQ 0. */
#include "arch/x86_64/pit.h"
#include "arch/x86_64/asm/io.h"

#define PIT_CH0		    0x40
#define PIT_CH2		    0x42
#define PIT_CMD		    0x43
#define PIT_CH2_GATE	    0x61
#define PIT_CMD_CH0_RATE    0x34 /* channel 0, lo/hi byte, mode 2 (rate generator) */
#define PIT_CMD_CH2_ONESHOT 0xb0 /* channel 2, lo/hi byte, mode 0 (terminal count) */

void pit_init(unsigned int hz)
{
	u16 divisor = PIT_HZ / hz;

	outb(PIT_CMD, PIT_CMD_CH0_RATE);
	outb(PIT_CH0, divisor & 0xff);
	outb(PIT_CH0, divisor >> 8);
}

void pit_delay_us(unsigned int us)
{
	u32 count = (u64)PIT_HZ * us / 1000000;
	u8 gate;

	if (count > 0xffff)
		count = 0xffff;
	/* Gate on, speaker off; then count down once and poll OUT2 (bit 5 of port 0x61). */
	gate = (inb(PIT_CH2_GATE) & ~0x02) | 0x01;
	outb(PIT_CH2_GATE, gate);
	outb(PIT_CMD, PIT_CMD_CH2_ONESHOT);
	outb(PIT_CH2, count & 0xff);
	outb(PIT_CH2, count >> 8);
	/*
	 * No pause: a port read is slow enough on hardware, and QEMU's TCG takes pause as "run
	 * the next vCPU", a pass over all of them per turn of a loop that only waits for time.
	 */
	while (!(inb(PIT_CH2_GATE) & 0x20))
		;
}
