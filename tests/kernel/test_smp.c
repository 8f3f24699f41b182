/*
 * SMP, first stage: every CPU the MADT lists came up (or, with nosmp, none but the boot CPU);
 * smp_call_function() runs a function on every other CPU, in IRQ context on that CPU's own IRQ
 * stack and per-CPU area, and waits; each CPU has its own copy of a per-CPU variable; its
 * stacks are distinct vmalloc areas with unmapped guards; a CPU that does not answer is reported
 * and the others carry on.
 */
#include "arch/x86_64/asm/irqflags.h"
#include "arch/x86_64/asm/msr.h"
#include "arch/x86_64/asm/special_insns.h"
#include "arch/x86_64/paging.h"
#include "boot/setup.h"
#include "kernel/debug/ktest.h"
#include "kernel/cpu_stack.h"
#include "kernel/drivers/acpi.h"
#include "kernel/drivers/apic.h"
#include "kernel/smp.h"
#include "kernel/stack.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include "mm/pgtable.h"
#include "mm/test_hooks.h"
#include "mm/vmalloc.h"

static const struct cpu_info *find_cpu(u32 apic_id)
{
	u32 i;

	for (i = 0; i < nr_cpu_ids(); i++) {
		if (cpu_info(i)->apic_id == apic_id)
			return cpu_info(i);
	}
	return NULL;
}

KTEST(smp, every_madt_cpu_is_online)
{
	u32 i, enabled = 0;

	if (!acpi.madt_found) {
		KT_EXPECT(num_online_cpus() == 1 && nr_cpu_ids() == 1);
		ktest_skip("no MADT: one CPU");
		return;
	}
	for (i = 0; i < acpi_madt.nr_cpus && enabled < NR_CPUS; i++) {
		const struct madt_cpu *c = &acpi_madt.cpus[i];
		const struct cpu_info *ci = find_cpu(c->apic_id);
		bool boot = ci == cpu_info(0);

		if (!c->enabled)
			continue;
		enabled++;
		KT_ASSERT(ci);
		if (boot_params.nosmp && !boot)
			KT_EXPECT_MSG(ci->state == CPU_NOT_STARTED,
				      "nosmp, yet APIC id %u is in state %d", c->apic_id,
				      ci->state);
		else
			KT_EXPECT_MSG(ci->state == CPU_ONLINE,
				      "APIC id %u is in state %d, not online", c->apic_id,
				      ci->state);
	}
	KT_EXPECT(num_online_cpus() == (boot_params.nosmp ? 1 : enabled));
	KT_EXPECT(cpu_info(0)->state == CPU_ONLINE && smp_processor_id() == 0);
}

/*
 * What each CPU saw while it ran the function, by CPU number. Each test passes its own array,
 * so that a late call from another test (a broken smp_call_function) cannot write into it.
 */
struct ran_on {
	volatile u32 calls;
	volatile bool done;
	u32 apic_id;
	u64 rsp;
	int irq_depth;
	bool irqs_off;
	struct percpu *percpu;
	struct task *curr;
};

/*
 * Record where we run, then wait for ten timer ticks of the boot CPU before saying "done". The
 * ticks come only while the boot CPU runs with interrupts on, as it does waiting in
 * smp_call_function(); between two of them it looks at its call's progress, so a caller that
 * returned without waiting for the function finds done still false, even when the emulator
 * runs one virtual CPU at a time. (A bound on the TSC keeps a broken kernel from hanging here.)
 */
static void record_cpu(void *arg)
{
	struct ran_on *r = (struct ran_on *)arg + smp_processor_id();
	u64 until = jiffies + 10, bound = rdtsc_ordered() + 10000 * tsc_khz;

	r->apic_id = lapic_id();
	r->rsp = (u64)__builtin_frame_address(0);
	r->irq_depth = this_cpu()->irq_depth;
	r->irqs_off = irqs_disabled();
	r->percpu = this_cpu();
	r->curr = current;
	__atomic_fetch_add(&r->calls, 1, __ATOMIC_RELAXED);
	while (jiffies < until && rdtsc_ordered() < bound)
		cpu_relax();
	__atomic_store_n(&r->done, true, __ATOMIC_RELEASE);
}

