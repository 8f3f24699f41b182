/*
 * Starting the other CPUs (see smp.h), and the list of CPUs. The order in which an AP comes up,
 * step by step, is in docs/ARCHITECTURE.md ("Starting the other CPUs");
 * arch/x86_64/trampoline.asm has the mode switches. Facts from the Intel SDM vol. 3,
 * "Multiple-Processor Management" (the INIT-SIPI-SIPI sequence and its delays).
 */
#include "kernel/smp.h"
#include "arch/x86_64/asm/irqflags.h"
#include "arch/x86_64/asm/msr.h"
#include "arch/x86_64/asm/processor-flags.h"
#include "arch/x86_64/asm/special_insns.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/syscall.h"
#include "kernel/drivers/acpi.h"
#include "kernel/drivers/apic.h"
#include "kernel/lib/string.h"
#include "kernel/locking/spinlock.h"
#include "kernel/lib/vsprintf.h"
#include "kernel/cpu_stack.h"
#include "kernel/printk/printk.h"
#include "kernel/stack.h"
#include "kernel/stackprotector.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"
#include "mm/slab.h"

/* What the trampoline reads (trampoline.asm, trampoline_params: the same layout). */
struct trampoline_params {
	u32 efer; /* bits to set in EFER: LME, NXE */
	u32 pad;
	u64 cr3;
	u64 stack;
	u64 percpu;
};

extern const u8 trampoline_start[], trampoline_end[], trampoline_params[];

/* The real-mode code must start on a page below 1 MiB: STARTUP's vector is its page number. */
#define LOW_MEMORY_END 0xa0000 /* the legacy video memory and ROMs start here */

static struct cpu_info cpus[NR_CPUS];
static u32 nr_cpus_numbered = 1; /* CPU 0, the boot CPU, always */
static u64 trampoline_phys;

u32 nr_cpu_ids(void)
{
	return nr_cpus_numbered;
}

u32 num_online_cpus(void)
{
	u32 i, n = 0;

	for (i = 0; i < nr_cpus_numbered; i++)
		n += cpus[i].state == CPU_ONLINE;
	return n;
}

const struct cpu_info *cpu_info(u32 cpu)
{
	return cpu < nr_cpus_numbered ? &cpus[cpu] : NULL;
}

/*
 * Busy-wait on the TSC, which time_init() calibrated against the PIT. No pause in the loop: it
 * waits for time, not for another CPU, and QEMU's TCG takes pause as "run the next vCPU", so a
 * loop that pauses costs a pass over every vCPU per turn. Under -icount, where time is
 * instructions, that made 10 ms on a 64-CPU machine take minutes.
 */
static void tsc_delay_us(u64 us)
{
	u64 end = rdtsc_ordered() + us * tsc_khz / 1000;

	while (rdtsc_ordered() < end)
		; /* rdtsc_ordered() is volatile: the loop stays */
}

/*
 * The SDM's waits after INIT (10 ms) and after a STARTUP (200 us) were made for the first
 * multiprocessors' external APICs. CPUs with the APIC on the chip - Intel family 6 on, AMD
 * family 0xf on, Hygon - need neither: Linux waits 0 after INIT there and 10 us after a
 * STARTUP. On 64 CPUs the 10 ms alone were 630 ms of the boot CPU spinning.
 */
static bool apic_on_chip(void)
{
	if (!strcmp(boot_cpu.vendor, "GenuineIntel"))
		return boot_cpu.family >= 6;
	if (!strcmp(boot_cpu.vendor, "AuthenticAMD"))
		return boot_cpu.family >= 0xf;
	return !strcmp(boot_cpu.vendor, "HygonGenuine");
}

/* ------------------------------------------------------------------ the APs' side */

/*
 * The C entry of an AP, called by ap_entry64 (trampoline.asm) on its idle task's stack. No canary
 * of its own: its GS base is not set yet when it starts.
 */
