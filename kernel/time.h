#ifndef KERNEL_TIME_H
#define KERNEL_TIME_H

#include "kernel/lib/types.h"

#define HZ 100

extern volatile u64 jiffies;
extern u64 tsc_khz; /* TSC ticks per millisecond, calibrated at boot */

/* Calibrate the TSC, then start the PIT's tick: jiffies, and sched_tick() (kernel/sched.c). */
void time_init(void);
u64 uptime_ms(void);
u64 cycles_to_ns(u64 cycles);

#endif
