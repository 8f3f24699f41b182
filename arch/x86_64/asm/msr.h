/*
 * Model-specific registers: their numbers, rdmsr/wrmsr, and the time-stamp counter.
 */
#ifndef ARCH_ASM_MSR_H
#define ARCH_ASM_MSR_H

#include "kernel/lib/types.h"

/* MSR numbers (Intel SDM vol. 4) */
#define MSR_APIC_BASE	   0x0000001b
#define MSR_EFER	   0xc0000080 /* bits: asm/processor-flags.h */
#define MSR_STAR	   0xc0000081 /* syscall/sysret segments */
#define MSR_LSTAR	   0xc0000082 /* syscall's 64-bit entry point */
#define MSR_SYSCALL_MASK   0xc0000084 /* RFLAGS bits syscall clears (the SDM's IA32_FMASK) */
#define MSR_GS_BASE	   0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102 /* what swapgs exchanges GS base with */

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static inline void wrmsr(u32 msr, u64 val)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)val), "d"((u32)(val >> 32)));
}

/* rdtsc ordered after all earlier instructions (lfence) so a timed region can't leak into it. */
static inline u64 rdtsc_ordered(void)
{
	u32 lo, hi;

	asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((u64)hi << 32) | lo;
}

#endif
