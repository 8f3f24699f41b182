/* The per-CPU areas, and how %gs comes to point at them. */
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/asm/msr.h"
#include "kernel/lib/string.h"

/* First in the section (linker.ld): an AP's struct percpu is where its area starts. */
__attribute__((section(".bss.percpu.first"))) struct percpu boot_percpu;
struct percpu *percpu_areas[NR_CPUS];

/*
 * These two change the GS base under their own frames: a canary read at their entry would come
 * from another place than the one checked at their exit.
 */
__no_stack_protector void percpu_init_boot_cpu(void)
{
	boot_percpu.self = &boot_percpu;
	boot_percpu.cpu = 0;
	percpu_areas[0] = &boot_percpu;
	wrmsr(MSR_GS_BASE, (u64)&boot_percpu);
}

struct percpu *percpu_ap_area(u32 cpu, void *mem)
{
	struct percpu *p = mem;

	memset(mem, 0, percpu_area_size());
	p->self = p;
	p->cpu = cpu;
	percpu_areas[cpu] = p;
	return p;
}

__no_stack_protector void percpu_init_ap(struct percpu *p)
{
	wrmsr(MSR_GS_BASE, (u64)p);
}
