/*
 * A random kernel stack offset per system call (Linux: CONFIG_RANDOMIZE_KSTACK_OFFSET). Every
 * system call starts at the same place, the top of the task's kernel stack, so without this
 * an attacker knows where a call's locals will lie to the byte: what one call leaves behind,
 * or where a stack-based overrun lands. With it, syscall_entry (arch/x86_64/syscall_entry.asm)
 * moves the stack pointer down by a different amount on each entry before it calls C:
 *
 *	top of the stack ->	struct pt_regs (syscall_entry)
 *				0 to 1008 bytes, a different amount on each call
 *				do_syscall's frame
 *				sys_*'s frame and everything it calls
 *
 * The amount is this CPU's state masked with KSTACK_OFFSET_MASK: a multiple of 16 (the ABI's
 * stack alignment) from 0 to 1008, 64 possible offsets, 6 bits of entropy. Linux allocates
 * (state & 0x3ff) with an alloca in C, which GCC rounds up to 16 (65 offsets); here the entry
 * code does it with three instructions, where an alloca under -fstack-clash-protection costs
 * a probe loop and makes do_syscall() a function the stack protector guards.
 *
 * The state for the next entry is mixed at the end of each call with the TSC's low bits, which
 * an attacker in ring 3 does not see at that instant. On by default; randomize_kstack_offset=off
 * on the command line turns it off (kernel/init/main.c): the state is then never written and
 * stays 0, so the entry needs no test of the flag.
 */
#ifndef KERNEL_USER_KSTACK_OFFSET_H
#define KERNEL_USER_KSTACK_OFFSET_H

#include "arch/x86_64/percpu.h"
#include "arch/x86_64/syscall.h" /* KSTACK_OFFSET_MASK: the entry code applies it */
#include "kernel/lib/types.h"

/* On unless the command line said randomize_kstack_offset=off (before any system call). */
extern bool randomize_kstack_offset;

/*
 * The state for the next entry on this CPU: rotated (so every bit of the TSC reaches the six
 * used, over a few calls) and mixed with the TSC's low bits. One read and one write of this
 * CPU's field, each a single instruction: a task moved to another CPU in between only mixes
 * into that CPU's state, which is as good.
 */
static inline void choose_random_kstack_offset(void)
{
	u32 state, tsc;

	if (!randomize_kstack_offset)
		return;
	asm volatile("rdtsc" : "=a"(tsc) : : "rdx");
	state = this_cpu_read(kstack_offset);
	state = ((state >> 5) | (state << 27)) ^ tsc;
	asm volatile("movl %0, %%gs:%c1"
		     :
		     : "r"(state), "i"(__builtin_offsetof(struct percpu, kstack_offset))
		     : "memory");
}

#endif
