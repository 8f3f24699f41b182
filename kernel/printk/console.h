/*
 * Consoles: where printk output goes (serial, VGA text, framebuffer) and where the shell's input
 * comes from (serial and keyboard interrupts feed one input queue).
 */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include "kernel/lib/types.h"

struct console {
	const char *name;
	/* Write n bytes; level is the printk level of the message (for colours). */
	void (*write)(const char *s, size_t n, int level);
	struct console *next;
};

void register_console(struct console *con);
void console_write(const char *s, size_t n, int level);

/* Input: drivers push bytes from their interrupt handlers; readers block until a byte arrives. */
void console_input_push(u8 c);
int console_getc(void);
/*
 * While fn is set, Ctrl-C (0x03) typed on any console calls fn, in the interrupt, instead of
 * going into the queue: the shell ends the program it waits for. NULL: Ctrl-C is a byte again.
 * Setting fn takes the Ctrl-C bytes already queued (typed ahead) out, and returns how many.
 * A hook because it is state, not wiring: it is set only while the shell waits for a program.
 */
int console_set_interrupt(void (*fn)(void));

/*
 * Who wakes a reader blocked in console_getc(): the scheduler installs itself here
 * (kernel/console_wait.c). A hook because the input interrupts that must wake the reader are
 * drivers, two layers below the scheduler; and until it is installed (before the scheduler runs)
 * a reader waits with hlt instead.
 */
struct console_waiter {
	/* Sleep until ready() is true, checked so that a wake() from any CPU is never missed. */
	void (*wait)(void *ctx, bool (*ready)(void *arg));
	void (*wake)(void *ctx);
	void *ctx;
};
void console_set_waiter(const struct console_waiter *w);

#endif
