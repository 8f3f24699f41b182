/*
 * The constants the assembly files need from C: field offsets, selectors, MSR numbers. This file
 * is never linked. The Makefile compiles it to assembly text only (-S), where each OFFSET() or
 * DEFINE() below leaves one line "@asm-offset NAME $value"; a sed turns those lines into
 * build/generated/asm-offsets.inc, "NAME equ value", which the .asm files %include. So the
 * assembly reads struct percpu and struct pt_regs as the compiler lays them out: a field added
 * or moved in C moves the assembly with it, and nothing is copied by hand.
 */
#include "arch/x86_64/asm/msr.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/setjmp.h"
#include "arch/x86_64/syscall.h"
#include "user/lib/syscall_nr.h"

/* "i": the value must be a compile-time constant; it is printed as an immediate, "$value". */
#define DEFINE(name, value)	  asm volatile("\n@asm-offset " #name " %0" : : "i"((long)(value)))
#define OFFSET(name, type, field) DEFINE(name, __builtin_offsetof(struct type, field))

void asm_offsets(void);

void asm_offsets(void)
{
	/* struct percpu, read through %gs by entry.asm and syscall_entry.asm */
	OFFSET(PERCPU_IRQ_DEPTH, percpu, irq_depth);
	OFFSET(PERCPU_IRQ_STACK_TOP, percpu, irq_stack_top);
	OFFSET(PERCPU_USER_RSP, percpu, user_rsp);
	OFFSET(PERCPU_TSS_RSP0, percpu, arch.tss.rsp[0]); /* the running task's kernel stack top */
	OFFSET(PERCPU_KSTACK_OFFSET, percpu, kstack_offset); /* kernel/user/kstack_offset.h */

	/* struct pt_regs, as the entry code builds it (pt_regs.inc's SAVE_REGS) */
	OFFSET(PT_RIP, pt_regs, rip);
	OFFSET(PT_CS, pt_regs, cs);
	OFFSET(PT_RSP, pt_regs, rsp);

	/* struct jmp_buf, saved and restored by setjmp.asm */
	OFFSET(JB_RBX, jmp_buf, rbx);
	OFFSET(JB_RBP, jmp_buf, rbp);
	OFFSET(JB_R12, jmp_buf, r12);
	OFFSET(JB_R13, jmp_buf, r13);
	OFFSET(JB_R14, jmp_buf, r14);
	OFFSET(JB_R15, jmp_buf, r15);
	OFFSET(JB_RSP, jmp_buf, rsp);
	OFFSET(JB_RIP, jmp_buf, rip);

	/* the selectors syscall_entry.asm pushes to build a ring 3 frame */
	DEFINE(USER_DS, USER_DS);
	DEFINE(USER_CS, USER_CS);

	DEFINE(MSR_GS_BASE, MSR_GS_BASE);

	/* syscall_entry's random stack offset and stack-erasing poison */
	DEFINE(KSTACK_OFFSET_MASK, KSTACK_OFFSET_MASK);
	DEFINE(STACKLEAK_POISON, STACKLEAK_POISON);
}
