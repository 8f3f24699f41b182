/*
 * The bits of RFLAGS, CR0, CR4 and EFER the kernel uses, once, with Linux's names. No code: the
 * assembly files repeat the few they need (boot/entry.asm, arch/x86_64/trampoline.asm).
 */
#ifndef ARCH_ASM_PROCESSOR_FLAGS_H
#define ARCH_ASM_PROCESSOR_FLAGS_H

/* RFLAGS (Intel SDM vol. 1, 3.4.3) */
#define X86_EFLAGS_TF (1UL << 8)  /* trap: single-step */
#define X86_EFLAGS_IF (1UL << 9)  /* interrupts enabled */
#define X86_EFLAGS_DF (1UL << 10) /* direction: string instructions count down */
#define X86_EFLAGS_NT (1UL << 14) /* nested task: iret would task-switch */
#define X86_EFLAGS_AC (1UL << 18) /* alignment check; with SMAP: user memory open (stac) */

/* CR0 (vol. 3A, 2.5) */
#define X86_CR0_MP (1UL << 1)  /* monitor coprocessor */
#define X86_CR0_EM (1UL << 2)  /* emulate: x87/SSE instructions raise #UD */
#define X86_CR0_WP (1UL << 16) /* write protect: ring 0 honours read-only pages */

/* CR4 */
#define X86_CR4_PGE  (1UL << 7)	 /* global pages */
#define X86_CR4_SMEP (1UL << 20) /* ring 0 may not execute user pages */
#define X86_CR4_SMAP (1UL << 21) /* ring 0 may not touch user pages unless RFLAGS.AC */

/* EFER, the extended feature enable MSR (MSR_EFER) */
#define EFER_SCE (1UL << 0)  /* syscall/sysret */
#define EFER_LME (1UL << 8)  /* long mode */
#define EFER_NXE (1UL << 11) /* the NX bit in page tables */

#endif
