#ifndef ARCH_PIT_H
#define ARCH_PIT_H

#include "kernel/lib/types.h"

#define PIT_HZ 1193182

/* Program channel 0 to raise IRQ 0 hz times a second (kernel/time.c handles it). */
void pit_init(unsigned int hz);
/* Busy-wait about `us` microseconds on channel 2 (for TSC calibration before the timer runs). */
void pit_delay_us(unsigned int us);

#endif