static bool need_two_cpus(void)
{
	if (num_online_cpus() >= 2)
		return true;
	ktest_skip("one CPU online");
	return false;
}

KTEST(smp, call_function_runs_on_each_other_cpu_and_waits)
{
	static struct ran_on ran[NR_CPUS];
	u32 i;

	if (!need_two_cpus())
		return;
	KT_EXPECT(smp_call_function(record_cpu, ran, true) == (int)num_online_cpus() - 1);
	KT_EXPECT_MSG(ran[0].calls == 0, "it ran on the calling CPU");
	for (i = 1; i < nr_cpu_ids(); i++) {
		const struct cpu_info *ci = cpu_info(i);

		if (ci->state != CPU_ONLINE) {
			KT_EXPECT(ran[i].calls == 0);
			continue;
		}
		KT_EXPECT_MSG(ran[i].calls == 1, "CPU %u ran it %u times", i, ran[i].calls);
		KT_EXPECT_MSG(ran[i].done, "CPU %u had not finished when the call returned", i);
	}
}

/* Without wait, the call returns once every target took it; the functions finish later. */
KTEST(smp, call_function_without_wait_runs_everywhere)
{
	static struct ran_on ran[NR_CPUS];
	u64 deadline;
	u32 i, done;

	if (!need_two_cpus())
		return;
	KT_EXPECT(smp_call_function(record_cpu, ran, false) == (int)num_online_cpus() - 1);
	deadline = jiffies + 10 * HZ;
	do {
		for (i = 1, done = 0; i < nr_cpu_ids(); i++)
			done += ran[i].done;
		if (done == num_online_cpus() - 1)
			break;
		yield();
	} while (jiffies < deadline);
	KT_EXPECT_MSG(done == num_online_cpus() - 1, "%u of %u CPUs ran the function", done,
		      num_online_cpus() - 1);
}

KTEST(smp, ipi_runs_on_the_cpu_own_irq_stack_and_percpu_area)
{
	static struct ran_on ran[NR_CPUS];
	u32 i;

	if (!need_two_cpus())
		return;
	smp_call_function(record_cpu, ran, true);
	for (i = 1; i < nr_cpu_ids(); i++) {
		const struct cpu_info *ci = cpu_info(i);
		const struct vm_struct *irq = cpu_stack_area(i, 0, NULL);

		if (ci->state != CPU_ONLINE)
			continue;
		KT_ASSERT(irq);
		KT_EXPECT_MSG(ran[i].apic_id == ci->apic_id, "CPU %u has APIC id %u, listed as %u",
			      i, ran[i].apic_id, ci->apic_id);
		KT_EXPECT(ran[i].percpu == ci->percpu && ran[i].percpu->cpu == i);
		KT_EXPECT(ran[i].percpu != this_cpu());
		KT_EXPECT_MSG(ran[i].irq_depth == 1, "CPU %u: irq_depth %d in the IPI", i,
			      ran[i].irq_depth);
		KT_EXPECT(ran[i].irqs_off);
		KT_EXPECT_MSG(ran[i].rsp >= irq->va.addr && ran[i].rsp < vmarea_addr_end(&irq->va),
			      "CPU %u ran the IPI at rsp %#lx, not on its IRQ stack", i,
			      ran[i].rsp);
		KT_EXPECT(ran[i].curr == ci->idle && ran[i].curr->is_idle);
	}
}

/* A per-CPU variable of this test: each CPU marks its own copy. */
static DEFINE_PER_CPU(u32, percpu_mark);

static void mark_own_copy(void *arg)
{
	(void)arg;
	*this_cpu_ptr(&percpu_mark) = smp_processor_id() + 1;
}

/*
 * Each CPU writes its copy of a DEFINE_PER_CPU variable with this_cpu_ptr() (in the IPI), and
 * per_cpu() finds every copy again, each CPU's own, in its own page-aligned area. Only CPUs that
 * were numbered have an area: NR_CPUS costs no memory of its own.
 */
