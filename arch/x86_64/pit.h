#ifndef ARCH_PIT_H
#define ARCH_PIT_H

#include "kernel/lib/types.h"

#define PIT_HZ 1193182

/* Program channel 0 to interrupt hz times a second and call tick() on each interrupt. */
void pit_init(unsigned int hz, void (*tick)(void));
/* Busy-wait about `us` microseconds on channel 2 (for TSC calibration before the timer runs). */
void pit_delay_us(unsigned int us);

#endif
