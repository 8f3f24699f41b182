/*
 * The 16550 UART at COM1 (0x3F8), 115200 8N1. Output is polled; input arrives by interrupt
 * (IRQ 4) and goes to the console input queue.
 */
#include "kernel/drivers/serial.h"
#include "arch/x86_64/irq.h"
#include "arch/x86_64/asm/special_insns.h"
#include "arch/x86_64/asm/io.h"
#include "kernel/printk/console.h"
#include "kernel/printk/printk.h"

#define COM1		 0x3F8
#define UART_RBR	 0 /* receive buffer (read) / transmit holding (write) */
#define UART_IER	 1 /* interrupt enable */
#define UART_LCR	 3 /* line control */
#define UART_MCR	 4 /* modem control */
#define UART_LSR	 5 /* line status */
#define UART_SCR	 7 /* scratch: any byte written reads back */
#define UART_DLL	 0 /* divisor latch, with LCR.DLAB set */
#define UART_DLM	 1
#define LSR_DATA_READY	 0x01
#define LSR_THR_EMPTY	 0x20
#define LCR_8N1		 0x03
#define LCR_DLAB	 0x80
#define MCR_DTR_RTS_OUT2 0x0b /* OUT2 gates the UART's interrupt line to the PIC */

static void serial_write(const char *s, size_t n, int level)
{
	(void)level;
	while (n--) {
		if (*s == '\n')
			serial_putc('\r');
		serial_putc(*s++);
	}
}

static struct console serial_console = { .name = "ttyS0", .write = serial_write };

/* Most laptops have no COM1: then nothing is written to it and no interrupt is taken for it. */
static bool uart_present;

bool serial_present(void)
{
	return uart_present;
}

void serial_putc(char c)
{
	int spins = 100000;

	if (!uart_present)
		return;

	/* Bounded wait: a missing UART must not hang the kernel. */
	while (!(inb(COM1 + UART_LSR) & LSR_THR_EMPTY) && --spins)
		cpu_relax();
	outb(COM1 + UART_RBR, c);
}

/*
 * A 16550 keeps what is written to its scratch register; where no UART decodes the port, reads
 * give 0xff. Two patterns, so a port that happens to read back one value does not pass.
 */
static bool uart_probe(void)
{
	outb(COM1 + UART_SCR, 0x5a);
	if (inb(COM1 + UART_SCR) != 0x5a)
		return false;
	outb(COM1 + UART_SCR, 0xa5);
	return inb(COM1 + UART_SCR) == 0xa5;
}

/*
 * The FIFO control register is deliberately left alone: enabling or resetting the FIFOs throws
 * away bytes that arrived before the kernel started (QEMU's UART holds piped input there).
 */
void serial_init(void)
{
	uart_present = uart_probe();
	if (!uart_present) {
		pr_info("serial: no UART at COM1 (%#x): no serial console\n", COM1);
		return;
	}
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, 1); /* 115200 / 1 */
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_MCR, MCR_DTR_RTS_OUT2);
	register_console(&serial_console);
}

static void serial_irq(struct pt_regs *regs)
{
	(void)regs;
	while (inb(COM1 + UART_LSR) & LSR_DATA_READY)
		console_input_push(inb(COM1 + UART_RBR));
}

void serial_enable_rx_irq(void)
{
	if (!uart_present)
		return;
	request_irq(4, serial_irq);
	outb(COM1 + UART_IER, 0x01); /* received data available */
	/* Bytes that arrived before the interrupt was enabled raise no new interrupt. */
	serial_irq(NULL);
}
