/*
 * TLB shootdown: once vfree() and the purge have given an area's range and pages to someone
 * else, no CPU reads them through the old translation. Every other CPU first touches the area
 * (an IPI's function reads it, so that CPU's TLB holds the mapping); CPU 0 frees it and forces
 * the purge; the pages are reused for new data. Then each CPU in turn reads through the old
 * address: it must fault (or, once the range is mapped again, see the new area) and never see the
 * data now in the old pages. QEMU's TCG keeps a software TLB per CPU that a PTE write does not
 * flush, so without the shootdown the stale translation is really used: with the purge's
 * shootdown skipped (or lab 6's stub, a remote flush that flushes nothing) every round fails on
 * every other CPU and every page, with 2 and 4 CPUs. Each round stands alone (ROUNDS of them), so
 * a CPU that happened to lose its entry in one round (another flush, an eviction on hardware)
 * cannot make the test pass. That happens: with the remote flush stubbed out, the two fault
 * tests catch every page on every CPU in every round, but the reused-range test catches rounds 0
 * and 2 only - in round 1 the other CPUs no longer hold the entry (evicted from QEMU's software
 * TLB, as a hardware TLB evicts), so the stale read cannot happen there. The test still fails.
 */
#include "arch/x86_64/percpu.h"
#include "kernel/debug/ktest.h"
#include "kernel/drivers/apic.h"
#include "kernel/lib/string.h"
#include "kernel/printk/printk.h"
#include "kernel/smp.h"
#include "kernel/stack.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include "arch/x86_64/asm/irqflags.h"
#include "arch/x86_64/asm/msr.h"
#include "arch/x86_64/asm/special_insns.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"
#include "mm/test_hooks.h"
#include "mm/tlbflush.h"
#include "mm/vmalloc.h"

#define AREA_PAGES   4
#define ROUNDS	     3	/* each round must catch a stale TLB by itself; more for margin */
#define PROBE_OFFSET 64 /* past the word that links a held page to the next */
#define OLD_DATA     0x01d0001d0001d000UL /* what the area held */
#define NEW_DATA     0x5ee5ee5ee5ee5ee5UL /* what its old pages hold once reused */
#define NEW_AREA     0xa5ea5ea5ea5ea5eaUL /* what the new area mapped at the old range holds */
#define MAX_GRAB     512		  /* pages taken while looking for the old ones */

static volatile u64 *word(u8 *area, int page)
{
	return (volatile u64 *)(area + page * PAGE_SIZE + PROBE_OFFSET);
}

/* What one CPU saw, written by that CPU's IPI function. */
struct probe {
	u8 *area;
	int npages;	      /* the area's, AREA_PAGES at most */
	u32 target;	      /* the CPU that probes; the others return at once */
	u64 seen[AREA_PAGES]; /* the words read (touch, and a probe that did not fault) */
	bool faulted[AREA_PAGES];
	struct fault_record rec[AREA_PAGES];
};

/* Fill this CPU's TLB with the area's translations. */
static void touch(void *arg)
{
	struct probe *p = arg;
	int i;

	if (smp_processor_id() != p->target)
		return;
	for (i = 0; i < p->npages; i++)
		p->seen[i] = *word(p->area, i);
}

static u64 probed_word;

static void read_word(void *addr)
{
	probed_word = *(volatile u64 *)addr;
}

/* Read through every page's old address, catching a page fault (in the IPI's IRQ context). */
static void probe(void *arg)
{
	struct probe *p = arg;
	int i;

	if (smp_processor_id() != p->target)
		return;
	for (i = 0; i < p->npages; i++) {
		probed_word = 0;
		/* Quiet: every CPU, every page, every round - hundreds of oopses on 64 CPUs. */
		p->faulted[i] =
			ktest_expect_fault_quiet(read_word, (void *)word(p->area, i), &p->rec[i]);
		p->seen[i] = probed_word;
	}
}

/* One CPU at a time: their oopses for the expected faults stay whole. */
static void on_cpu(void (*fn)(void *), struct probe *p, u32 cpu)
{
	p->target = cpu;
	smp_call_function(fn, p, true);
}

