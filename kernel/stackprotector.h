/*
 * The stack protector (Linux's CONFIG_STACKPROTECTOR_STRONG). GCC's -fstack-protector-strong puts
 * a canary between the locals and the return address of every function with an array or a local
 * whose address is taken, and checks it before returning; a changed canary means the frame was
 * overrun, and the function calls __stack_chk_fail() instead of returning. The canary is read
 * from %gs:PERCPU_STACK_CANARY, this CPU's stack_canary, which always holds the running task's
 * own: each task draws one when it is created, and the switch to it loads it (Linux does so in
 * __switch_to_asm). An interrupt runs with the canary of the task it interrupted.
 */
#ifndef KERNEL_STACKPROTECTOR_H
#define KERNEL_STACKPROTECTOR_H

#include "config.h"
#include "kernel/task.h"

#define STACKPROTECTOR CONFIG_STACKPROTECTOR

/* A new canary: random, its lowest byte zero (a string read or copy stops there, as Linux's). */
u64 get_random_canary(void);
/*
 * On the boot CPU, once cpu_detect() knows the CPU's random number instructions and before any
 * protected function is entered that returns: seed the canaries and give the boot context one.
 */
__no_stack_protector void boot_init_stack_canary(void);
/* Where the canaries come from: "rdrand" (and how the seed was drawn) or the TSC. */
const char *stack_canary_source(void);
/* cpuinfo's line: on or off, and the source. */
void stack_protector_print(void);

static inline void task_init_stack_canary(struct task *t)
{
	if (STACKPROTECTOR)
		t->stack_canary = get_random_canary();
}

/*
 * Where `current` changes to next: its canary into this CPU's slot. Only a function still to
 * return across the switch would see two canaries - __schedule(), which returns in the task it
 * was entered in, when that task's canary is back.
 */
static inline void switch_stack_canary(struct percpu *cpu, const struct task *next)
{
	if (STACKPROTECTOR)
		cpu->stack_canary = next->stack_canary;
}

/*
 * Why __stack_chk_fail() may not kill current and panics instead: the overflow kill's rules
 * (why_not_killable(), kernel/fault.c) and those of a check that failed in an interrupt handler
 * or an exception handler. NULL if the kill is safe.
 */
const char *stack_chk_why_not_killable(char *buf, size_t len);

/* Called by the compiler's check; reports, then kills the task or panics. */
__attribute__((noreturn)) void __stack_chk_fail(void);

#endif
