#include "kernel/stack.h"
#include "arch/x86_64/io.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "kernel/string.h"
#include "mm/page_alloc.h"
#include "mm/vmalloc.h"

static u64 nr_in_use, cache_hits, cache_misses;

#if VMAP_STACK

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

int alloc_thread_stack(struct kernel_stack *s)
{
	u64 flags = local_irq_save();	/* the cache is per CPU: stay on it */
	struct vm_struct *vm = cache_take();
	void *base;

	local_irq_restore(flags);
	if (vm) {
		cache_hits++;
		s->vm = vm;
		s->base = vm->va.addr;
	} else {
		cache_misses++;
		base = __vmalloc_guarded(THREAD_SIZE, STACK_GUARD_PAGES, "stack", &s->vm);
		if (!base)
			return -1;
		s->base = (u64)base;
	}
	/* Fresh or reused, a stack starts all zero: nothing of the last task leaks through. */
	memset((void *)s->base, 0, THREAD_SIZE);
	nr_in_use++;
	return 0;
}

void free_thread_stack(struct kernel_stack *s)
{
	u64 flags;
	bool cached;

	if (!s->base)
		return;
	flags = local_irq_save();
	cached = cache_put(s->vm);
	local_irq_restore(flags);
	if (!cached)
		vfree((void *)s->base);
	nr_in_use--;
	s->base = 0;
	s->vm = NULL;
}

bool stack_end_intact(const struct kernel_stack *s)
{
	return true;
}

bool stack_guard_hit(const struct kernel_stack *s, u64 addr)
{
	u64 guard = stack_guard_size();

	if (!s->base)
		return false;
	return (addr >= s->base - guard && addr < s->base) ||
	       (addr >= stack_top(s) && addr < stack_top(s) + guard);
}

bool stack_overflow_hit(const struct kernel_stack *s, u64 addr)
{
	/* LAB4: BEGIN where an overrun of this stack can fault (see kernel/stack.h) */
	return stack_guard_hit(s, addr) ||
	       (s->base && addr >= s->base - stack_guard_size() - 4096 && addr < s->base);
#if 0 /* LAB4: STUB */
	/*
	 * TODO: the guards are not the whole story. With -fstack-clash-protection a frame bigger
	 * than a page moves RSP down before it probes: when the probe faults in the guard, RSP
	 * may already be one page further down. Which addresses must count as this stack's?
	 */
	return stack_guard_hit(s, addr);
#endif /* LAB4: END */
}

void drain_stack_cache(void)
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

static u64 nr_cached(void)
{
	u64 n = 0;
	int i;

	for (i = 0; i < NR_CACHED_STACKS; i++)
		n += this_cpu()->stack_cache[i] != NULL;
	return n;
}

#else /* !VMAP_STACK: the "before" picture */

#define STACK_ORDER (THREAD_SIZE == 8192 ? 1 : THREAD_SIZE == 16384 ? 2 : 3)

int alloc_thread_stack(struct kernel_stack *s)
{
	void *base = alloc_pages(STACK_ORDER);

	if (!base)
		return -1;
	cache_misses++;
	memset(base, 0, THREAD_SIZE);
	*(u64 *)base = STACK_END_MAGIC;
	s->base = (u64)base;
	s->vm = NULL;
	nr_in_use++;
	return 0;
}

void free_thread_stack(struct kernel_stack *s)
{
	if (!s->base)
		return;
	free_pages((void *)s->base, STACK_ORDER);
	nr_in_use--;
	s->base = 0;
}

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

void drain_stack_cache(void)
{
}

static u64 nr_cached(void)
{
	return 0;
}

#endif

u64 stack_high_water(const struct kernel_stack *s)
{
	const u64 *p = (const u64 *)s->base, *end = (const u64 *)stack_top(s);

	if (!s->base)
		return 0;
	if (!VMAP_STACK)
		p++;	/* the canary */
	while (p < end && *p == 0)
		p++;
	return (u64)end - (u64)p;
}

void stack_stats(struct stack_stats *st)
{
	st->in_use = nr_in_use;
	st->cached = nr_cached();
	st->cache_hits = cache_hits;
	st->cache_misses = cache_misses;
}