__no_stack_protector __attribute__((noreturn)) void ap_start(struct percpu *p)
{
	struct cpu_info *ci;
	enum cpu_state booting = CPU_BOOTING;

	/* The idle task's canary, for every function from here on. */
	switch_stack_canary(p, p->idle);
	percpu_init_ap(p); /* first: this_cpu() and so everything else needs GS */
	ci = &cpus[p->cpu];
	if (boot_cpu.pge)
		write_cr4(read_cr4() | X86_CR4_PGE);
	gdt_init(&p->arch);
	idt_load();
	syscall_cpu_init(); /* per CPU: the syscall MSRs, SMEP and SMAP */
	lapic_setup_this_cpu();
	lapic_timer_start_this_cpu();
	/* "I'm up" - unless the boot CPU gave up on us already: then stay out of the way. */
	if (!__atomic_compare_exchange_n(&ci->state, &booting, CPU_ONLINE, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		for (;;)
			asm volatile("cli; hlt");
	}
	sched_ap_enter(); /* its idle task: runs tasks from here on */
}

/* ------------------------------------------------------------------ the boot CPU's side */

/*
 * A page of RAM below 1 MiB for the trampoline: the highest one that the memory map calls RAM
 * and that holds nothing the kernel still needs (the boot information). The page allocator
 * never hands out anything below 1 MiB (page_alloc_init() reserves it), so the page stays ours.
 */
static u64 find_trampoline_page(const struct memmap *map)
{
	u64 p;
	u32 i;

	for (p = LOW_MEMORY_END - PAGE_SIZE; p >= PAGE_SIZE; p -= PAGE_SIZE) {
		bool ram = false, busy = false;

		for (i = 0; i < map->nr_regions; i++) {
			const struct mem_region *r = &map->regions[i];

			if (r->start <= p && p + PAGE_SIZE <= r->end)
				ram |= r->type == MEM_RAM;
			else if (r->start < p + PAGE_SIZE && p < r->end && r->type != MEM_RAM)
				busy = true;
		}
		for (i = 0; i < map->nr_reserved; i++)
			busy |= map->reserved[i].start < p + PAGE_SIZE && p < map->reserved[i].end;
		if (ram && !busy)
			return p;
	}
	return 0;
}

static void setup_trampoline(void)
{
	size_t size = trampoline_end - trampoline_start;

	_Static_assert(sizeof(struct trampoline_params) == 32, "trampoline.asm's layout");
	if (size > PAGE_SIZE)
		panic("smp: the trampoline is %zu bytes, more than a page", size);
	memcpy(phys_to_virt(trampoline_phys), trampoline_start, size);
}

/* The boot CPU's APIC id as CPUID reports it (leaf 1, EBX[31:24]), without touching the APIC. */
static u32 initial_apic_id(void)
{
	u32 a = 1, b, c = 0, d;

	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return b >> 24;
}

/* An AP's idle task: never on the run queue nor in the task list; pid 0 like the boot CPU's. */
static struct task *make_idle_task(u32 cpu)
{
	struct task *t = kzalloc(sizeof(*t));

	if (!t)
		return NULL;
	if (alloc_thread_stack(&t->stack)) {
		kfree(t);
		return NULL;
	}
	t->pid = 0;
	snprintf(t->comm, sizeof(t->comm), "idle/%u", cpu);
	t->is_idle = true;
	t->state = TASK_RUNNING;
	task_init_stack_canary(t);
	return t;
}

/* Give up on an AP that did not answer: INIT parks it again (wait-for-SIPI), if it is there. */
static bool give_up_on(struct cpu_info *ci)
{
	enum cpu_state booting = CPU_BOOTING;

	if (!__atomic_compare_exchange_n(&ci->state, &booting, CPU_NO_RESPONSE, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return false; /* it came up just now after all */
	lapic_send_init(ci->apic_id);
	return true;
}

static bool wait_until_online(struct cpu_info *ci, u64 t0, u64 timeout_ms)
{
	while (rdtsc_ordered() - t0 < timeout_ms * tsc_khz) {
		if (__atomic_load_n(&ci->state, __ATOMIC_ACQUIRE) == CPU_ONLINE)
			return true;
		cpu_relax();
	}
	return !give_up_on(ci);
}

static void not_started(struct cpu_info *ci, const char *why)
{
	ci->state = CPU_NOT_STARTED;
	ci->why = why;
}

/* The pages of CPU cpu's per-CPU area (arch/x86_64/percpu.h): only CPUs started have one. */
static struct percpu *alloc_percpu_area(u32 cpu)
{
	unsigned int order = 0;
	void *mem;

	while ((PAGE_SIZE << order) < percpu_area_size())
		order++;
	mem = alloc_pages(order);
	return mem ? percpu_ap_area(cpu, mem) : NULL;
}

/* Start CPU number cpu (its APIC id set): per-CPU area, stacks, then INIT-SIPI-SIPI. */
static void boot_cpu_nr(u32 cpu, u64 timeout_ms)
{
	struct cpu_info *ci = &cpus[cpu];
	struct trampoline_params *tp =
		phys_to_virt(trampoline_phys + (trampoline_params - trampoline_start));
	struct percpu *p;
	u64 t0;

	if (ci->apic_id > 0xfe)
		return not_started(ci, "its APIC id needs x2APIC mode");
	p = alloc_percpu_area(cpu);
	if (!p)
		return not_started(ci, "no memory for its per-CPU area");
	p->idle = p->curr = make_idle_task(cpu);
	if (!p->idle || ap_cpu_stacks_init(p))
		return not_started(ci, "no memory for its stacks");
	ci->percpu = p;
	ci->idle = p->idle;
	tp->efer = EFER_LME | (boot_cpu.nx ? EFER_NXE : 0);
	tp->cr3 = kernel_pml4_phys;
	tp->stack = stack_top(&p->idle->stack);
	tp->percpu = (u64)p;
	ci->state = CPU_BOOTING;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	/*
	 * INIT, 10 ms, STARTUP, 200 us, STARTUP again if it is not up yet (the SDM's sequence);
	 * with the APIC on the chip, no wait after INIT and 10 us after the STARTUP.
	 */
	t0 = rdtsc_ordered();
	lapic_send_init(ci->apic_id);
	if (!apic_on_chip())
		tsc_delay_us(10000);
	lapic_send_startup(ci->apic_id, trampoline_phys >> PAGE_SHIFT);
	tsc_delay_us(apic_on_chip() ? 10 : 200);
	if (__atomic_load_n(&ci->state, __ATOMIC_ACQUIRE) != CPU_ONLINE)
		lapic_send_startup(ci->apic_id, trampoline_phys >> PAGE_SHIFT);
	if (wait_until_online(ci, t0, timeout_ms)) {
		ci->boot_us = (rdtsc_ordered() - t0) * 1000 / tsc_khz;
		return;
	}
	pr_err("smp: CPU %u (APIC id %u) did not come up within %lu ms; going on without it\n", cpu,
	       ci->apic_id, timeout_ms);
}

/* A new CPU number for APIC id apic_id; -1 if NR_CPUS are numbered already. */
static int number_cpu(u32 apic_id)
{
	if (nr_cpus_numbered == NR_CPUS)
		return -1;
	cpus[nr_cpus_numbered].apic_id = apic_id;
	return nr_cpus_numbered++;
}

/* The MADT's CPUs other than the boot CPU, numbered in MADT order; none started (why). */
static void list_cpus(const char *why)
{
	u32 i;

	for (i = 0; i < acpi_madt.nr_cpus; i++) {
		const struct madt_cpu *c = &acpi_madt.cpus[i];
		int n;

		if (!c->enabled || c->apic_id == cpus[0].apic_id)
			continue;
		n = number_cpu(c->apic_id);
		if (n < 0) {
			pr_warn("smp: more than %u CPUs: APIC id %u and later are left out\n",
				NR_CPUS, c->apic_id);
			return;
		}
		not_started(&cpus[n], why);
	}
}

static bool other_cpus_listed(void)
{
	u32 i;

	for (i = 0; i < acpi_madt.nr_cpus; i++) {
		if (acpi_madt.cpus[i].enabled && acpi_madt.cpus[i].apic_id != cpus[0].apic_id)
			return true;
	}
	return false;
}

static bool bsp_in_madt(void)
{
	u32 i;

	for (i = 0; i < acpi_madt.nr_cpus; i++) {
		if (acpi_madt.cpus[i].apic_id == cpus[0].apic_id)
			return true;
	}
	return false;
}

void smp_init(const struct memmap *map, bool nosmp)
{
	u32 i;

	cpus[0] = (struct cpu_info){ .apic_id = initial_apic_id(),
				     .state = CPU_ONLINE,
				     .percpu = this_cpu() };
	if (!acpi.madt_found) {
		pr_info("smp: no usable MADT: one CPU\n");
		return;
	}
	if (nosmp) {
		list_cpus("nosmp on the command line");
		goto out;
	}
	if (!other_cpus_listed()) {
		/* Nothing to start: leave the APIC alone, and the machine exactly as before SMP. */
		pr_info("smp: the MADT lists one CPU\n");
		goto out;
	}
	if (lapic_init()) {
		list_cpus("no usable local APIC");
		goto out;
	}
	cpus[0].apic_id = lapic_id();
	if (!bsp_in_madt()) {
		pr_err("smp: the boot CPU's APIC id %u is not in the MADT: one CPU\n",
		       cpus[0].apic_id);
		goto out;
	}
	trampoline_phys = find_trampoline_page(map);
	if (!trampoline_phys || !tsc_khz) {
		list_cpus(tsc_khz ? "no free page below 1 MiB for the trampoline"
				  : "no TSC rate to time the start-up with");
		trampoline_phys = 0;
		goto out;
	}
	setup_trampoline();
	pr_info("smp: AP trampoline at %#lx\n", trampoline_phys);
	smp_call_init();
	/* Before any AP is up: from its first translation on, unmaps must reach its TLB. */
	install_tlb_shootdown();
	/* Each CPU's scheduler tick; without it, the PIT's tick preempts on the boot CPU only. */
	if (!lapic_timer_init(HZ, local_timer_interrupt))
		lapic_timer_start_this_cpu();
	list_cpus("");
	for (i = 1; i < nr_cpus_numbered; i++)
		boot_cpu_nr(i, AP_BOOT_TIMEOUT_MS);
out:
	smp_print_cpus();
}

int smp_start_cpu_for_test(u32 apic_id, u64 timeout_ms)
{
	int n;

	if (!trampoline_phys)
		return -1;
	n = number_cpu(apic_id);
	if (n >= 0)
		boot_cpu_nr(n, timeout_ms);
	return n;
}

static const char *state_name(const struct cpu_info *ci)
{
	switch (ci->state) {
	case CPU_ONLINE:
		return "online";
	case CPU_BOOTING:
		return "booting";
	case CPU_NO_RESPONSE:
		return "did not come up";
	default:
		return "not started";
	}
}

/* The usable CPUs the firmware lists, the boot CPU included (1 without a MADT). */
static u32 nr_cpus_listed(void)
{
	u32 i, n = acpi_madt.nr_cpus_dropped;

	for (i = 0; i < acpi_madt.nr_cpus; i++)
		n += acpi_madt.cpus[i].enabled;
	return acpi.madt_found && n ? n : 1;
}

/* Whether the firmware lists a CPU that only x2APIC mode (not built) could address. */
static bool x2apic_cpus_listed(void)
{
	u32 i;

	for (i = 0; i < acpi_madt.nr_cpus; i++)
		if (acpi_madt.cpus[i].enabled && acpi_madt.cpus[i].apic_id > 0xfe)
			return true;
	return false;
}

/*
 * The first line says the truth when the kernel took fewer CPUs than the firmware lists:
 * "smp: 255 CPUs listed, 64 brought up (NR_CPUS=64)".
 */
void smp_print_cpus(void)
{
	u32 i, listed = nr_cpus_listed();

	if (listed > nr_cpus_numbered)
		pr_info("smp: %u CPUs listed, %u brought up (NR_CPUS=%u)\n", listed,
			num_online_cpus(), NR_CPUS);
	else
		pr_info("smp: %u of %u CPUs online\n", num_online_cpus(), nr_cpus_numbered);
	if (x2apic_cpus_listed())
		pr_info("smp: x2APIC mode is not built: CPUs with APIC ids above 254 stay off\n");
	for (i = 0; i < nr_cpus_numbered; i++) {
		const struct cpu_info *ci = &cpus[i];

		if (ci->state == CPU_NOT_STARTED)
			pr_info("  CPU %u: APIC id %u, not started: %s\n", i, ci->apic_id, ci->why);
		else if (i == 0)
			pr_info("  CPU %u: APIC id %u, online (boot CPU)\n", i, ci->apic_id);
		else if (ci->state == CPU_ONLINE)
			pr_info("  CPU %u: APIC id %u, online (up in %lu us), idle\n", i,
				ci->apic_id, ci->boot_us);
		else
			pr_info("  CPU %u: APIC id %u, %s\n", i, ci->apic_id, state_name(ci));
	}
}
