/* The per-CPU areas, and how %gs comes to point at them. */
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/asm/msr.h"

struct percpu boot_percpu;
static struct percpu ap_percpu[NR_CPUS - 1];
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

struct percpu *percpu_ap_area(u32 cpu)
{
	struct percpu *p = &ap_percpu[cpu - 1];

	*p = (struct percpu){ .self = p, .cpu = cpu };
	percpu_areas[cpu] = p;
	return p;
}

__no_stack_protector void percpu_init_ap(struct percpu *p)
{
	wrmsr(MSR_GS_BASE, (u64)p);
}
