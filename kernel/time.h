#ifndef KERNEL_TIME_H
#define KERNEL_TIME_H

#include "kernel/lib/types.h"

#define HZ 100

extern volatile u64 jiffies;
extern u64 tsc_khz; /* TSC ticks per millisecond, calibrated at boot */

void time_init(void);
u64 uptime_ms(void);
/* Called from the timer interrupt after jiffies advanced (the scheduler's tick). */
void set_tick_hook(void (*hook)(void));
u64 cycles_to_ns(u64 cycles);

#endif
