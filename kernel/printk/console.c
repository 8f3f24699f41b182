#include "kernel/printk/console.h"
#include "arch/x86_64/asm/io.h"

static struct console *consoles;

void register_console(struct console *con)
{
	con->next = consoles;
	consoles = con;
}

void console_write(const char *s, size_t n, int level)
{
	struct console *con;

	for (con = consoles; con; con = con->next)
		con->write(s, n, level);
}

/*
 * The input queue: a ring written only by interrupt handlers and read only with interrupts
 * disabled, so on one CPU it needs no lock. A full queue drops new bytes (the reader is stuck).
 */
#define INPUT_QUEUE_SIZE 1024

static u8 input_queue[INPUT_QUEUE_SIZE];
static u32 input_head, input_tail;
static const struct console_waiter *waiter;

void console_set_waiter(const struct console_waiter *w)
{
	waiter = w;
}

void console_input_push(u8 c)
{
	if (input_head - input_tail < INPUT_QUEUE_SIZE)
		input_queue[input_head++ % INPUT_QUEUE_SIZE] = c;
	if (waiter)
		waiter->wake(waiter->ctx);
}

static bool input_ready(void *arg)
{
	return input_head != input_tail;
}

int console_getc(void)
{
	u64 flags = local_irq_save();
	int c;

	while (input_head == input_tail) {
		/* Before the scheduler runs, just wait for the next interrupt. */
		if (waiter) {
			waiter->wait(waiter->ctx, input_ready);
		} else {
			/* sti; hlt is atomic: no interrupt can slip in between and be missed. */
			asm volatile("sti; hlt; cli");
		}
	}
	c = input_queue[input_tail++ % INPUT_QUEUE_SIZE];
	local_irq_restore(flags);
	return c;
}
