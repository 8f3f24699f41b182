/* Segments, the TSS and the interrupt stack table (IST). */
#ifndef ARCH_GDT_H
#define ARCH_GDT_H

#include "kernel/lib/types.h"

#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define USER_DS	  0x1b /* 0x18 | RPL 3: for ring 3 later */
#define USER_CS	  0x23 /* 0x20 | RPL 3 */
#define TSS_SEL	  0x28

/* IST slots (1..7; 0 means "no stack switch"). */
#define IST_DF	1
#define IST_NMI 2
#define IST_MCE 3
#define NR_IST	3

/* The 64-bit TSS (Intel SDM vol. 3, "Task-State Segment in 64-bit mode"). */
struct tss {
	u32 reserved0;
	u64 rsp[3]; /* stack for a switch from ring 3 to ring 0..2 */
	u64 reserved1;
	u64 ist[7]; /* IST1..IST7 */
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __attribute__((packed));

struct cpu_arch {
	u64 gdt[7]; /* null, kcode, kdata, udata, ucode, TSS (two slots) */
	struct tss tss;
};

void gdt_init(struct cpu_arch *arch);
void tss_set_rsp0(struct cpu_arch *arch, u64 rsp0);
void tss_set_ist(struct cpu_arch *arch, int ist, u64 stack_top);

#endif
