/*
 * A random kernel stack offset per system call (Linux: CONFIG_RANDOMIZE_KSTACK_OFFSET). Every
 * system call starts at the same place, the top of the task's kernel stack, so without this
 * an attacker knows where a call's locals will lie to the byte: what one call leaves behind,
 * or where a stack-based overrun lands. With it, do_syscall() moves the stack pointer down by a
 * different amount on each entry before it calls the system call itself:
 *
 *	top of the stack ->	struct pt_regs (syscall_entry)
 *				do_syscall's frame
 *				0 to 1024 bytes, a different amount on each call (the alloca)
 *				sys_*'s frame and everything it calls
 *
 * The amount is 10 bits of a per-CPU state, rounded up to the 16 bytes the ABI keeps the stack
 * aligned to: 65 possible offsets, about 6 bits of entropy. The state for the next entry is
 * mixed at the end of each call with the TSC's low bits, which an attacker in ring 3 does not
 * see at that instant. On by default; randomize_kstack_offset=off on the command line turns it
 * off (kernel/init/main.c).
 */
#ifndef KERNEL_USER_KSTACK_OFFSET_H
#define KERNEL_USER_KSTACK_OFFSET_H

#include "arch/x86_64/percpu.h"
#include "kernel/lib/types.h"

/* The offset's bits (Linux's KSTACK_OFFSET_MAX): the alloca takes at most this + 1 bytes. */
#define KSTACK_OFFSET_MASK 0x3ffU

/* On unless the command line said randomize_kstack_offset=off (read on every entry). */
extern bool randomize_kstack_offset;

/*
 * Move the stack pointer down by this CPU's offset, until the calling function returns. A
 * macro, not a function: the alloca must be in the frame of the function that goes on to make
 * the call (do_syscall), not in one that returns at once. The empty asm uses the pointer, so
 * the compiler keeps the allocation. GCC rounds the size up to 16, (n + 15) & ~15, so frames
 * stay aligned: 0 to 1024 bytes. Asking for no alignment of the area itself (8 bits) spares
 * the instructions that would align a pointer nobody reads.
 */
#define add_random_kstack_offset()                                                                 \
	do {                                                                                       \
		if (randomize_kstack_offset) {                                                     \
			u32 off__ = this_cpu_read(kstack_offset) & KSTACK_OFFSET_MASK;             \
			u8 *ptr__ = __builtin_alloca_with_align(off__, 8);                         \
                                                                                                   \
			asm volatile("" : : "r"(ptr__) : "memory");                                \
		}                                                                                  \
	} while (0)

/*
 * The state for the next entry on this CPU: rotated (so every bit of the TSC reaches the ten
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
