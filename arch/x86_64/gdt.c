/*
 * Each CPU has its own GDT and TSS (the TSS holds per-CPU stack pointers), kept in its struct
 * percpu. Descriptor bits are from the Intel SDM vol. 3, "Segment Descriptors".
 */
#include "arch/x86_64/gdt.h"

#define DESC_P	       (1ULL << 47)
#define DESC_S	       (1ULL << 44) /* code or data (not a system segment) */
#define DESC_CODE      (1ULL << 43)
#define DESC_RW	       (1ULL << 41) /* readable code / writable data */
#define DESC_L	       (1ULL << 53) /* 64-bit code */
#define DESC_DPL(n)    ((u64)(n) << 45)
#define DESC_TSS_AVAIL (0x9ULL << 40)

struct gdt_ptr {
	u16 limit;
	u64 base;
} __attribute__((packed));

static void set_tss_descriptor(u64 *slot, struct tss *tss)
{
	u64 base = (u64)tss, limit = sizeof(*tss) - 1;

	slot[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) | DESC_TSS_AVAIL | DESC_P |
		  (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	slot[1] = base >> 32;
}

void gdt_init(struct cpu_arch *arch)
{
	struct gdt_ptr ptr = { sizeof(arch->gdt) - 1, (u64)arch->gdt };

	arch->gdt[0] = 0;
	arch->gdt[1] = DESC_P | DESC_S | DESC_CODE | DESC_RW | DESC_L;
	arch->gdt[2] = DESC_P | DESC_S | DESC_RW;
	arch->gdt[3] = DESC_P | DESC_S | DESC_RW | DESC_DPL(3);
	arch->gdt[4] = DESC_P | DESC_S | DESC_CODE | DESC_RW | DESC_L | DESC_DPL(3);
	set_tss_descriptor(&arch->gdt[5], &arch->tss);
	/* No I/O permission bitmap: an iomap_base past the limit denies all ports to ring 3. */
	arch->tss.iomap_base = sizeof(arch->tss);

	/*
	 * Reload every segment register: CS through a far return, the data segments directly.
	 * GS is loaded with the null selector, which leaves the GS base MSR (per-CPU data) alone.
	 */
	asm volatile("lgdt %0\n\t"
		     "pushq %1\n\t"
		     "leaq 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     "1:\n\t"
		     "movw %w2, %%ds\n\t"
		     "movw %w2, %%es\n\t"
		     "movw %w2, %%ss\n\t"
		     "ltr %w3"
		     :
		     : "m"(ptr), "i"(KERNEL_CS), "r"(KERNEL_DS), "r"(TSS_SEL)
		     : "rax", "memory");
}

void tss_set_rsp0(struct cpu_arch *arch, u64 rsp0)
{
	arch->tss.rsp[0] = rsp0;
}

void tss_set_ist(struct cpu_arch *arch, int ist, u64 stack_top)
{
	arch->tss.ist[ist - 1] = stack_top;
}