KTEST(smp, each_cpu_has_its_own_copy_of_a_per_cpu_variable)
{
	u64 flags;
	u32 cpu;

	if (!need_two_cpus())
		return;
	flags = local_irq_save();
	mark_own_copy(NULL);
	local_irq_restore(flags);
	KT_ASSERT(smp_call_function(mark_own_copy, NULL, true) == (int)num_online_cpus() - 1);
	for (cpu = 0; cpu < nr_cpu_ids(); cpu++) {
		if (cpu_info(cpu)->state != CPU_ONLINE)
			continue;
		KT_ASSERT(percpu_areas[cpu] && percpu_areas[cpu]->cpu == cpu);
		KT_EXPECT(((u64)percpu_areas[cpu] & (PAGE_SIZE - 1)) == 0);
		KT_EXPECT_MSG(per_cpu(percpu_mark, cpu) == cpu + 1, "CPU %u's copy holds %u", cpu,
			      per_cpu(percpu_mark, cpu));
	}
	for (cpu = nr_cpu_ids(); cpu < NR_CPUS; cpu++)
		KT_EXPECT_MSG(!percpu_areas[cpu], "CPU %u was never numbered, yet has an area",
			      cpu);
}

KTEST(smp, call_function_refused_with_interrupts_off)
{
	static struct ran_on ran[NR_CPUS];
	int r;

	local_irq_disable();
	r = smp_call_function(record_cpu, ran, true);
	local_irq_enable();
	KT_EXPECT(r == -1);
	KT_EXPECT(ran[1].calls == 0);
}

static void count_runs(void *info)
{
	u32 *runs = info;

	__atomic_fetch_add(&runs[smp_processor_id()], 1, __ATOMIC_RELAXED);
}

static u32 total_runs(const u32 *runs)
{
	u32 i, n = 0;

	for (i = 0; i < NR_CPUS; i++)
		n += __atomic_load_n(&runs[i], __ATOMIC_RELAXED);
	return n;
}

/* Wait (bounded, for a failure only) until `want` IPIs in all found no call posted. */
static bool wait_for_strays(u64 want)
{
	u64 bound = jiffies + 10 * HZ;

	while (smp_stray_call_ipis() < want && jiffies < bound)
		yield();
	return smp_stray_call_ipis() >= want;
}

/*
 * An IPI that arrives with no call posted to its CPU - late, for a call that gave up on it, or
 * sent by nobody's call - runs nothing: not the last call again, whose info may be gone.
 */
KTEST(smp, a_call_ipi_that_no_call_posted_runs_nothing)
{
	static u32 runs[NR_CPUS];
	u64 strays;

	if (!need_two_cpus())
		return;
	KT_ASSERT(smp_call_function(count_runs, runs, true) == (int)num_online_cpus() - 1);
	strays = smp_stray_call_ipis();
	KT_ASSERT(lapic_send_ipi(cpu_info(1)->apic_id, CALL_FUNCTION_VECTOR) == 0);
	KT_EXPECT_MSG(wait_for_strays(strays + 1), "CPU 1 never reported the IPI as stray");
	KT_EXPECT_MSG(total_runs(runs) == num_online_cpus() - 1,
		      "the function ran %u times, not %u", total_runs(runs), num_online_cpus() - 1);
}

/*
 * The APIC says it did not send an IPI (here: it did, and says it did not). The CPU then either
 * took the call first, and counts, or finds it withdrawn, and runs nothing: never does a CPU the
 * caller did not count run the call, nor answer for one it counted.
 */
KTEST(smp, a_cpu_whose_ipi_was_reported_lost_counts_only_if_it_took_the_call)
{
	static u32 runs[NR_CPUS];
	u32 others;
	u64 strays;
	int n;

	if (!need_two_cpus())
		return;
	others = num_online_cpus() - 1;
	strays = smp_stray_call_ipis();
	smp_call_test_lost_sends = ~0ul;
	n = smp_call_function(count_runs, runs, true);
	smp_call_test_lost_sends = 0;
	KT_ASSERT(n >= 0 && (u32)n <= others);
	KT_EXPECT_MSG(total_runs(runs) == (u32)n, "%u CPUs ran it, the call counted %d",
		      total_runs(runs), n);
	/* Every IPI sent is accounted for: a take, or a stray. Then nothing runs late. */
	KT_EXPECT_MSG(wait_for_strays(strays + others - n), "%lu strays, %d taken, of %u IPIs",
		      smp_stray_call_ipis() - strays, n, others);
	KT_EXPECT_MSG(total_runs(runs) == (u32)n, "%u CPUs ran it after the call, it counted %d",
		      total_runs(runs), n);
}

