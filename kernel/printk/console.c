#include "kernel/printk/console.h"
#include "arch/x86_64/asm/irqflags.h"

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
 * The input queue: a ring written by the input interrupts (all routed to one CPU) and read with
 * interrupts off. It needs no lock, only order: the byte is stored before the head that
 * publishes it (release), and read after the head that says it is there (acquire); readers
 * claim a byte with a compare-and-swap of the tail (console_getc). A full queue drops new bytes.
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

/*
 * Take the Ctrl-C bytes out of the queue, keeping the rest in order: they were typed ahead, for
 * the program about to run. Kept bytes move up towards the head, so only the reader's tail
 * moves; the input interrupt writes at the head, and the caller is the only reader.
 */
static int take_typed_ahead_interrupts(void)
{
	u32 tail = __atomic_load_n(&input_tail, __ATOMIC_ACQUIRE);
	u32 head = __atomic_load_n(&input_head, __ATOMIC_ACQUIRE), from, to = head;
	int taken = 0;

	for (from = head; from != tail; from--) {
		u8 c = input_queue[(from - 1) % INPUT_QUEUE_SIZE];

		if (c == CTRL_C)
			taken++;
		else
			input_queue[--to % INPUT_QUEUE_SIZE] = c;
	}
	__atomic_store_n(&input_tail, to, __ATOMIC_RELEASE);
	return taken;
}

int console_set_interrupt(void (*fn)(void))
{
	__atomic_store_n(&interrupt_handler, fn, __ATOMIC_RELEASE);
	return fn ? take_typed_ahead_interrupts() : 0;
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

/*
 * Two readers on two CPUs (a program and its child both in read()) may find the same byte: the
 * compare-and-swap of the tail gives it to one of them, and the other looks again. The byte is
 * read before the swap, while its slot cannot be reused: the writer never passes the tail.
 */
int console_getc(void)
{
	u64 flags = local_irq_save();
	u32 tail;
	int c;

	for (;;) {
		while (!input_ready(NULL)) {
			/* Before the scheduler runs, just wait for the next interrupt. */
			if (waiter) {
				waiter->wait(waiter->ctx, input_ready);
			} else {
				/* sti; hlt is atomic: no interrupt can slip in between. */
				asm volatile("sti; hlt; cli");
			}
		}
		tail = __atomic_load_n(&input_tail, __ATOMIC_ACQUIRE);
		if (tail == __atomic_load_n(&input_head, __ATOMIC_ACQUIRE))
			continue;
		c = input_queue[tail % INPUT_QUEUE_SIZE];
		if (__atomic_compare_exchange_n(&input_tail, &tail, tail + 1, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			break;
	}
	local_irq_restore(flags);
	return c;
}
