/*
 * This CPU's number, for the code below the per-CPU areas (printk tells CPUs apart with it).
 * arch/x86_64/percpu.h defines the area and checks that its `cpu` field is at PERCPU_CPU.
 */
#ifndef ARCH_ASM_SMP_H
#define ARCH_ASM_SMP_H

#include "kernel/lib/types.h"

#define PERCPU_CPU 8

/*
 * One instruction on %gs, so a task moved to another CPU never reads half of one CPU's area and
 * half of another's. Only where the GS base is set: from percpu_init_boot_cpu() on, and on an AP
 * from percpu_init_ap() (Linux: raw_smp_processor_id()).
 */
static inline u32 raw_smp_processor_id(void)
{
	u32 cpu;

	asm volatile("movl %%gs:%c1, %0" : "=r"(cpu) : "i"(PERCPU_CPU));
	return cpu;
}

#endif
