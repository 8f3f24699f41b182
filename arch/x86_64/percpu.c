/* The boot CPU's per-CPU area, and how %gs comes to point at it. */
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/asm/io.h"

struct percpu boot_percpu;

void percpu_init_boot_cpu(void)
{
	boot_percpu.self = &boot_percpu;
	boot_percpu.cpu = 0;
	wrmsr(MSR_GS_BASE, (u64)&boot_percpu);
}
