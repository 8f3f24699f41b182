/*
 * Privileged instructions as inline functions: control registers, invlpg, hlt, pause.
 */
#ifndef ARCH_ASM_SPECIAL_INSNS_H
#define ARCH_ASM_SPECIAL_INSNS_H

#include "kernel/lib/types.h"

static inline u64 read_cr0(void)
{
	u64 v;

	asm volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline u64 read_cr2(void)
{
	u64 v;

	asm volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline void write_cr2(u64 v)
{
	asm volatile("mov %0, %%cr2" : : "r"(v));
}

static inline u64 read_cr3(void)
{
	u64 v;

	asm volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void write_cr3(u64 v)
{
	asm volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline u64 read_cr4(void)
{
	u64 v;

	asm volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void write_cr4(u64 v)
{
	asm volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static inline void invlpg(u64 addr)
{
	asm volatile("invlpg (%0)" : : "r"(addr) : "memory");
}

static inline void cpu_relax(void)
{
	asm volatile("pause");
}

static inline void hlt(void)
{
	asm volatile("hlt");
}

#endif
