/* setjmp/longjmp for the kernel: how a test survives a fault it expected. */
#ifndef ARCH_SETJMP_H
#define ARCH_SETJMP_H

#include "kernel/lib/types.h"

struct jmp_buf {
	u64 rbx, rbp, r12, r13, r14, r15, rsp, rip;
};

int kernel_setjmp(struct jmp_buf *jb) __attribute__((returns_twice));
__attribute__((noreturn)) void kernel_longjmp(struct jmp_buf *jb, int val);

#endif
