/*
 * Each CPU's stacks that are not a task's (the task stacks: kernel/stack.h). The boot stack:
 * kernel_main runs on it until the first task starts (boot/entry.asm loads RSP with
 * boot_stack_top). The IST stacks: the CPU switches to one for #DF, NMI and #MC whatever RSP
 * was, which is how a #DF survives a task stack that is full. Until vmalloc works they share one
 * small boot IST stack; then each gets IST_STACK_SIZE bytes in the vmalloc range between guard
 * pages, so they too cannot overflow silently.
 */
#ifndef KERNEL_CPU_STACK_H
#define KERNEL_CPU_STACK_H

#include "kernel/lib/types.h"

struct percpu;
struct vm_struct;

#define BOOT_STACK_SIZE 16384
#define IST_STACK_SIZE	8192 /* as Linux since 2021: one page is too easy to overflow */
void boot_ist_stacks_init(void);
void ist_stacks_init(void);
/*
 * The IRQ stack: interrupt handlers run here, not on the task they interrupted, which keeps only
 * the entry frame (176 bytes) on the task's stack. 16 KiB between guard pages, as Linux's.
 */
#define IRQ_STACK_SIZE 16384
void irq_stack_init(void);
/* An AP's IST and IRQ stacks, made on the boot CPU before the AP starts; 0, or -ENOMEM. */
int ap_cpu_stacks_init(struct percpu *cpu);
/* CPU cpu's stack in slot 0 (IRQ) or IST slot 1..NR_IST, and its name; NULL if none (tests). */
const struct vm_struct *cpu_stack_area(u32 cpu, int slot, const char **name);
/*
 * Is addr where an overrun of one of this CPU's own stacks (IRQ, NMI, #MC, #DF) faults? Its name
 * ("IRQ", ...) and bounds if so, else NULL.
 */
const char *cpu_stack_overflow_hit(u64 addr, u64 *base, u64 *top);
/*
 * How deep this CPU's own stacks were ever used (they start zeroed: the lowest word that is not
 * zero), for i = 0, 1, ... until it returns NULL: the kind of stack ("boot", "irq", "ist", as
 * scripts/stackcheck names them), with *name the stack's own ("IRQ", "#DF", ...).
 */
const char *cpu_stack_usage(unsigned int i, const char **name, u64 *used, u64 *size);

#endif
