/* CPUID feature detection. Bit positions are from the Intel SDM vol. 2, CPUID. */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "kernel/printk/printk.h"
#include "kernel/lib/string.h"
#include "kernel/lib/vsprintf.h"

struct cpu_features boot_cpu;

static void cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	asm volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

static void store_regs(char *dst, u32 a, u32 b, u32 c, u32 d)
{
	memcpy(dst, &a, 4);
	memcpy(dst + 4, &b, 4);
	memcpy(dst + 8, &c, 4);
	memcpy(dst + 12, &d, 4);
}

void cpu_detect(void)
{
	struct cpu_features *f = &boot_cpu;
	u32 a, b, c, d, max, max_ext;

	cpuid(0, 0, &max, &b, &c, &d);
	memcpy(f->vendor, &b, 4);
	memcpy(f->vendor + 4, &d, 4);
	memcpy(f->vendor + 8, &c, 4);

	cpuid(1, 0, &a, &b, &c, &d);
	f->stepping = a & 0xf;
	f->model = ((a >> 4) & 0xf) | (((a >> 16) & 0xf) << 4);
	f->family = ((a >> 8) & 0xf) + ((a >> 20) & 0xff);
	f->pge = d & (1 << 13);
	f->apic = d & (1 << 9);
	f->pcid = c & (1 << 17);
	f->x2apic = c & (1 << 21);
	f->hypervisor = c & (1u << 31);
	f->rdrand = c & (1 << 30);

	if (max >= 7) {
		cpuid(7, 0, &a, &b, &c, &d);
		f->smep = b & (1 << 7);
		f->smap = b & (1 << 20);
		f->rdseed = b & (1 << 18);
	}

	cpuid(0x80000000, 0, &max_ext, &b, &c, &d);
	if (max_ext >= 0x80000001) {
		cpuid(0x80000001, 0, &a, &b, &c, &d);
		f->nx = d & (1 << 20);
		f->gbpages = d & (1 << 26);
		f->rdtscp = d & (1 << 27);
	}
	if (max_ext >= 0x80000004) {
		cpuid(0x80000002, 0, &a, &b, &c, &d);
		store_regs(f->brand, a, b, c, d);
		cpuid(0x80000003, 0, &a, &b, &c, &d);
		store_regs(f->brand + 16, a, b, c, d);
		cpuid(0x80000004, 0, &a, &b, &c, &d);
		store_regs(f->brand + 32, a, b, c, d);
	}
	if (max_ext >= 0x80000007) {
		cpuid(0x80000007, 0, &a, &b, &c, &d);
		f->invariant_tsc = d & (1 << 8);
	}
	f->phys_addr_bits = 36;
	f->virt_addr_bits = 48;
	if (max_ext >= 0x80000008) {
		cpuid(0x80000008, 0, &a, &b, &c, &d);
		f->phys_addr_bits = a & 0xff;
		f->virt_addr_bits = (a >> 8) & 0xff;
	}
	/* Before any page table is written: the bits the kernel may set in an entry. */
	if (!f->nx)
		__supported_pte_mask &= ~PTE_NX;
	if (!f->pge)
		__supported_pte_mask &= ~PTE_GLOBAL;
	if (f->hypervisor) {
		cpuid(0x40000000, 0, &a, &b, &c, &d);
		memcpy(f->hv_vendor, &b, 4);
		memcpy(f->hv_vendor + 4, &c, 4);
		memcpy(f->hv_vendor + 8, &d, 4);
	}
}

void cpu_print_features(void)
{
	struct cpu_features *f = &boot_cpu;
	/* The features a CPU may lack and still run this kernel: each missing one is named. */
	const struct {
		const char *name;
		bool has;
	} opt[] = {
		{ "nx", f->nx },
		{ "1g-pages", f->gbpages },
		{ "pge", f->pge },
		{ "smep", f->smep },
		{ "smap", f->smap },
		{ "pcid", f->pcid },
		{ "x2apic", f->x2apic },
		{ "invariant-tsc", f->invariant_tsc },
		{ "rdtscp", f->rdtscp },
		{ "apic", f->apic },
	};
	char has[128], lacks[128];
	int nh = 0, nl = 0;
	size_t i;

	pr_info("cpu: %s family %u model %u stepping %u%s%s\n", f->vendor, f->family, f->model,
		f->stepping, f->hypervisor ? ", hypervisor " : "",
		f->hypervisor ? f->hv_vendor : "");
	if (f->brand[0])
		pr_info("cpu: %s\n", f->brand);
	has[0] = lacks[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(opt); i++) {
		if (opt[i].has)
			nh += scnprintf(has + nh, sizeof(has) - nh, " %s", opt[i].name);
		else
			nl += scnprintf(lacks + nl, sizeof(lacks) - nl, " %s", opt[i].name);
	}
	pr_info("cpu: has%s, phys-bits=%u\n", nh ? has : " none of the optional features",
		f->phys_addr_bits);
	pr_info("cpu: missing:%s\n", nl ? lacks : " nothing");
}

/*
 * The QEMU exit device (isa-debug-exit) is only written to under QEMU's own accelerators, so a
 * real PC never sees stray writes to port 0xf4.
 */
bool running_under_qemu(void)
{
	return boot_cpu.hypervisor && (!strcmp(boot_cpu.hv_vendor, "TCGTCGTCGTCG") ||
				       !strncmp(boot_cpu.hv_vendor, "KVMKVMKVM", 9));
}