static bool online(u32 cpu)
{
	return cpu_info(cpu)->state == CPU_ONLINE;
}

/* The first online CPU at or after cpu; nr_cpu_ids() if there is none. */
static u32 next_online(u32 cpu)
{
	while (cpu < nr_cpu_ids() && !online(cpu))
		cpu++;
	return cpu;
}

/* Each online CPU in turn (Linux: for_each_online_cpu()). */
#define for_each_online(cpu)                                                                       \
	for ((cpu) = next_online(0); (cpu) < nr_cpu_ids(); (cpu) = next_online((cpu) + 1))

/*
 * The area a round frees: a vmalloc area, or a task stack taken and given back bypassing the
 * per-CPU cache (so that its free is a vfree_area(), as when the cache is full).
 */
static struct kernel_stack round_stack;

static u8 *new_area(bool stack)
{
	if (!stack)
		return vmalloc(AREA_PAGES * PAGE_SIZE);
	return vmap_stack_alloc(&round_stack, false) ? NULL : (u8 *)round_stack.base;
}

static void free_area(u8 *v, bool stack)
{
	if (stack)
		vmap_stack_free(&round_stack, false);
	else
		vfree(v);
}

/* A new area, filled with OLD_DATA, its pages' physical addresses in pa, touched by every CPU. */
static u8 *touched_area(struct probe *p, u64 *pa, bool stack)
{
	u8 *v = new_area(stack);
	u32 cpu;
	int i;

	if (!v)
		return NULL;
	p->area = v;
	p->npages = stack ? MIN(AREA_PAGES, THREAD_SIZE / PAGE_SIZE) : AREA_PAGES;
	for (i = 0; i < p->npages; i++) {
		*word(v, i) = OLD_DATA;
		if (!lookup_kernel_page((u64)word(v, i), &pa[i], NULL))
			return NULL;
		pa[i] &= ~(PAGE_SIZE - 1);
	}
	for (cpu = 0; cpu < nr_cpu_ids(); cpu++) {
		if (!online(cpu) || cpu == smp_processor_id())
			continue;
		memset(p->seen, 0, sizeof(p->seen));
		on_cpu(touch, p, cpu);
		for (i = 0; i < p->npages; i++)
			KT_EXPECT_MSG(p->seen[i] == OLD_DATA, "CPU %u did not see the area (%#lx)",
				      cpu, p->seen[i]);
	}
	return v;
}

/*
 * Take pages from the allocator until the old area's pages come back (the buddy allocator hands
 * out the last freed first), writing NEW_DATA into each. Returns how many of the old ones came.
 */
static int reuse_old_pages(const u64 *pa, int npages, void **grabbed, int *ngrabbed)
{
	int found = 0, i;

	for (*ngrabbed = 0; *ngrabbed < MAX_GRAB && found < npages; (*ngrabbed)++) {
		u8 *page = alloc_page();

		if (!page)
			break;
		grabbed[*ngrabbed] = page;
		*(u64 *)(page + PROBE_OFFSET) = NEW_DATA;
		for (i = 0; i < npages; i++)
			found += virt_to_phys(page) == pa[i];
	}
	return found;
}

static void free_grabbed(void **grabbed, int n)
{
	while (n--)
		free_page(grabbed[n]);
}

static void *grabbed[MAX_GRAB];

