/*
 * Task stacks. Both kinds exist in every build: the configuration (VMAP_STACK) only decides
 * which kind alloc_thread_stack() gives to tasks. Keeping both compiled lets the benchmarks
 * (kernel/debug/bench_figures.c) time the two paths side by side in one run of one kernel.
 * The other stacks the kernel runs on - the boot stack, the IRQ stack and the IST stacks of #DF,
 * NMI and #MC - are each CPU's, in kernel/cpu_stack.c.
 */
#include "kernel/stack.h"
#include "arch/x86_64/asm/irqflags.h"
#include "arch/x86_64/percpu.h"
#include "kernel/printk/printk.h"
#include "kernel/lib/errno.h"
#include "kernel/lib/string.h"
#include "kernel/smp.h"
#include "kernel/task.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"
#include "mm/tlbflush.h"
#include "mm/vmalloc.h"

/* Updated by every CPU: atomically. */
static u64 nr_in_use, cache_hits, cache_misses, cross_cpu_frees;

static void count(u64 *counter, s64 delta)
{
	__atomic_fetch_add(counter, delta, __ATOMIC_RELAXED);
}

/* ---------------------------------------------------------------- vmapped stacks */

/* Take a stack from this CPU's cache: swap each slot with NULL, use the first one found. */
static struct vm_struct *cache_take(void)
{
	struct percpu *cpu = this_cpu();
	int i;

	for (i = 0; i < NR_CACHED_STACKS; i++) {
		struct vm_struct *vm = cpu->stack_cache[i];

		if (vm) {
			cpu->stack_cache[i] = NULL;
			return vm;
		}
	}
	return NULL;
}

static bool cache_put(struct vm_struct *vm)
{
	struct percpu *cpu = this_cpu();
	int i;

	for (i = 0; i < NR_CACHED_STACKS; i++) {
		if (!cpu->stack_cache[i]) {
			cpu->stack_cache[i] = vm;
			return true;
		}
	}
	return false;
}

/*
 * Fresh or reused, a stack starts all zero: nothing of the last task leaks through. With
 * STACK_ZERO_DIRTY a reused stack has only the pages its last task wrote zeroed. The CPU sets a
 * PTE's dirty bit on the first write through it; after zeroing, the bits are cleared (and this
 * CPU's TLB entries flushed, or a cached "dirty" entry would let writes leave no trace), so the
 * next task's writes show up again. Most tasks touch one page of four.
 *
 * Other CPUs may still cache the pages as dirty: this CPU becomes s->tlb_cpu, and any other
 * flushes its own entries before it writes (stack_switch_in()). So a reuse costs no shootdown,
 * wherever the last task ran.
 */
static void zero_stack(struct kernel_stack *s, bool reused)
{
	u64 npages = THREAD_SIZE / PAGE_SIZE, dirty, i, flags;

	if (!STACK_ZERO_DIRTY || !reused) {
		/*
		 * A fresh stack's bits are left set by the memset: no walk to clear them, and its
		 * first reuse zeroes all of it. Until a reuse clears a bit, any CPU may write.
		 */
		memset((void *)s->base, 0, THREAD_SIZE);
		s->tlb_cpu = this_cpu()->cpu;
		return;
	}
	flags = local_irq_save(); /* the flush and s->tlb_cpu name this CPU: stay on it */
	dirty = kernel_range_dirty(s->base, npages, false);
	for (i = 0; i < npages; i++) {
		if (dirty & (1UL << i))
			memset((void *)(s->base + i * PAGE_SIZE), 0, PAGE_SIZE);
	}
	kernel_range_dirty(s->base, npages, true);
	s->tlb_cpu = this_cpu()->cpu;
	local_irq_restore(flags);
}

void stack_drop_stale_tlb(struct kernel_stack *s, u32 cpu)
{
	if (s->vm) /* a direct-mapped stack (the boot task's) keeps no dirty bits */
		local_flush_tlb_kernel_range(s->base, stack_top(s));
	s->tlb_cpu = cpu;
}

int vmap_stack_alloc(struct kernel_stack *s, bool use_cache)
{
	struct vm_struct *vm = NULL;
	void *base;

	if (use_cache) {
		u64 flags = local_irq_save(); /* the cache is per CPU: stay on it */

		vm = cache_take();
		local_irq_restore(flags);
		count(vm ? &cache_hits : &cache_misses, 1);
	}
	if (vm) {
		s->vm = vm;
		s->base = vm->va.addr;
	} else {
		base = vmalloc_guarded(THREAD_SIZE, STACK_GUARD_PAGES, "stack", &s->vm);
		if (!base)
			return -ENOMEM;
		s->base = (u64)base;
	}
	zero_stack(s, vm != NULL);
	return 0;
}

void vmap_stack_free(struct kernel_stack *s, bool use_cache)
{
	bool cached = false;

	if (use_cache) {
		u64 flags = local_irq_save();

		cached = cache_put(s->vm);
		local_irq_restore(flags);
	}
	if (!cached)
		vfree_area(s->vm);
	s->base = 0;
	s->vm = NULL;
}

static void drain_this_cpu_cache(void)
{
	struct vm_struct *vm;
	u64 flags = local_irq_save();

	while ((vm = cache_take())) {
		local_irq_restore(flags);
		vfree((void *)vm->va.addr);
		flags = local_irq_save();
	}
	local_irq_restore(flags);
}

/*
 * A cache is only ever touched by its own CPU, so to empty them all the caller goes to each CPU
 * in turn (pinned there for the while), and then may run anywhere it could before.
 */
