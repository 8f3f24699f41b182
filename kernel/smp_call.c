/*
 * Cross-CPU calls, as Linux has them: smp_call_function() posts a function to every other
 * online CPU and sends each an IPI of CALL_FUNCTION_VECTOR; each runs it in interrupt context.
 * The CPUs are those kernel/smp_boot.c started.
 */
#include "kernel/smp.h"
#include "arch/x86_64/asm/irqflags.h"
#include "arch/x86_64/asm/msr.h"
#include "arch/x86_64/asm/special_insns.h"
#include "arch/x86_64/irq.h"
#include "kernel/drivers/apic.h"
#include "kernel/locking/spinlock.h"
#include "kernel/printk/printk.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include "mm/test_hooks.h"

static struct {
	void (*func)(void *info);
	void *info;
	bool wait;
	u64 seq; /* numbers the calls: never 0 */
} call;
/* Held by one caller at a time, taken with interrupts on (so the waiter can serve calls). */
static volatile u32 call_busy;

/*
 * What each CPU was asked, and what it did, by call number. posted: the call it is to take (0:
 * none); the caller sets it before the IPI, the target swaps it for 0 as it takes it. An IPI
 * that finds 0 there was not meant for this call - sent for a call that gave up on this CPU, or
 * by nobody - and does nothing: neither runs a call that is not its own (whose info may be gone)
 * nor counts as another CPU's answer.
 */
struct call_state {
	u64 posted, started, done;
};
static DEFINE_PER_CPU(struct call_state, call_state);
static u64 stray_call_ipis;
u64 smp_call_test_lost_sends;
void (*smp_call_test_hook)(void);

/* The IPI's handler, on the target CPU, in IRQ context. */
static void call_function_interrupt(struct pt_regs *regs)
{
	u32 me = smp_processor_id();
	u64 seq = __atomic_exchange_n(&per_cpu(call_state, me).posted, 0, __ATOMIC_ACQUIRE);
	void (*func)(void *info) = call.func;
	void *info = call.info;
	bool wait = call.wait;

	if (!seq) {
		__atomic_fetch_add(&stray_call_ipis, 1, __ATOMIC_RELAXED);
		lapic_eoi();
		return;
	}
	/* From here the caller may reuse `call` (unless wait): only the copies above are used. */
	__atomic_store_n(&per_cpu(call_state, me).started, seq, __ATOMIC_RELEASE);
	func(info);
	if (wait)
		__atomic_store_n(&per_cpu(call_state, me).done, seq, __ATOMIC_RELEASE);
	lapic_eoi();
}

u64 smp_stray_call_ipis(void)
{
	return __atomic_load_n(&stray_call_ipis, __ATOMIC_RELAXED);
}

/* Wait until each CPU in targets has taken call seq (or, with done, returned from it). */
static void wait_for_cpus(u64 targets, u64 seq, bool done)
{
	u64 warn_at = rdtsc_ordered() + AP_BOOT_TIMEOUT_MS * tsc_khz;
	u32 i, late;

	for (;;) {
		for (i = 0, late = 0; i < nr_cpu_ids(); i++) {
			struct call_state *cs = per_cpu_ptr(&call_state, i);

			if (targets >> i & 1)
				late += __atomic_load_n(done ? &cs->done : &cs->started,
							__ATOMIC_ACQUIRE) != seq;
		}
		if (!late)
			return;
		if (warn_at && rdtsc_ordered() > warn_at) {
			pr_err("smp_call_function: %u CPUs not %s the call after %u ms; still "
			       "waiting\n",
			       late, done ? "done with" : "taking", AP_BOOT_TIMEOUT_MS);
			warn_at = 0;
		}
		cpu_relax();
	}
}

/*
 * Post the call to CPU i and send the IPI: true if i takes part. If the APIC did not send it,
 * the IPI may still arrive later: whichever comes first, the take or the withdrawal, decides.
 */
static bool post_call(u32 i, u64 seq)
{
	u64 expected = seq;
	bool lost;

	__atomic_store_n(&per_cpu(call_state, i).posted, seq, __ATOMIC_RELEASE);
	lost = lapic_send_ipi(cpu_info(i)->apic_id, CALL_FUNCTION_VECTOR) ||
	       (smp_call_test_lost_sends >> i & 1);
	if (!lost)
		return true;
	if (!__atomic_compare_exchange_n(&per_cpu(call_state, i).posted, &expected, 0, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return true; /* it arrived after all, and took the call */
	pr_err("smp_call_function: the APIC did not send the IPI to CPU %u\n", i);
	return false;
}

/*
 * The IPIs go out inside one interrupts-off window that also names this CPU, so that "every
 * other CPU" is decided where the sending is done. The waiting is done with interrupts on.
 */
int smp_call_function(void (*func)(void *info), void *info, bool wait)
{
	u64 flags, targets = 0, seq;
	u32 me, i, n = 0;

	if (irqs_disabled() || this_cpu_read(irq_depth)) {
		pr_err("WARNING: smp_call_function with interrupts off or from an interrupt: "
		       "refused\n");
		return -1;
	}
	if (smp_call_test_hook)
		smp_call_test_hook();
	/* Between here and the release, a kill would leave call_busy taken forever. */
	kill_disable();
	while (__atomic_exchange_n(&call_busy, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
	seq = ++call.seq;
	call.func = func;
	call.info = info;
	call.wait = wait;
	flags = local_irq_save();
	me = smp_processor_id();
	for (i = 0; i < nr_cpu_ids(); i++) {
		if (i != me && cpu_info(i)->state == CPU_ONLINE && post_call(i, seq)) {
			targets |= 1UL << i;
			n++;
		}
	}
	local_irq_restore(flags);
	wait_for_cpus(targets, seq, false);
	if (wait)
		wait_for_cpus(targets, seq, true);
	__atomic_store_n(&call_busy, 0, __ATOMIC_RELEASE);
	kill_enable();
	if (smp_call_test_hook)
		smp_call_test_hook();
	return n;
}

void smp_call_init(void)
{
	request_sysvec(CALL_FUNCTION_VECTOR, call_function_interrupt);
}
