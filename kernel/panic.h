#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

/*
 * panic() itself is declared in kernel/printk/printk.h, where every layer finds it. This is the
 * NMI's part (kernel/fault.c calls it for every NMI): if another CPU is panicking, this CPU was
 * sent the NMI to stop - it stops here, for good. Otherwise it returns.
 */
void panic_stop_nmi(void);

#endif
