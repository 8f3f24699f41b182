/* Time: the jiffies tick (PIT at HZ) and the TSC rate, calibrated against the PIT. */
#include "kernel/time.h"
#include "arch/x86_64/asm/msr.h"
#include "arch/x86_64/irq.h"
#include "arch/x86_64/pit.h"
#include "kernel/printk/printk.h"
#include "kernel/task.h"
#include "mm/kfence.h"

volatile u64 jiffies;
u64 tsc_khz;

/* IRQ 0, the PIT, on the boot CPU: time advances, then the scheduler's tick. */
static void timer_interrupt(struct pt_regs *regs)
{
	(void)regs;
	jiffies++;
	kfence_tick(1000 / HZ);
	sched_tick();
}

/*
 * Count TSC ticks across 2 ms of PIT channel 2; take the best of a few tries. The count starts
 * before the PIT is set up, so a try that the host stretched (a vCPU descheduled) only counts
 * more, and the best drops it; the setup's few port writes count too, a microsecond each on
 * hardware: the rate comes out up to 0.3% high (a tenth of that under QEMU). 2 ms, not Linux's
 * longer waits: the loop runs on every boot (under QEMU's -icount, 2 million instructions).
 */
#define TSC_CALIBRATE_US 2000

static void calibrate_tsc(void)
{
	u64 best = ~0ULL;
	int i;

	for (i = 0; i < 3; i++) {
		u64 t0 = rdtsc_ordered();
		u64 d;

		pit_delay_us(TSC_CALIBRATE_US);
		d = rdtsc_ordered() - t0;
		if (d < best)
			best = d;
	}
	tsc_khz = best * 1000 / TSC_CALIBRATE_US;
	pr_info("time: TSC runs at %lu.%03lu MHz\n", tsc_khz / 1000, tsc_khz % 1000);
}

void time_init(void)
{
	calibrate_tsc();
	pit_init(HZ);
	request_irq(0, timer_interrupt);
}

u64 uptime_ms(void)
{
	return jiffies * (1000 / HZ);
}

u64 cycles_to_ns(u64 cycles)
{
	return tsc_khz ? cycles * 1000000 / tsc_khz : 0;
}
