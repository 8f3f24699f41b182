/* CPU identification: the features the kernel decides things by. */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include "kernel/lib/types.h"

struct cpu_features {
	char vendor[13];
	char brand[49];
	u32 family, model, stepping;
	bool nx;	    /* no-execute pages (EFER.NXE) */
	bool gbpages;	    /* 1 GiB pages in the page tables */
	bool pge;	    /* global pages */
	bool smep, smap;    /* supervisor mode execution/access prevention */
	bool pcid;	    /* process-context identifiers (not used: see ARCHITECTURE) */
	bool invariant_tsc; /* TSC ticks at a constant rate in every P/C state */
	bool rdtscp;	    /* the rdtscp instruction */
	bool apic;
	bool x2apic;	    /* the local APIC's x2APIC mode (the kernel uses xAPIC mode) */
	bool hypervisor;    /* running under a hypervisor (CPUID.1:ECX[31]) */
	char hv_vendor[13]; /* "TCGTCGTCGTCG", "KVMKVMKVM", ... */
	u32 phys_addr_bits, virt_addr_bits;
	/* Random number instructions: where the stack canaries come from. */
	bool rdrand, rdseed;
};

extern struct cpu_features boot_cpu;

void cpu_detect(void);
void cpu_print_features(void);
bool running_under_qemu(void);

#endif
