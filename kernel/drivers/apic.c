/*
 * The local APIC in xAPIC mode. Register offsets and ICR bits: Intel SDM vol. 3, "Advanced
 * Programmable Interrupt Controller (APIC)". x2APIC mode (registers as MSRs, 32-bit ids) is not
 * used: an x2APIC CPU with an id below 255 works in xAPIC mode too, and kernel/smp_boot.c reports
 * any CPU whose id needs x2APIC mode.
 */
#include "kernel/drivers/apic.h"
#include "arch/x86_64/asm/irqflags.h"
#include "arch/x86_64/asm/msr.h"
#include "arch/x86_64/asm/special_insns.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/irq.h"
#include "arch/x86_64/pit.h"
#include "kernel/printk/printk.h"
#include "mm/vmalloc.h"

#define APIC_BASE_ENABLE    (1UL << 11)
#define APIC_BASE_X2APIC    (1UL << 10)
#define APIC_BASE_ADDR_MASK 0xffffff000UL

#define APIC_ID	       0x20
#define APIC_TPR       0x80
#define APIC_EOI       0xb0
#define APIC_SVR       0xf0
#define APIC_ISR       0x100 /* eight 32-bit words, 16 bytes apart: vectors 0-255 */
#define APIC_ESR       0x280
#define APIC_ICR_LOW   0x300
#define APIC_ICR_HIGH  0x310
#define APIC_LVT_TIMER 0x320
#define APIC_TMR_INIT  0x380
#define APIC_TMR_CURR  0x390
#define APIC_TMR_DIV   0x3e0

#define SVR_ENABLE	     (1u << 8)
#define ICR_FIXED	     (0u << 8)
#define ICR_NMI		     (4u << 8)
#define ICR_INIT	     (5u << 8)
#define ICR_STARTUP	     (6u << 8)
#define ICR_DELIVERY_PENDING (1u << 12)
#define ICR_ASSERT	     (1u << 14)
#define ICR_LEVEL	     (1u << 15)
#define LVT_MASKED	     (1u << 16)
#define LVT_TIMER_PERIODIC   (1u << 17)
#define TMR_DIV_16	     0x3 /* the divide configuration register's encoding of 16 */

/* How long to wait for the APIC to accept an IPI: it takes a few hundred cycles in practice. */
#define ICR_IDLE_SPINS 1000000

static volatile u32 *lapic;
static u64 lapic_base;
static u32 timer_count; /* initial count for one tick at the calibrated rate; 0: no timer */

static u32 lapic_read(u32 reg)
{
	return lapic[reg / 4];
}

static void lapic_write(u32 reg, u32 val)
{
	lapic[reg / 4] = val;
}

u64 lapic_phys(void)
{
	return lapic_base;
}

bool lapic_present(void)
{
	return lapic != NULL;
}

u32 lapic_id(void)
{
	return lapic_read(APIC_ID) >> 24;
}

void lapic_eoi(void)
{
	lapic_write(APIC_EOI, 0);
}

bool lapic_in_service(u8 vector)
{
	return lapic_read(APIC_ISR + 0x10 * (vector / 32)) & (1u << (vector % 32));
}

void lapic_complete_lost(struct pt_regs *regs)
{
	unsigned int v;

	if (!lapic)
		return;
	/* Highest first, as the APIC would have delivered them. */
	for (v = 255; v >= FIRST_SYSTEM_VECTOR; v--) {
		if (lapic_in_service(v))
			sysvec_complete_lost(v, regs);
	}
}

/* The spurious vector needs no EOI (the SDM says so): nothing to do at all. */
static void spurious_interrupt(struct pt_regs *regs)
{
}

void lapic_setup_this_cpu(void)
{
	/* Accept every priority, and software-enable the APIC with its spurious vector. */
	lapic_write(APIC_TPR, 0);
	lapic_write(APIC_SVR, SVR_ENABLE | SPURIOUS_APIC_VECTOR);
}

