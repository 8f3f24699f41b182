/*
 * Stopping the other CPUs for good, for a panic or a power-off (Linux: smp_send_stop()). An NMI
 * arrives even where interrupts are off, say in a CPU spinning on a lock; each CPU that takes it
 * counts itself stopped and halts. Only one CPU stops the others: a panic racing a power-off
 * stops the one that came second.
 */
#include "kernel/smp.h"
#include "arch/x86_64/asm/msr.h"
#include "arch/x86_64/asm/special_insns.h"
#include "kernel/drivers/apic.h"
#include "kernel/time.h"

#define NO_CPU 0xffffffffu

static u32 stopping_cpu = NO_CPU;
static u32 nr_stopped;
static DEFINE_PER_CPU(bool, cpu_stopped);

/*
 * Counted once per CPU: a CPU that panicked second stops here, and the stopping CPU's NMI then
 * wakes it from hlt into here again. Counted twice, it would stand for a CPU still running.
 */
void stop_this_cpu(void)
{
	if (!__atomic_exchange_n(this_cpu_ptr(&cpu_stopped), true, __ATOMIC_ACQ_REL))
		__atomic_fetch_add(&nr_stopped, 1, __ATOMIC_RELEASE);
	for (;;)
		asm volatile("cli; hlt");
}

void smp_stop_nmi(void)
{
	u32 cpu = __atomic_load_n(&stopping_cpu, __ATOMIC_ACQUIRE);

	if (cpu != NO_CPU && cpu != smp_processor_id())
		stop_this_cpu();
}

u32 smp_send_stop(void)
{
	u32 me = smp_processor_id(), none = NO_CPU, i, sent = 0, stopped;
	u64 t0 = rdtsc_ordered();

	/* A panic racing a power-off: the first to get here stops the other. */
	if (!__atomic_compare_exchange_n(&stopping_cpu, &none, me, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE) &&
	    none != me)
		stop_this_cpu();
	for (i = 0; i < nr_cpu_ids(); i++) {
		if (i == me || cpu_info(i)->state != CPU_ONLINE)
			continue;
		if (lapic_send_nmi(cpu_info(i)->apic_id) == 0)
			sent++;
	}
	while (__atomic_load_n(&nr_stopped, __ATOMIC_ACQUIRE) < sent &&
	       rdtsc_ordered() - t0 < SMP_STOP_TIMEOUT_MS * tsc_khz)
		cpu_relax();
	stopped = __atomic_load_n(&nr_stopped, __ATOMIC_ACQUIRE);
	return stopped < sent ? sent - stopped : 0;
}
