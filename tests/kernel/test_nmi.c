/*
 * An NMI can arrive anywhere, also in the few instructions where the kernel runs with the user's
 * GS base loaded (between a swapgs and the sysret or iretq to ring 3). The saved CS says "kernel"
 * there, so the entry must ask the GS base MSR instead (arch/x86_64/entry.asm, isr_paranoid).
 * The test makes that window itself: it loads a user-like GS base of 0 with swapgs and sends
 * itself an NMI. Without the paranoid entry the handler reads its per-CPU area through GS = 0,
 * faults inside the NMI, and the machine resets.
 */
#include "arch/x86_64/asm/io.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/percpu.h"
#include "kernel/debug/ktest.h"
#include "kernel/drivers/apic.h"

#define MSR_KERNEL_GS_BASE 0xc0000102
#define NMI_WAIT_SPINS	   100000000

static volatile struct percpu *nmi_saw;

static bool record_nmi(struct pt_regs *regs)
{
	(void)regs;
	nmi_saw = this_cpu();
	return true;
}

KTEST(nmi, an_nmi_with_the_user_gs_base_loaded_finds_its_cpu)
{
	u64 flags, old_kernel_gs = rdmsr(MSR_KERNEL_GS_BASE);
	struct percpu *me = this_cpu();
	long spins = NMI_WAIT_SPINS;
	u32 apic_id;

	if (!lapic_present()) {
		ktest_skip("no local APIC in use: no self-NMI");
		return;
	}
	apic_id = lapic_id();
	nmi_saw = NULL;
	set_nmi_handler(record_nmi);
	flags = local_irq_save();
	wrmsr(MSR_KERNEL_GS_BASE, 0); /* what a user program has: no GS base of its own */
	asm volatile("swapgs" ::: "memory");
	/* From here to the next swapgs nothing may use GS: this_cpu() would read address 0. */
	lapic_send_nmi(apic_id);
	while (!nmi_saw && --spins)
		cpu_relax();
	asm volatile("swapgs" ::: "memory");
	wrmsr(MSR_KERNEL_GS_BASE, old_kernel_gs);
	local_irq_restore(flags);
	set_nmi_handler(NULL);
	KT_EXPECT_MSG(nmi_saw == me, "the NMI handler saw per-CPU area %p, expected %p",
		      (void *)nmi_saw, (void *)me);
}
