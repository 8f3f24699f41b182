/*
 * The stack tracer, in the spirit of Linux's: the deepest stack seen since it was turned on,
 * with the chain of calls that was on it, and for each task entry function the most stack any
 * of its tasks ever used (its high-water mark). `make stackcheck` proves a bound for each of
 * them before the kernel runs; this is what the running kernel measured, to hold the proof to.
 *
 * Off until stack_tracer_enable() (the shell's `stack_trace on`): it scans a stack at every
 * interrupt, which the benchmarks must not pay for.
 */
#ifndef KERNEL_STACK_TRACER_H
#define KERNEL_STACK_TRACER_H

#include "kernel/lib/types.h"

struct pt_regs;
struct task;

extern bool stack_tracer_enabled;

void stack_tracer_enable(bool on);
/* Forget every record (the tracer stays on or off). */
void stack_tracer_reset(void);
/* On the way out of an interrupt, on the interrupted task's stack: sample its depth and chain. */
void stack_tracer_sample(struct pt_regs *regs);
/* A task's stack is given back: keep its high-water mark under its entry function. */
void stack_tracer_task_done(struct task *t, u64 used);
/*
 * Print the records: the deepest chain, then one line per entry function and per stack of the
 * CPU's own, "stack_trace: root NAME measured BYTES" (what scripts/stackcheck --measured reads).
 */
void stack_tracer_show(void);
/* For tests: the deepest use recorded for fn's tasks, and the deepest sampled depth (bytes). */
u64 stack_tracer_used(int (*fn)(void *arg));
u64 stack_tracer_deepest(void);

#endif
