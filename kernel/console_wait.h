/* Console readers sleep instead of spinning (kernel/console_wait.c). */
#ifndef KERNEL_CONSOLE_WAIT_H
#define KERNEL_CONSOLE_WAIT_H

/* From now on console_getc() sleeps on a wait queue: call it before the scheduler starts. */
void console_wait_init(void);

#endif