/* One round: touch, free, purge, reuse the pages; then every CPU must fault on the old range. */
static void stale_round(int round, bool stack)
{
	static struct probe p;
	u64 pa[AREA_PAGES];
	int n, found, i;
	u32 cpu;
	u8 *v;

	memset(&p, 0, sizeof(p));
	v = touched_area(&p, pa, stack);
	KT_ASSERT(v);
	free_area(v, stack);
	vmalloc_purge(); /* the shootdown: from here the range and pages may go to anyone */
	found = reuse_old_pages(pa, p.npages, grabbed, &n);
	if (found < p.npages)
		printk("# round %d: %d of %d old pages came back (the faults are checked anyway)\n",
		       round, found, p.npages);
	for_each_online(cpu) {
		memset(p.faulted, 0, sizeof(p.faulted));
		if (cpu == smp_processor_id()) {
			p.target = cpu;
			probe(&p);
		} else {
			on_cpu(probe, &p, cpu);
		}
		for (i = 0; i < p.npages; i++) {
			KT_EXPECT_MSG(
				p.faulted[i],
				"round %d: CPU %u read %#lx through the freed %s's page %d (%s): "
				"a stale TLB entry",
				round, cpu, p.seen[i], stack ? "stack" : "area", i,
				p.seen[i] == NEW_DATA	? "the pages' new data"
				: p.seen[i] == OLD_DATA ? "the old data"
							: "other data");
			KT_EXPECT(!p.faulted[i] ||
				  (p.rec[i].vector == 14 && p.rec[i].cr2 == (u64)word(v, i)));
		}
	}
	free_grabbed(grabbed, n);
}

static bool smp_ready(void)
{
	if (num_online_cpus() < 2) {
		ktest_skip("one CPU online: no other TLB to shoot down");
		return false;
	}
	return true;
}

static void stale_rounds(bool stack)
{
	int round;

	if (!smp_ready())
		return;
	for (round = 0; round < ROUNDS; round++)
		stale_round(round, stack);
}

KTEST(tlb, a_freed_area_faults_on_every_cpu_after_the_purge)
{
	stale_rounds(false);
}

/* The same with a task stack, freed bypassing the per-CPU cache (as when the cache is full). */
KTEST(tlb, a_freed_stack_faults_on_every_cpu_after_the_purge)
{
	stale_rounds(true);
}

/*
 * The range given again: a new area at the old address, on other pages than the old ones (which
 * hold NEW_DATA now). Every CPU must read the new area there; a stale TLB shows NEW_DATA.
 */
KTEST(tlb, a_reused_range_shows_the_new_area_on_every_cpu)
{
	static struct probe p;
	u64 pa[AREA_PAGES];
	int n, round, i;
	u32 cpu;
	u8 *v, *w;

	if (!smp_ready())
		return;
	for (round = 0; round < ROUNDS; round++) {
		memset(&p, 0, sizeof(p));
		vmalloc_purge(); /* so that the next area's range is the first to be reused */
		v = touched_area(&p, pa, false);
		KT_ASSERT(v);
		vfree(v);
		vmalloc_purge();
		reuse_old_pages(pa, AREA_PAGES, grabbed, &n);
		w = vmalloc(AREA_PAGES * PAGE_SIZE);
		if (!w || w != v) {
			free_grabbed(grabbed, n);
			vfree(w);
			KT_EXPECT_MSG(0, "the purged range at %p was not given again (got %p)", v,
				      w);
			return;
		}
		for (i = 0; i < AREA_PAGES; i++)
			*word(w, i) = NEW_AREA;
		for (cpu = 0; cpu < nr_cpu_ids(); cpu++) {
			if (!online(cpu) || cpu == smp_processor_id())
				continue;
			memset(p.seen, 0, sizeof(p.seen));
			on_cpu(touch, &p, cpu);
			for (i = 0; i < AREA_PAGES; i++)
				KT_EXPECT_MSG(
					p.seen[i] == NEW_AREA,
					"round %d: CPU %u read %#lx at the new area's page %d "
					"(%s): a stale TLB entry",
					round, cpu, p.seen[i], i,
					p.seen[i] == NEW_DATA ? "the old pages' new data"
							      : "other data");
		}
		vfree(w);
		free_grabbed(grabbed, n);
	}
	vmalloc_purge();
}

