/*
 * Exceptions and the IDT: the saved register frame, the vectors, the IDT's gates and the ways
 * an exception handler leaves its frame (arch/x86_64/idt.c). The IRQs, their handlers and their
 * controller are in arch/x86_64/irq.h.
 */
#ifndef ARCH_IDT_H
#define ARCH_IDT_H

#include "kernel/lib/types.h"

/* What arch/x86_64/entry.asm saves on every exception and interrupt, lowest address first. */
struct pt_regs {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error_code;
	/* pushed by the CPU */
	u64 rip, cs, rflags, rsp, ss;
};

#define X86_TRAP_DE  0
#define X86_TRAP_DB  1
#define X86_TRAP_NMI 2
#define X86_TRAP_BP  3
#define X86_TRAP_UD  6
#define X86_TRAP_DF  8
#define X86_TRAP_GP  13
#define X86_TRAP_PF  14
#define X86_TRAP_MC  18
#define IRQ_BASE     32
#define NR_IRQS	     16
/* Vectors 240-255 belong to the local APIC: IPIs and its spurious vector. */
#define FIRST_SYSTEM_VECTOR 240
#define NR_SYSTEM_VECTORS   16

/* #PF error code bits (Intel SDM vol. 3, "Interrupt 14—Page-Fault Exception"). */
#define PF_PROT	 (1 << 0) /* 0: page not present, 1: protection violation */
#define PF_WRITE (1 << 1)
#define PF_USER	 (1 << 2)
#define PF_RSVD	 (1 << 3)
#define PF_INSTR (1 << 4)

void idt_init(void);
/* Load the IDT on this CPU (idt_init() does it on the boot CPU; an AP does it when it starts). */
void idt_load(void);

/* Is addr in the exception and interrupt entry code (arch/x86_64/entry.asm)? */
bool in_entry_text(u64 addr);

struct jmp_buf;
/*
 * The two ways an exception handler leaves its frame other than by returning into the code
 * that faulted. exception_abandon(): the frame is never returned to (its task is being killed).
 * exception_resume_longjmp(): the return from the exception lands in kernel_longjmp(jb, val).
 */
void exception_abandon(void);
void exception_resume_longjmp(struct pt_regs *regs, struct jmp_buf *jb, int val);

#endif
