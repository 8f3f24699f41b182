/*
 * A task reading the console (the shell, in console_getc()) sleeps on a wait queue until an
 * input interrupt wakes it. The console layer cannot name the scheduler, which sits above it, so
 * the scheduler's side is plugged in here as a struct console_waiter.
 */
#include "kernel/console_wait.h"
#include "kernel/printk/console.h"
#include "kernel/task.h"
#include "kernel/wait.h"

static struct wait_queue console_wq;

static void console_wait(void *ctx, bool (*ready)(void *arg))
{
	wait_event(&console_wq, ready, NULL);
}

static void console_wake(void *ctx)
{
	wake_up_all(&console_wq);
}

static const struct console_waiter console_waiter = { console_wait, console_wake, NULL };

void console_wait_init(void)
{
	console_set_waiter(&console_waiter);
}
