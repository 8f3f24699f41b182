#ifndef ARCH_PIT_H
#define ARCH_PIT_H

#include "kernel/lib/types.h"

#define PIT_HZ 1193182

/* Program channel 0 to raise IRQ 0 hz times a second (kernel/time.c handles it). */
void pit_init(unsigned int hz);
/*
 * A busy wait of `us` microseconds on channel 2 (at most 54 ms), for the calibrations before the
 * timer runs, in two halves: start the countdown, read the clock being calibrated, then wait for
 * the end. The setup's port writes fall outside the measured window.
 */
void pit_oneshot_start(unsigned int us);
void pit_oneshot_wait(void);

#endif
