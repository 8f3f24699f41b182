/*
 * Interrupts on and off on this CPU (RFLAGS.IF), and saved and restored around a critical section.
 */
#ifndef ARCH_ASM_IRQFLAGS_H
#define ARCH_ASM_IRQFLAGS_H

#include "arch/x86_64/asm/processor-flags.h"
#include "kernel/lib/types.h"

static inline void local_irq_disable(void)
{
	asm volatile("cli" : : : "memory");
}

static inline void local_irq_enable(void)
{
	asm volatile("sti" : : : "memory");
}

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

#endif