/* vfree() alone gives nothing back: the pages wait with the area, counted, until the purge. */
KTEST(tlb, freed_pages_wait_for_the_purge)
{
	struct vmalloc_stats a, b, c;
	u64 free0, free1;
	u8 *v;

	vmalloc_purge();
	vmalloc_stats(&a);
	v = vmalloc(AREA_PAGES * PAGE_SIZE);
	KT_ASSERT(v);
	free0 = nr_free_pages();
	vfree(v);
	free1 = nr_free_pages();
	vmalloc_stats(&b);
	KT_EXPECT_MSG(free1 == free0, "vfree gave %ld pages back before the shootdown",
		      (long)(free1 - free0));
	KT_EXPECT(b.nr_lazy == a.nr_lazy + 1 && b.held_pages == a.held_pages + AREA_PAGES);
	vmalloc_purge();
	vmalloc_stats(&c);
	KT_EXPECT(c.nr_lazy == 0 && c.held_pages == 0);
	KT_EXPECT_MSG(nr_free_pages() >= free1 + AREA_PAGES,
		      "the purge gave back %ld pages, not %d", (long)(nr_free_pages() - free1),
		      AREA_PAGES);
}

/*
 * The shootdown itself, watched through the test hooks of mm/test_hooks.h: which CPUs ran
 * local_flush_tlb_kernel_range() on a range of the test's own, whether the initiator returned
 * before they had, and what happens when the initiator is moved to another CPU at each point
 * where it could be preempted. The interleavings are forced, and the verdicts wait for states;
 * the one bound (HOLD_MS) could only let a wrong initiator pass, never fail a right one.
 */
static struct {
	u64 start, end;		       /* the range under test */
	struct task *task;	       /* the initiator */
	volatile u32 flushed[NR_CPUS]; /* flushes of the range done, per CPU */
	bool move;		       /* count the initiator's preemption points, and... */
	int move_at;		       /* ...move it at this one (-1: none) */
	int points;
	u32 moves;
	volatile bool returned; /* the initiator is back from flush_tlb_kernel_range() */
	u64 hold_until;		/* TSC: another CPU's flush waits until returned, or this */
} sd;

/*
 * A point where the initiator could be preempted: at the chosen one it is, and goes on on the
 * next CPU. The move is a real preemption: pinned to that CPU, a reschedule IPI to itself, and
 * the interrupt's exit switches (kernel/sched.c); it waits until it runs there.
 */
static void move_on(void)
{
	u32 cpu = smp_processor_id(), next = cpu;

	if (!sd.move || current != sd.task || irqs_disabled() || this_cpu_read(irq_depth))
		return;
	if (sd.points++ != sd.move_at)
		return;
	do
		next = (next + 1) % nr_cpu_ids();
	while (!online(next));
	if (next == cpu)
		return;
	__atomic_store_n(&current->cpu_allowed, (int)next, __ATOMIC_RELEASE);
	lapic_send_ipi(cpu_info(cpu)->apic_id, RESCHEDULE_VECTOR);
	while (smp_processor_id() == cpu)
		cpu_relax();
	sd.moves++;
}

static void sd_local_flush(u64 start, u64 end, bool done)
{
	u32 me = smp_processor_id();

	if (start != sd.start || end != sd.end)
		return;
	if (!done && sd.hold_until && this_cpu_read(irq_depth)) {
		while (!sd.returned && rdtsc_ordered() < sd.hold_until)
			cpu_relax();
	}
	if (done)
		__atomic_fetch_add(&sd.flushed[me], 1, __ATOMIC_RELEASE);
	move_on();
}

static void sd_smp_call(void)
{
	move_on();
}

static bool sd_shootdown(u64 start, u64 end)
{
	if (start == sd.start && end == sd.end)
		move_on();
	return false;
}

/*
 * A shootdown of the test's range from CPU from; true if it returned 0. With move, the
 * initiator's preemption points are counted and it is moved at point move_at.
 */
static bool shootdown_from(u32 from, bool move, int move_at, u64 hold_ms)
{
	int r;

	if (set_cpus_allowed(current, from))
		return false;
	memset((void *)sd.flushed, 0, sizeof(sd.flushed));
	sd.task = current;
	sd.move = move;
	sd.move_at = move_at;
	sd.points = 0;
	sd.moves = 0;
	sd.returned = false;
	sd.hold_until = hold_ms ? rdtsc_ordered() + hold_ms * tsc_khz : 0;
	tlb_local_flush_test_hook = sd_local_flush;
	smp_call_test_hook = sd_smp_call;
	tlb_shootdown_test_hook = sd_shootdown;
	r = flush_tlb_kernel_range(sd.start, sd.end);
	sd.move = false;
	return r == 0;
}

