/*
 * The CPU side of user mode: syscall/sysret set-up, SMEP/SMAP, the entry into ring 3
 * (arch/x86_64/syscall_entry.asm), and the exception table that makes a fault in a user-memory
 * copy (kernel/user/uaccess.c) return -EFAULT instead of an oops.
 */
#ifndef ARCH_SYSCALL_H
#define ARCH_SYSCALL_H

#include "arch/x86_64/idt.h"
#include "kernel/lib/types.h"

/* The "vector" of a system call's struct pt_regs (no exception or interrupt has it). */
#define SYSCALL_FRAME ((u64)-1)

/*
 * The random stack offset (kernel/user/kstack_offset.h) is this CPU's state masked with
 * KSTACK_OFFSET_MASK: a multiple of 16 from 0 to 1008. syscall_entry applies it: defined here,
 * the lowest layer that uses it, and handed to the assembly by arch/x86_64/asm-offsets.c, so
 * there is one copy.
 */
#define KSTACK_OFFSET_MASK 0x3f0U

/* On each CPU that will run user code: MSRs for syscall, SMEP and SMAP in CR4 if present. */
void syscall_cpu_init(void);
/* Is SMAP on (copies to and from user memory need stac/clac)? SMEP? */
extern u8 uaccess_smap;
extern bool smep_enabled;

/* Enter ring 3 at rip with stack rsp, never to come back here. */
__attribute__((noreturn)) void user_enter(u64 rip, u64 rsp);

/*
 * A kernel-mode fault in a listed instruction: resume at its fixup; true if it was one. A fixed-up
 * fault that shows a broken copy helper (a #GP, an address at or above USER_TOP, or with SMAP
 * a fault with RFLAGS.AC clear) is reported and counted in uaccess_bad_fixups.
 */
bool fixup_exception(struct pt_regs *regs);
extern u64 uaccess_bad_fixups;
/* Where the last fixup resumed (for the report of a copy that left RFLAGS.AC set). */
extern u64 uaccess_last_fixup;

static inline bool user_mode(const struct pt_regs *regs)
{
	return (regs->cs & 3) == 3;
}

#endif
