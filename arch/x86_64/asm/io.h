/* Port I/O and the privileged instructions the rest of the kernel needs, as inline functions. */
#ifndef ARCH_IO_H
#define ARCH_IO_H

#include "kernel/lib/types.h"

static inline void outb(u16 port, u8 val)
{
	asm volatile("outb %0, %1" : : "a"(val), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 val;

	asm volatile("inb %1, %0" : "=a"(val) : "Nd"(port));
	return val;
}

static inline void outw(u16 port, u16 val)
{
	asm volatile("outw %0, %1" : : "a"(val), "Nd"(port));
}

static inline u16 inw(u16 port)
{
	u16 val;

	asm volatile("inw %1, %0" : "=a"(val) : "Nd"(port));
	return val;
}

static inline void outl(u16 port, u32 val)
{
	asm volatile("outl %0, %1" : : "a"(val), "Nd"(port));
}

/* A write to an unused port: a short delay for slow devices such as the PIC. */
static inline void io_wait(void)
{
	outb(0x80, 0);
}

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

static inline void local_irq_disable(void)
{
	asm volatile("cli" : : : "memory");
}

static inline void local_irq_enable(void)
{
	asm volatile("sti" : : : "memory");
}

#define X86_EFLAGS_IF (1UL << 9)

static inline u64 local_save_flags(void)
{
	u64 flags;

	asm volatile("pushfq; popq %0" : "=r"(flags) : : "memory");
	return flags;
}

/* Disable interrupts and return the previous RFLAGS, for local_irq_restore(). */
static inline u64 local_irq_save(void)
{
	u64 flags = local_save_flags();

	local_irq_disable();
	return flags;
}

static inline void local_irq_restore(u64 flags)
{
	if (flags & X86_EFLAGS_IF)
		local_irq_enable();
}

static inline bool irqs_disabled(void)
{
	return !(local_save_flags() & X86_EFLAGS_IF);
}

/* rdtsc ordered after all earlier instructions (lfence) so a timed region can't leak into it. */
static inline u64 rdtsc_ordered(void)
{
	u32 lo, hi;

	asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((u64)hi << 32) | lo;
}

#define MSR_EFER    0xC0000080
#define MSR_GS_BASE 0xC0000101
#define EFER_NXE    (1UL << 11)
#define CR0_WP	    (1UL << 16)
#define CR4_PGE	    (1UL << 7)

#endif