int lapic_init(void)
{
	u64 base;

	if (!boot_cpu.apic) {
		pr_warn("apic: this CPU has no local APIC\n");
		return -1;
	}
	base = rdmsr(MSR_APIC_BASE);
	if (!(base & APIC_BASE_ENABLE) || (base & APIC_BASE_X2APIC)) {
		pr_warn("apic: the firmware left the local APIC %s\n",
			base & APIC_BASE_X2APIC ? "in x2APIC mode" : "disabled");
		return -1;
	}
	lapic_base = base & APIC_BASE_ADDR_MASK;
	lapic = ioremap_nocache(lapic_base, PAGE_SIZE);
	if (!lapic) {
		pr_warn("apic: cannot map the local APIC at %#lx\n", lapic_base);
		return -1;
	}
	request_sysvec(SPURIOUS_APIC_VECTOR, spurious_interrupt);
	lapic_setup_this_cpu();
	pr_info("apic: local APIC at %#lx (uncached), boot CPU's APIC id %u\n", lapic_base,
		lapic_id());
	return 0;
}

/* Write the ICR (high half first: writing the low half sends) and wait until it is accepted. */
static int send_icr(u32 apic_id, u32 low)
{
	u64 flags = local_irq_save(); /* the two halves belong together */
	int spins;

	lapic_write(APIC_ESR, 0);
	lapic_write(APIC_ICR_HIGH, apic_id << 24);
	lapic_write(APIC_ICR_LOW, low);
	for (spins = 0; spins < ICR_IDLE_SPINS; spins++) {
		if (!(lapic_read(APIC_ICR_LOW) & ICR_DELIVERY_PENDING))
			break;
		cpu_relax();
	}
	local_irq_restore(flags);
	return spins < ICR_IDLE_SPINS ? 0 : -1;
}

int lapic_send_ipi(u32 apic_id, u8 vector)
{
	return send_icr(apic_id, ICR_FIXED | ICR_ASSERT | vector);
}

int lapic_send_nmi(u32 apic_id)
{
	return send_icr(apic_id, ICR_NMI | ICR_ASSERT);
}

int lapic_send_init(u32 apic_id)
{
	return send_icr(apic_id, ICR_INIT | ICR_ASSERT | ICR_LEVEL);
}

int lapic_send_startup(u32 apic_id, u8 page)
{
	return send_icr(apic_id, ICR_STARTUP | ICR_ASSERT | page);
}

/* ------------------------------------------------------------------ the APIC timer */

/*
 * Every CPU's APIC timer runs off the same bus clock, so one calibration on the boot CPU serves
 * them all: count down from the top for 2 ms of the PIT, the best of three tries (a try that
 * an emulator stretched counts more than 2 ms' worth; the timer starts before the PIT for that
 * reason). 2 ms are 125,000 counts on QEMU (1 GHz / 16), about 3,000 on a timer fed by a 24 MHz
 * crystal: plenty for a 100 Hz tick.
 */
#define CALIBRATE_US 2000

static u32 measure_timer_rate(void)
{
	u32 best = ~0u;
	int i;

	for (i = 0; i < 3; i++) {
		u32 done;

		lapic_write(APIC_TMR_DIV, TMR_DIV_16);
		lapic_write(APIC_LVT_TIMER, LVT_MASKED | LOCAL_TIMER_VECTOR);
		lapic_write(APIC_TMR_INIT, ~0u);
		pit_delay_us(CALIBRATE_US);
		done = ~0u - lapic_read(APIC_TMR_CURR);
		lapic_write(APIC_TMR_INIT, 0); /* stop it */
		if (done < best)
			best = done;
	}
	return best;
}

int lapic_timer_init(unsigned int hz, irq_handler_t handler)
{
	u32 per_try;

	if (!lapic)
		return -1;
	per_try = measure_timer_rate();
	timer_count = (u64)per_try * (1000000 / CALIBRATE_US) / hz;
	if (!timer_count) {
		pr_warn("apic: the APIC timer did not count: no per-CPU ticks\n");
		return -1;
	}
	request_sysvec(LOCAL_TIMER_VECTOR, handler);
	pr_info("apic: timer runs at %lu kHz (bus clock / 16), %u counts per tick at %u Hz\n",
		(u64)per_try * (1000000 / CALIBRATE_US) / 1000, timer_count, hz);
	return 0;
}

bool lapic_timer_calibrated(void)
{
	return timer_count != 0;
}

void lapic_timer_start_this_cpu(void)
{
	if (!timer_count)
		return;
	lapic_write(APIC_TMR_DIV, TMR_DIV_16);
	lapic_write(APIC_LVT_TIMER, LVT_TIMER_PERIODIC | LOCAL_TIMER_VECTOR);
	lapic_write(APIC_TMR_INIT, timer_count);
}
