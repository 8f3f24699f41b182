/* Running on another stack (arch/x86_64/switch.asm). */
#ifndef ARCH_SWITCH_H
#define ARCH_SWITCH_H

#include "kernel/lib/types.h"

/* Call fn(arg) on the stack whose top is stack_top (16-byte aligned), then return here. */
void call_on_stack(u64 stack_top, void (*fn)(void *arg), void *arg);

#endif