/* Every online CPU flushed; then the hooks off, once no CPU is still inside one. */
static void shootdown_done(void)
{
	u32 cpu;

	sd.returned = true;
	for (cpu = 0; cpu < nr_cpu_ids(); cpu++) {
		while (online(cpu) && !__atomic_load_n(&sd.flushed[cpu], __ATOMIC_ACQUIRE) &&
		       rdtsc_ordered() < sd.hold_until + 1000 * tsc_khz)
			cpu_relax();
	}
	tlb_local_flush_test_hook = NULL;
	smp_call_test_hook = NULL;
	tlb_shootdown_test_hook = NULL;
	set_cpus_allowed(current, 0); /* where ktest runs its tests */
}

static u8 *shootdown_range(void)
{
	u8 *v = vmalloc(2 * PAGE_SIZE);

	if (v) {
		sd.start = (u64)v;
		sd.end = (u64)v + 2 * PAGE_SIZE;
	}
	return v;
}

static void expect_all_flushed(const u32 *flushed, u32 from, const char *when)
{
	u32 cpu;

	for (cpu = 0; cpu < nr_cpu_ids(); cpu++) {
		if (online(cpu))
			KT_EXPECT_MSG(
				flushed[cpu] > 0,
				"shootdown from CPU %u: CPU %u%s had not flushed the range %s",
				from, cpu, cpu == from ? " (where it started)" : "", when);
	}
}

static void snapshot(u32 *flushed)
{
	u32 cpu;

	for (cpu = 0; cpu < NR_CPUS; cpu++)
		flushed[cpu] = __atomic_load_n(&sd.flushed[cpu], __ATOMIC_ACQUIRE);
}

/*
 * One shootdown from CPU from (shootdown_from()); what each CPU had flushed when it returned in
 * flushed. Returns the preemption points the initiator passed.
 */
static int shootdown_once(u32 from, bool move, int at, u32 hold_ms, u32 *flushed)
{
	bool ok = shootdown_from(from, move, at, hold_ms);
	int points = sd.points;

	snapshot(flushed);
	shootdown_done();
	KT_EXPECT_MSG(ok, "shootdown from CPU %u failed", from);
	return points;
}

/* From each CPU in turn: every online CPU, the initiator's own included, runs the flush. */
KTEST(tlb, shootdown_flushes_every_cpu_the_caller_included)
{
	u32 flushed[NR_CPUS], from;
	u8 *v;

	if (!smp_ready())
		return;
	v = shootdown_range();
	KT_ASSERT(v);
	for_each_online(from) {
		shootdown_once(from, false, -1, 0, flushed);
		expect_all_flushed(flushed, from, "when it returned");
	}
	vfree(v);
}

/*
 * The initiator is moved to the next CPU at one point where it could be preempted (interrupts
 * on, in its task): as the shootdown starts, before and after each local flush that runs there,
 * as smp_call_function() starts and returns. A first shootdown counts those points, then one
 * shootdown per point moves it there: every single preemption is tried, none left to chance.
 * Whatever it does where, every CPU must have flushed by the time it returns: a flush here and
 * the IPIs there leave a CPU out. (The reference has one such point, the start: from the IPIs to
 * its local flush interrupts are off. A lab 6 solution that flushes with them on has more.)
 */
KTEST(tlb, shootdown_reaches_every_cpu_when_the_caller_moves)
{
	u32 flushed[NR_CPUS], from;
	int points, at;
	u8 *v;

	if (!smp_ready())
		return;
	v = shootdown_range();
	KT_ASSERT(v);
	for_each_online(from) {
		points = shootdown_once(from, true, -1, 0, flushed);
		for (at = 0; at < points; at++) {
			shootdown_once(from, true, at, 0, flushed);
			printk("# from CPU %u, moved at preemption point %d of %d\n", from, at + 1,
			       points);
			expect_all_flushed(flushed, from, "when it returned (moved once)");
		}
	}
	vfree(v);
}

