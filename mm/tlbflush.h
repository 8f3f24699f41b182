/*
 * Flushing kernel translations from the TLBs, this CPU's and every other online CPU's (a TLB
 * shootdown). mm knows nothing of IPIs: the SMP code (kernel/tlb_shootdown.c) installs, with
 * tlb_set_remote(), the function that runs a flush on every CPU and waits for the other CPUs'
 * acknowledgements. Until it does, there is one CPU and a local flush is a shootdown. A hook
 * because mm sits below the core that sends IPIs, and because the kernel runs with one CPU
 * until smp_init() has started the others: no remote side is the single-CPU kernel.
 *
 * The rule (docs/ARCHITECTURE.md, "TLB shootdown"): a virtual range and its physical pages are
 * never given to anyone else before every CPU's TLB is clean of them.
 */
#ifndef MM_TLBFLUSH_H
#define MM_TLBFLUSH_H

#include "kernel/lib/types.h"

/* Past this many pages one flush of the whole TLB is cheaper than an INVLPG per page. */
#define FLUSH_ALL_CEILING 32

/* This CPU only: every entry, global ones included; or the pages of [start, end). */
void local_flush_tlb_all(void);
void local_flush_tlb_kernel_range(u64 start, u64 end);

struct tlb_remote {
	/*
	 * Run local_flush_tlb_kernel_range(start, end) on every online CPU, this one included, and
	 * return once each has done it; the number of other CPUs that did, or -1 if it could not
	 * run at all. This CPU's flush must go with the IPIs, in one go: a caller that flushed here
	 * first could be moved to a CPU that the IPIs then leave out.
	 */
	int (*flush_all)(u64 start, u64 end);
	u32 (*online_cpus)(void);
};
/* Install the remote side (kernel/tlb_shootdown.c, before smp_init() starts the other CPUs). */
void tlb_set_remote(const struct tlb_remote *remote);

/* CPUs whose TLBs a shootdown must reach (1 until the other CPUs are up). */
u32 tlb_nr_cpus(void);
/*
 * Can this CPU shoot down now? Not with interrupts off or in an interrupt handler while other
 * CPUs are online: waiting for an acknowledgement there can deadlock (two CPUs waiting for each
 * other with interrupts off). A caller that cannot must keep what it unmapped until one can.
 */
bool tlb_shootdown_possible(void);
/*
 * Flush [start, end) from every online CPU's TLB, this one's included, and wait until each has
 * acknowledged. Returns 0; -1 if it could not (!tlb_shootdown_possible(), or a CPU did not
 * acknowledge): then the range and its pages must stay unused.
 */
int flush_tlb_kernel_range(u64 start, u64 end);

struct tlb_stats {
	u64 shootdowns;	 /* flush_tlb_kernel_range() calls that went out to other CPUs */
	u64 remote_acks; /* other CPUs' acknowledgements of them */
	u64 local_only;	 /* calls with only this CPU online: no IPI needed */
};
void tlb_stats(struct tlb_stats *st);

#endif
