/*
 * An NMI can arrive anywhere, also in the few instructions where the kernel runs with the user's
 * GS base loaded (between a swapgs and the sysret or iretq to ring 3). The saved CS says "kernel"
 * there, so the entry must ask the GS base MSR instead (arch/x86_64/entry.asm, isr_paranoid).
 * The test makes that window itself: it loads a user-like GS base of 0 with swapgs and sends
 * itself an NMI, which the kernel reports as one it did not send, naming the CPU it found in its
 * per-CPU area. Without the paranoid entry the handler reads that area through GS = 0, faults
 * inside the NMI, and the machine resets.
 */
#include "arch/x86_64/asm/irqflags.h"
#include "arch/x86_64/asm/msr.h"
#include "arch/x86_64/asm/special_insns.h"
#include "arch/x86_64/percpu.h"
#include "kernel/debug/ktest.h"
#include "kernel/drivers/apic.h"
#include "kernel/fault.h"
#include "kernel/lib/vsprintf.h"
#include "kernel/printk/printk.h"

#define NMI_WAIT_SPINS 100000000

KTEST(nmi, an_nmi_with_the_user_gs_base_loaded_finds_its_cpu)
{
	u64 flags, old_kernel_gs = rdmsr(MSR_KERNEL_GS_BASE), mark, before;
	struct percpu *me = this_cpu();
	long spins = NMI_WAIT_SPINS;
	char expect[64];
	u32 apic_id;

	if (!lapic_present()) {
		ktest_skip("no local APIC in use: no self-NMI");
		return;
	}
	apic_id = lapic_id();
	flags = local_irq_save();
	mark = printk_log_mark();
	before = __atomic_load_n(&nmi_unknown_count, __ATOMIC_ACQUIRE);
	wrmsr(MSR_KERNEL_GS_BASE, 0); /* what a user program has: no GS base of its own */
	asm volatile("swapgs" ::: "memory");
	/* From here to the next swapgs nothing may use GS: this_cpu() would read address 0. */
	lapic_send_nmi(apic_id);
	while (__atomic_load_n(&nmi_unknown_count, __ATOMIC_ACQUIRE) == before && --spins)
		cpu_relax();
	asm volatile("swapgs" ::: "memory");
	wrmsr(MSR_KERNEL_GS_BASE, old_kernel_gs);
	local_irq_restore(flags);
	KT_EXPECT_MSG(spins, "no NMI arrived");
	snprintf(expect, sizeof(expect), "NMI received for unknown reason on CPU %u:", me->cpu);
	KT_EXPECT_MSG(printk_log_contains(mark, expect), "the log has no \"%s\"", expect);
}