/*
 * Each other CPU holds its flush back until the initiator has returned (or for HOLD_MS, the
 * most a correct initiator can be made to wait here). An initiator that waits for every
 * acknowledgement cannot return before; one that returns early finds the others not flushed.
 */
#define HOLD_MS 200

KTEST(tlb, shootdown_waits_for_every_acknowledgement)
{
	u32 flushed[NR_CPUS];
	int round;
	u8 *v;

	if (!smp_ready())
		return;
	v = shootdown_range();
	KT_ASSERT(v);
	for (round = 0; round < 2; round++) {
		shootdown_once(0, false, -1, HOLD_MS, flushed);
		expect_all_flushed(flushed, 0,
				   "when it returned: it did not wait for the acknowledgement");
	}
	vfree(v);
}

/* ------------------------------------------------------------------ the lazy purge's batches */

static struct {
	u64 lo, hi;	    /* the test's areas lie in [lo, hi) */
	u32 shootdowns;	    /* that covered some of them */
	bool fail;	    /* make them fail */
	u64 pa[AREA_PAGES]; /* the freed area's pages */
	int free_at;	    /* how many of them the page allocator had at the shootdown */
} pg;

/*
 * How many of the area's pages the page allocator hands out now: it gives the last freed first,
 * so pages given back early come out among the first; the ones taken go back at once.
 */
static int area_pages_free(void)
{
	int n, found = reuse_old_pages(pg.pa, AREA_PAGES, grabbed, &n);

	free_grabbed(grabbed, n);
	return found;
}

static bool pg_shootdown(u64 start, u64 end)
{
	if (end <= pg.lo || start >= pg.hi || (start == VMALLOC_START && end == VMALLOC_END))
		return false;
	if (!pg.shootdowns++)
		pg.free_at = area_pages_free();
	return pg.fail;
}

/* The area's pages, before it is freed. */
static bool pg_record(u8 *v)
{
	int i;

	for (i = 0; i < AREA_PAGES; i++) {
		if (!lookup_kernel_page((u64)v + i * PAGE_SIZE, &pg.pa[i], NULL))
			return false;
		pg.pa[i] &= ~(PAGE_SIZE - 1);
	}
	return true;
}

static void pg_track(u8 *v, u64 size)
{
	pg.lo = MIN(pg.lo, (u64)v);
	pg.hi = MAX(pg.hi, (u64)v + size);
}

static void pg_arm(bool fail)
{
	pg.shootdowns = 0;
	pg.fail = fail;
	pg.free_at = 0;
	tlb_shootdown_test_hook = pg_shootdown;
}

#define BATCH_AREAS 16 /* the batch lazy_max_pages() allows, cut into this many areas */

/*
 * vfree() after vfree(): no purge until lazy_max_pages() pages wait (Linux's fls(CPUs online)
 * x 32 MiB, at most 1/32 of RAM), then exactly one purge, with one shootdown for the whole batch.
 */
KTEST(tlb, purge_runs_once_lazy_max_pages_wait_with_one_shootdown)
{
	static u8 *v[BATCH_AREAS];
	struct vmalloc_stats a, b;
	struct page_stats ps;
	u64 linux_max = 8192 * (u64)(32 - __builtin_clz(num_online_cpus())), max, area;
	u64 waiting = 0;
	int n = 0, i;

	if (!smp_ready())
		return;
	page_stats(&ps);
	vmalloc_stats(&a);
	max = a.lazy_max_pages;
	KT_EXPECT_MSG(max == MIN(linux_max, ps.total / 32),
		      "lazy_max_pages() = %lu; expected fls(%u CPUs) x 8192 = %lu, at most 1/32 of "
		      "%lu RAM pages",
		      max, num_online_cpus(), linux_max, ps.total);
	area = (max + BATCH_AREAS - 1) / BATCH_AREAS;
	pg.lo = ~0UL;
	pg.hi = 0;
	for (n = 0; n < BATCH_AREAS && (u64)n * area < max; n++) {
		v[n] = vmalloc(area * PAGE_SIZE);
		KT_ASSERT(v[n]);
		pg_track(v[n], area * PAGE_SIZE);
	}
	vmalloc_purge();
	vmalloc_stats(&a);
	pg_arm(false);
	for (i = 0; i < n; i++) {
		vfree(v[i]);
		waiting += area;
		vmalloc_stats(&b);
		if (waiting < max) {
			KT_EXPECT_MSG(
				b.nr_purges == a.nr_purges,
				"a purge after %lu pages waited, before lazy_max_pages() = %lu",
				waiting, max);
			continue;
		}
		KT_EXPECT_MSG(b.nr_purges == a.nr_purges + 1 && b.nr_lazy == 0,
			      "%lu pages waited (lazy_max_pages() = %lu): %lu purges, %lu areas "
			      "still waiting; expected one purge of them all",
			      waiting, max, b.nr_purges - a.nr_purges, b.nr_lazy);
	}
	tlb_shootdown_test_hook = NULL;
	KT_EXPECT_MSG(pg.shootdowns == 1, "%u shootdowns for %d areas freed; one per batch",
		      pg.shootdowns, n);
	vmalloc_purge();
}

