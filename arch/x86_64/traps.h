/* Exception names and the oops: registers, #PF decoding and a bounded backtrace. */
#ifndef ARCH_TRAPS_H
#define ARCH_TRAPS_H

#include "arch/x86_64/idt.h"

const char *trap_name(u64 vector);
/*
 * The registers, then a backtrace from the saved frame; only frames inside [stack_lo, stack_hi)
 * are read (0, 0: any mapped kernel address). The one call that shows where a CPU was.
 */
void show_regs(const struct pt_regs *regs, u64 stack_lo, u64 stack_hi);
/* The oops: #PF decoding, the "Oops:" line with its count, then show_regs(). */
void show_fault(const char *why, const struct pt_regs *regs, u64 stack_lo, u64 stack_hi);
__attribute__((noreturn)) void die(const char *why, struct pt_regs *regs);

#endif
