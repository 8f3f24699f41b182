/*
 * The TLB shootdown (lab 6): the remote side of mm's flush_tlb_kernel_range() (mm/tlbflush.h).
 * It lives in the core, not in mm, because it sends IPIs to the CPUs kernel/smp_boot.c started;
 * smp_init() installs it with install_tlb_shootdown() before any other CPU starts.
 */
#include "kernel/smp.h"
#include "arch/x86_64/asm/irqflags.h"
#include "arch/x86_64/asm/special_insns.h"
#include "arch/x86_64/irq.h"
#include "kernel/drivers/apic.h"
#include "kernel/locking/spinlock.h"
#include "kernel/task.h"
#include "mm/tlbflush.h"

/*
 * mm's shootdown (mm/tlbflush.h), with a vector of its own rather than smp_call_function(): the
 * flush of this CPU must go out in the same interrupts-off window as the IPIs (a caller moved
 * between the two would leave a CPU out), and smp_call_function() cannot run there.
 */
/* LAB6: BEGIN the shootdown: post, IPI, flush here, wait for every acknowledgement */
static struct {
	u64 start, end;
	u64 seq; /* numbers the shootdowns: never 0 */
} flush_req;
/* Held by one initiator at a time, taken with interrupts on (so that it serves the others). */
static volatile u32 flush_busy;

/*
 * posted: the shootdown a CPU is to run (0: none); the initiator sets it before the IPI, the
 * target swaps it for 0 as it takes it. acked: the last one it ran to the end. An IPI that finds
 * nothing posted (a send that was given up, or a late one) does nothing.
 */
static struct {
	u64 posted, acked;
} flush_state[NR_CPUS];

/* The IPI's handler, on the target CPU, in IRQ context. */
static void flush_tlb_interrupt(struct pt_regs *regs)
{
	u32 me = smp_processor_id();
	u64 seq = __atomic_exchange_n(&flush_state[me].posted, 0, __ATOMIC_ACQUIRE);

	(void)regs;
	if (seq) {
		/* flush_req stays as it is until every target has acknowledged. */
		local_flush_tlb_kernel_range(flush_req.start, flush_req.end);
		__atomic_store_n(&flush_state[me].acked, seq, __ATOMIC_RELEASE);
	}
	lapic_eoi();
}

/* Post shootdown seq to CPU i and send the IPI: true if i takes part (see post_call()). */
static bool post_flush(u32 i, u64 seq)
{
	u64 expected = seq;

	__atomic_store_n(&flush_state[i].posted, seq, __ATOMIC_RELEASE);
	if (!lapic_send_ipi(cpu_info(i)->apic_id, INVALIDATE_TLB_VECTOR))
		return true;
	/* Not sent: withdraw it, unless the IPI arrived after all and took it. */
	return !__atomic_compare_exchange_n(&flush_state[i].posted, &expected, 0, false,
					    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

static void wait_for_acks(u64 targets, u64 seq)
{
	u32 i, late;

	do {
		cpu_relax();
		for (i = 0, late = 0; i < nr_cpu_ids(); i++)
			late += (targets >> i & 1) &&
				__atomic_load_n(&flush_state[i].acked, __ATOMIC_ACQUIRE) != seq;
	} while (late);
}

/*
 * Every online CPU flushes [start, end), this one inside the window in which the IPIs go out;
 * returns once each target has acknowledged, with their number. The wait is done with
 * interrupts on: two initiators each waiting with interrupts off for the other would wait forever.
 */
static int flush_tlb_all_cpus(u64 start, u64 end)
{
	u64 flags, targets = 0, seq;
	u32 me, i, n = 0;

	if (irqs_disabled() || this_cpu_read(irq_depth))
		return -1;
	kill_disable(); /* a kill while flush_busy is held would leave it held */
	while (__atomic_exchange_n(&flush_busy, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
	seq = ++flush_req.seq;
	flush_req.start = start;
	flush_req.end = end;
	flags = local_irq_save();
	me = smp_processor_id();
	for (i = 0; i < nr_cpu_ids(); i++) {
		if (i != me && cpu_info(i)->state == CPU_ONLINE && post_flush(i, seq)) {
			targets |= 1UL << i;
			n++;
		}
	}
	local_flush_tlb_kernel_range(start, end);
	local_irq_restore(flags);
	wait_for_acks(targets, seq);
	__atomic_store_n(&flush_busy, 0, __ATOMIC_RELEASE);
	kill_enable();
	return n;
}

static void tlb_shootdown_init(void)
{
	request_sysvec(INVALIDATE_TLB_VECTOR, flush_tlb_interrupt);
}
/* LAB6: END */

static const struct tlb_remote tlb_remote = {
	.flush_all = flush_tlb_all_cpus,
	.online_cpus = num_online_cpus,
};

void install_tlb_shootdown(void)
{
	tlb_shootdown_init();
	tlb_set_remote(&tlb_remote);
}
