/*
 * Symmetric multiprocessing: find the CPUs in the ACPI MADT, start each other CPU (an AP)
 * through a real-mode trampoline, and let CPUs run a function on each other with an IPI. Each AP
 * then runs tasks like the boot CPU (kernel/sched.c), which alone keeps the 8259 PIC and the PIT.
 * One file per job: kernel/smp_boot.c starts the CPUs, kernel/smp_call.c runs calls on them,
 * kernel/smp_stop.c stops them, kernel/tlb_shootdown.c flushes their TLBs (lab 6).
 */
#ifndef KERNEL_SMP_H
#define KERNEL_SMP_H

#include "arch/x86_64/percpu.h"
#include "kernel/lib/types.h"
#include "mm/memmap.h"

#define CALL_FUNCTION_VECTOR  0xfb
#define INVALIDATE_TLB_VECTOR 0xfc /* the TLB shootdown's IPI (mm/tlbflush.h) */
/* How long the boot CPU waits for an AP's "I'm up", measured with the TSC (calibrated on the PIT).
 */
#define AP_BOOT_TIMEOUT_MS 5000

enum cpu_state {
	CPU_NOT_STARTED, /* listed, but not started: see why */
	CPU_BOOTING,	 /* INIT-SIPI-SIPI sent, waiting for "I'm up" */
	CPU_ONLINE,	 /* up: running tasks and serving IPIs */
	CPU_NO_RESPONSE, /* did not come up in time; sent INIT again and left alone */
};

struct cpu_info {
	u32 apic_id;
	enum cpu_state state;
	const char *why; /* CPU_NOT_STARTED: the reason */
	struct percpu *percpu;
	struct task *idle;
	u64 boot_us; /* from the first IPI to "I'm up" */
};

/*
 * Start every CPU the MADT lists (kernel/drivers/acpi.h), unless nosmp. Needs vmalloc, the
 * time source and the ACPI tables; map: the memory map, for a trampoline page below 1 MiB.
 */
void smp_init(const struct memmap *map, bool nosmp);

/* CPUs with a number (the boot CPU is 0), online or not; and the online count. */
u32 nr_cpu_ids(void);
u32 num_online_cpus(void);
const struct cpu_info *cpu_info(u32 cpu);
static inline u32 smp_processor_id(void)
{
	return this_cpu()->cpu;
}
/* The CPU list, as cpuinfo and the boot log print it. */
void smp_print_cpus(void);

/*
 * Run func(info) on every other online CPU, in interrupt context there (interrupts off, on its
 * IRQ stack). Returns after every target has taken the call, and with wait also after every
 * target's func has returned. Not from interrupt context or with interrupts off (two CPUs
 * calling each other would wait for each other forever): -1 then, and nothing runs.
 * Returns the number of CPUs it ran on.
 */
int smp_call_function(void (*func)(void *info), void *info, bool wait);

/*
 * Stop every other online CPU for good (panic, power-off): an NMI, which arrives even where
 * interrupts are off, say in a CPU spinning on a lock. Returns how many did not say they had
 * stopped within SMP_STOP_TIMEOUT_MS. Only one CPU stops the others: one that calls this while
 * another CPU does is stopped itself, and does not return.
 */
#define SMP_STOP_TIMEOUT_MS 1000
u32 smp_send_stop(void);
/* Stop this CPU where it is, interrupts off, counted as stopped (never returns). */
__attribute__((noreturn)) void stop_this_cpu(void);
/*
 * The NMI's part (kernel/fault.c calls it for every NMI): if another CPU is stopping the others
 * (a panic, a power-off), this CPU was sent the NMI to stop - it stops here, for good.
 * Otherwise it returns.
 */
void smp_stop_nmi(void);

/*
 * For tests only (tests/kernel/test_smp.c): give APIC id apic_id the next CPU number and try to
 * start it, waiting at most timeout_ms. Returns its CPU number (its state says how it went) or
 * -1 if no number is left. (The test hooks proper are in mm/test_hooks.h; this is an entry
 * point, and mm may not declare what the core defines.)
 */
int smp_start_cpu_for_test(u32 apic_id, u64 timeout_ms);

/* IPIs of CALL_FUNCTION_VECTOR that found no call posted to their CPU, and did nothing. */
u64 smp_stray_call_ipis(void);

/*
 * smp_init() calls these before it starts any other CPU: the handler of CALL_FUNCTION_VECTOR
 * (kernel/smp_call.c), and the TLB shootdown, installed as mm's remote side (tlb_set_remote())
 * with its IPI's handler (kernel/tlb_shootdown.c).
 */
void smp_call_init(void);
void install_tlb_shootdown(void);

#endif
