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
 * The input queue: a ring written by one side, the input interrupts (all routed to one CPU),
 * and read by the other, a reader with interrupts off. One writer and one reader need no lock,
 * only order: the byte is stored before the head that publishes it (release), and read after
 * the head that says it is there (acquire). A full queue drops new bytes (the reader is stuck).
 */
#define INPUT_QUEUE_SIZE 1024
#define CTRL_C		 0x03

static u8 input_queue[INPUT_QUEUE_SIZE];
static u32 input_head, input_tail;
static const struct console_waiter *waiter;
static void (*interrupt_handler)(void);

void console_set_waiter(const struct console_waiter *w)
{
	waiter = w;
}

void console_set_interrupt(void (*fn)(void))
{
	__atomic_store_n(&interrupt_handler, fn, __ATOMIC_RELEASE);
}

void console_input_push(u8 c)
{
	void (*intr)(void) = __atomic_load_n(&interrupt_handler, __ATOMIC_ACQUIRE);
	u32 head = input_head;

	if (c == CTRL_C && intr) {
		intr();
		return;
	}
	if (head - __atomic_load_n(&input_tail, __ATOMIC_ACQUIRE) < INPUT_QUEUE_SIZE) {
		input_queue[head % INPUT_QUEUE_SIZE] = c;
		__atomic_store_n(&input_head, head + 1, __ATOMIC_RELEASE);
	}
	if (waiter)
		waiter->wake(waiter->ctx);
}

static bool input_ready(void *arg)
{
	return __atomic_load_n(&input_head, __ATOMIC_ACQUIRE) != input_tail;
}

int console_getc(void)
{
	u64 flags = local_irq_save();
	int c;

	while (!input_ready(NULL)) {
		/* Before the scheduler runs, just wait for the next interrupt. */
		if (waiter) {
			waiter->wait(waiter->ctx, input_ready);
		} else {
			/* sti; hlt is atomic: no interrupt can slip in between and be missed. */
			asm volatile("sti; hlt; cli");
		}
	}
	c = input_queue[input_tail % INPUT_QUEUE_SIZE];
	__atomic_store_n(&input_tail, input_tail + 1, __ATOMIC_RELEASE);
	local_irq_restore(flags);
	return c;
}
