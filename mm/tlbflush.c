/*
 * TLB flushes, local and on every CPU (see tlbflush.h). Facts from the Intel SDM vol. 3,
 * "Invalidation of TLBs and Paging-Structure Caches": INVLPG drops one page's entries (global
 * ones too) and the paging-structure caches; clearing and setting CR4.PGE drops everything.
 * Nothing here tells the other CPUs by itself: the TLBs are per CPU, and a PTE write on one CPU
 * leaves every other CPU's cached translation in place until that CPU flushes it.
 */
#include "mm/tlbflush.h"
#include "arch/x86_64/asm/irqflags.h"
#include "arch/x86_64/asm/processor-flags.h"
#include "arch/x86_64/asm/special_insns.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/percpu.h"
#include "kernel/printk/printk.h"
#include "mm/test_hooks.h"

static const struct tlb_remote *remote;
void (*tlb_local_flush_test_hook)(u64 start, u64 end, bool done);
bool (*tlb_shootdown_test_hook)(u64 start, u64 end);
static u64 nr_shootdowns, nr_remote_acks, nr_local_only;

/*
 * Linux measured the same trade-off and flushes everything past 33 pages
 * (tlb_single_page_flush_ceiling); refilling a flushed TLB is what makes the number that small.
 */
void local_flush_tlb_all(void)
{
	u64 cr4 = read_cr4();

	if (cr4 & X86_CR4_PGE) {
		write_cr4(cr4 & ~X86_CR4_PGE);
		write_cr4(cr4);
	} else {
		write_cr3(read_cr3());
	}
}

static inline __attribute__((always_inline)) void flush_range(u64 start, u64 end)
{
	if ((end - start) >> PAGE_SHIFT > FLUSH_ALL_CEILING) {
		local_flush_tlb_all();
		return;
	}
	for (; start < end; start += PAGE_SIZE)
		invlpg(start);
}

/* The same, with the test hook around it: out of line, so that the common path stays short. */
static noinline void hooked_flush_range(u64 start, u64 end)
{
	void (*hook)(u64 start, u64 end, bool done) = tlb_local_flush_test_hook;

	if (hook)
		hook(start, end, false);
	flush_range(start, end);
	if (hook)
		hook(start, end, true);
}

void local_flush_tlb_kernel_range(u64 start, u64 end)
{
	if (__builtin_expect(tlb_local_flush_test_hook != NULL, 0)) {
		hooked_flush_range(start, end);
		return;
	}
	flush_range(start, end);
}

void tlb_set_remote(const struct tlb_remote *r)
{
	remote = r;
}

u32 tlb_nr_cpus(void)
{
	return remote ? remote->online_cpus() : 1;
}

bool tlb_shootdown_possible(void)
{
	return tlb_nr_cpus() <= 1 || (!irqs_disabled() && !this_cpu_read(irq_depth));
}

int flush_tlb_kernel_range(u64 start, u64 end)
{
	u32 others = tlb_nr_cpus() - 1;
	int acked;

	if (!others) {
		local_flush_tlb_kernel_range(start, end);
		__atomic_fetch_add(&nr_local_only, 1, __ATOMIC_RELAXED);
		return 0;
	}
	if (!tlb_shootdown_possible())
		return -1;
	if (tlb_shootdown_test_hook && tlb_shootdown_test_hook(start, end))
		return -1;
	/* This CPU's flush and the IPIs go together: see struct tlb_remote. */
	acked = remote->flush_all(start, end);
	__atomic_fetch_add(&nr_shootdowns, 1, __ATOMIC_RELAXED);
	if (acked > 0)
		__atomic_fetch_add(&nr_remote_acks, (u64)acked, __ATOMIC_RELAXED);
	if (acked < 0 || (u32)acked < others) {
		pr_err("BUG: TLB shootdown of %#lx-%#lx: %d of %u CPUs acknowledged\n", start, end,
		       acked, others);
		return -1;
	}
	return 0;
}

void tlb_stats(struct tlb_stats *st)
{
	st->shootdowns = __atomic_load_n(&nr_shootdowns, __ATOMIC_RELAXED);
	st->remote_acks = __atomic_load_n(&nr_remote_acks, __ATOMIC_RELAXED);
	st->local_only = __atomic_load_n(&nr_local_only, __ATOMIC_RELAXED);
}
