/*
 * The CPU side of user mode: syscall/sysret set-up, SMEP/SMAP, the entry into ring 3 and the raw
 * user-memory copies (arch/x86_64/syscall_entry.asm), and the exception table that makes a fault in
 * one of those copies return -EFAULT instead of an oops.
 */
#ifndef ARCH_SYSCALL_H
#define ARCH_SYSCALL_H

#include "arch/x86_64/idt.h"
#include "kernel/lib/types.h"

/* The "vector" of a system call's struct pt_regs (no exception or interrupt has it). */
#define SYSCALL_FRAME ((u64)-1)

/* On each CPU that will run user code: MSRs for syscall, SMEP and SMAP in CR4 if present. */
void syscall_cpu_init(void);
/* Is SMAP on (copies to and from user memory need stac/clac)? SMEP? */
extern u8 uaccess_smap;
extern bool smep_enabled;

/* Enter ring 3 at rip with stack rsp, never to come back here. */
__attribute__((noreturn)) void user_enter(u64 rip, u64 rsp);

/* Raw copies: no checks of the addresses; a fault returns -EFAULT (see kernel/user/uaccess.c). */
long __copy_user(void *dst, const void *src, u64 n);
long __strncpy_user(char *dst, const char *src, u64 n);

/* A kernel-mode fault in a listed instruction: resume at its fixup; true if it was one. */
bool fixup_exception(struct pt_regs *regs);

static inline bool user_mode(const struct pt_regs *regs)
{
	return (regs->cs & 3) == 3;
}

#endif