/*
 * One area allocated, its pages recorded (pg_record()) and freed: it waits for the next purge,
 * alone on the purge list. Returns where it was, or NULL if it could not be made.
 */
static u8 *pg_free_one_area(void)
{
	u8 *v;
	bool recorded;

	vmalloc_purge();
	v = vmalloc(AREA_PAGES * PAGE_SIZE);
	if (!v)
		return NULL;
	pg.lo = ~0UL;
	pg.hi = 0;
	pg_track(v, AREA_PAGES * PAGE_SIZE);
	recorded = pg_record(v);
	vfree(v);
	return recorded ? v : NULL;
}

/* At the purge's shootdown, neither the batch's pages nor its ranges are back yet. */
KTEST(tlb, purge_gives_nothing_back_before_its_shootdown)
{
	u8 *v;

	if (!smp_ready())
		return;
	v = pg_free_one_area();
	KT_ASSERT(v);
	pg_arm(false);
	vmalloc_purge();
	tlb_shootdown_test_hook = NULL;
	KT_EXPECT_MSG(pg.shootdowns == 1, "the purge made %u shootdowns of the freed area",
		      pg.shootdowns);
	KT_EXPECT_MSG(pg.free_at == 0,
		      "%d of the area's %d pages were back in the page allocator before the "
		      "shootdown",
		      pg.free_at, AREA_PAGES);
}

/* A purge whose shootdown fails gives nothing back: the batch waits for the next purge. */
KTEST(tlb, purge_keeps_its_batch_when_the_shootdown_fails)
{
	struct vmalloc_stats a, b;
	u8 *v, *w;
	int n;

	if (!smp_ready())
		return;
	v = pg_free_one_area();
	KT_ASSERT(v);
	vmalloc_stats(&a);
	pg_arm(true);
	vmalloc_purge();
	tlb_shootdown_test_hook = NULL;
	vmalloc_stats(&b);
	KT_EXPECT_MSG(pg.shootdowns >= 1, "the purge tried no shootdown");
	n = area_pages_free();
	KT_EXPECT_MSG(n == 0, "%d of the area's pages given back although the shootdown failed", n);
	KT_EXPECT_MSG(b.nr_lazy == a.nr_lazy && b.held_pages == a.held_pages &&
			      b.nr_purges == a.nr_purges,
		      "after a failed shootdown: %lu areas waiting (%lu before), %lu pages held "
		      "(%lu before), %lu purges (%lu before)",
		      b.nr_lazy, a.nr_lazy, b.held_pages, a.held_pages, b.nr_purges, a.nr_purges);
	w = vmalloc(AREA_PAGES * PAGE_SIZE);
	KT_EXPECT_MSG(w != v, "the range %p was given again although its shootdown failed", v);
	vfree(w);
	vmalloc_purge();
	vmalloc_stats(&b);
	KT_EXPECT_MSG(b.nr_lazy == 0 && b.held_pages == 0, "the next purge left %lu areas waiting",
		      b.nr_lazy);
}