/* [lo, hi) of every stack checked so far, to find two that overlap. */
static struct range {
	u64 lo, hi;
} seen[NR_CPUS * (NR_IST + 2)];
static u32 nr_seen;

static bool is_guarded_vmalloc(u64 base, u64 top)
{
	return base >= VMALLOC_START && top <= VMALLOC_END &&
	       lookup_kernel_page(base, NULL, NULL) && lookup_kernel_page(top - 1, NULL, NULL) &&
	       !lookup_kernel_page(base - PAGE_SIZE, NULL, NULL) &&
	       !lookup_kernel_page(top, NULL, NULL);
}

static void check_stack(u32 cpu, const char *name, u64 base, u64 top)
{
	u32 i;

	KT_EXPECT_MSG(is_guarded_vmalloc(base, top),
		      "CPU %u's %s stack %#lx-%#lx is not a vmalloc area between unmapped guards",
		      cpu, name, base, top);
	for (i = 0; i < nr_seen; i++)
		KT_EXPECT_MSG(top <= seen[i].lo || base >= seen[i].hi,
			      "CPU %u's %s stack %#lx-%#lx overlaps %#lx-%#lx", cpu, name, base,
			      top, seen[i].lo, seen[i].hi);
	if (nr_seen < ARRAY_SIZE(seen))
		seen[nr_seen++] = (struct range){ base, top };
}

KTEST(smp, each_cpu_has_distinct_guarded_vmapped_stacks)
{
	u32 cpu, online = 0;
	int slot;

	nr_seen = 0;
	for (cpu = 0; cpu < nr_cpu_ids(); cpu++) {
		const struct cpu_info *ci = cpu_info(cpu);

		if (ci->state != CPU_ONLINE)
			continue;
		online++;
		for (slot = 0; slot <= NR_IST; slot++) {
			const char *name;
			const struct vm_struct *vm = cpu_stack_area(cpu, slot, &name);
			u64 base, top;

			KT_ASSERT(vm);
			base = vm->va.addr;
			top = vmarea_addr_end(&vm->va);
			check_stack(cpu, name, base, top);
			if (slot == 0)
				KT_EXPECT(ci->percpu->irq_stack_top == top);
			else
				KT_EXPECT_MSG(ci->percpu->arch.tss.ist[slot - 1] == top,
					      "CPU %u: TSS IST%d is not the top of its %s stack",
					      cpu, slot, name);
		}
		/* An AP's idle task (the boot CPU's is a task like any other: task.* tests). */
		if (cpu && VMAP_STACK) {
			KT_ASSERT(ci->idle && ci->idle->is_idle && ci->idle->stack.vm);
			check_stack(cpu, "idle", ci->idle->stack.base, stack_top(&ci->idle->stack));
		}
	}
	KT_EXPECT(online == num_online_cpus());
}

/* An APIC id that the MADT does not list, for a CPU that cannot answer. */
static u32 absent_apic_id(void)
{
	u32 id;

	for (id = 0x80; id < 0xfe; id++) {
		if (!find_cpu(id))
			return id;
	}
	return 0xfe;
}

KTEST(smp, a_cpu_that_does_not_come_up_is_reported_and_the_rest_carry_on)
{
	static struct ran_on ran[NR_CPUS];
	u32 before = num_online_cpus();
	int n;

	if (boot_params.nosmp || !acpi.madt_found || !lapic_present()) {
		ktest_skip("no CPU is started in this boot");
		return;
	}
	if (nr_cpu_ids() == NR_CPUS) {
		ktest_skip("all NR_CPUS CPU numbers are taken: none left to try");
		return;
	}
	n = smp_start_cpu_for_test(absent_apic_id(), 200);
	KT_ASSERT(n > 0);
	KT_EXPECT(cpu_info(n)->state == CPU_NO_RESPONSE);
	KT_EXPECT(num_online_cpus() == before);
	KT_EXPECT(smp_call_function(record_cpu, ran, true) == (int)before - 1);
	KT_EXPECT(ran[n].calls == 0);
}