void drain_stack_cache(void)
{
	struct task *t = current;
	int allowed = t ? t->cpu_allowed : -1;
	u32 cpu;

	if (!t || !t->stack.base) { /* before the scheduler: one CPU */
		drain_this_cpu_cache();
		return;
	}
	for (cpu = 0; cpu < nr_cpu_ids(); cpu++) {
		if (set_cpus_allowed(t, cpu))
			continue; /* not running tasks */
		drain_this_cpu_cache();
	}
	set_cpus_allowed(t, allowed);
}

/* Stacks in every CPU's cache (a snapshot: the other CPUs go on using theirs). */
static u64 nr_cached(void)
{
	u64 n = 0;
	int c, i;

	for_each_cpu_area(c)
	{
		struct percpu *cpu = percpu_areas[c];

		for (i = 0; i < NR_CACHED_STACKS; i++)
			n += __atomic_load_n(&cpu->stack_cache[i], __ATOMIC_RELAXED) != NULL;
	}
	return n;
}

/* ---------------------------------------------------------------- direct-mapped stacks */

int direct_stack_alloc(struct kernel_stack *s)
{
	void *base = alloc_pages(THREAD_SIZE_ORDER);

	if (!base)
		return -ENOMEM;
	memset(base, 0, THREAD_SIZE);
	*(u64 *)base = STACK_END_MAGIC;
	s->base = (u64)base;
	s->vm = NULL;
	return 0;
}

void direct_stack_free(struct kernel_stack *s)
{
	free_pages((void *)s->base, THREAD_SIZE_ORDER);
	s->base = 0;
}

/* ---------------------------------------------------------------- task stacks */

int alloc_thread_stack(struct kernel_stack *s)
{
	int err;

	if (VMAP_STACK) {
		err = vmap_stack_alloc(s, true);
	} else {
		err = direct_stack_alloc(s);
		if (!err)
			count(&cache_misses, 1); /* no cache: every stack is a miss */
	}
	if (!err) {
		count(&nr_in_use, 1);
		s->alloc_cpu = this_cpu()->cpu;
	}
	return err;
}

void free_thread_stack(struct kernel_stack *s)
{
	if (!s->base)
		return;
	/* Into this CPU's cache, wherever it was allocated: caches are only touched locally. */
	if (s->alloc_cpu != this_cpu()->cpu)
		count(&cross_cpu_frees, 1);
	if (s->vm)
		vmap_stack_free(s, true);
	else
		direct_stack_free(s);
	count(&nr_in_use, -1);
}

/* LAB4: BEGIN where an overrun of a guarded stack can fault */
/*
 * Where an overrun of the stack in area va can fault: its guards, or the page below its leading
 * guard. -fstack-clash-protection moves RSP down a page before it probes the page it skipped, so
 * when the probe faults in the leading guard RSP is already one page further down, in the
 * trailing guard of the area below (every area owns its guards). Not further: below that page
 * lies another area's stack, and an RSP there says nothing about this one.
 */
static bool overrun_zone_hit(const struct vmarea *va, u64 addr)
{
	return vmarea_in_guard(va, addr) ||
	       (addr >= va->span_start - PAGE_SIZE && addr < va->span_start);
}
/* LAB4: END */

bool stack_area_overrun_hit(const struct vmarea *va, u64 addr)
{
	return overrun_zone_hit(va, addr);
}

#if VMAP_STACK

bool stack_end_intact(const struct kernel_stack *s)
{
	return true;
}

/* A vmapped stack is a vmalloc area: mm/vmarea.c says where its guards are. */
bool stack_guard_hit(const struct kernel_stack *s, u64 addr)
{
	return s->base && s->vm && vmarea_in_guard(&s->vm->va, addr);
}

bool stack_overflow_hit(const struct kernel_stack *s, u64 addr)
{
	return s->base && s->vm && overrun_zone_hit(&s->vm->va, addr);
}

#else /* !VMAP_STACK: the "before" picture */

bool stack_end_intact(const struct kernel_stack *s)
{
	return !s->base || *(u64 *)s->base == STACK_END_MAGIC;
}

bool stack_guard_hit(const struct kernel_stack *s, u64 addr)
{
	return false;
}

bool stack_overflow_hit(const struct kernel_stack *s, u64 addr)
{
	return false;
}

#endif

/*
 * Bytes from the top of [base, top) down to its lowest word that still holds what the stack was
 * filled with: zero, or STACKLEAK_POISON for a process's stack. The lowest word says which; a
 * stack used down to that word is used whole either way. (One comparison a word, not two.)
 */
u64 stack_used_bytes(u64 base, u64 top)
{
	const u64 *p = (const u64 *)base, *end = (const u64 *)top;
	u64 fill = p < end && *p == STACKLEAK_POISON ? STACKLEAK_POISON : 0;

	while (p < end && *p == fill)
		p++;
	return (u64)end - (u64)p;
}

u64 stack_high_water(const struct kernel_stack *s)
{
	if (!s->base)
		return 0;
	/* A direct-mapped stack starts with its canary (STACK_END_MAGIC): skip it. */
	return stack_used_bytes(s->vm ? s->base : s->base + sizeof(u64), stack_top(s));
}

void stack_stats(struct stack_stats *st)
{
	st->in_use = nr_in_use;
	st->cached = nr_cached();
	st->cache_hits = cache_hits;
	st->cache_misses = cache_misses;
	st->cross_cpu_frees = cross_cpu_frees;
}
