/*
 * Kernel stacks, THREAD_SIZE bytes each.
 *
 * VMAP_STACK=y (as Linux's CONFIG_VMAP_STACK): single pages mapped into the vmalloc range, with
 * STACK_GUARD_PAGES unmapped pages below and above. A per-CPU cache keeps NR_CACHED_STACKS freed
 * stacks mapped, so creating a task usually touches no page table.
 *
 *        higher addresses
 *   +--------------------+  top + guard
 *   |  guard (unmapped)  |
 *   +--------------------+  top = base + THREAD_SIZE   (initial RSP)
 *   |   stack, grows     |
 *   |   downwards  |     |
 *   |              v     |
 *   +--------------------+  base
 *   |  guard (unmapped)  |  <- an overflow lands here and faults
 *   +--------------------+  base - guard
 *
 * VMAP_STACK=n: one physically contiguous block from the direct map, no guards, with
 * STACK_END_MAGIC in its lowest word, checked at every context switch (SCHED_STACK_END_CHECK).
 */
#ifndef KERNEL_STACK_H
#define KERNEL_STACK_H

#include "config.h"
#include "user/lib/syscall_nr.h" /* STACKLEAK_POISON: the user programs and the entry see it too */
#include "kernel/lib/types.h"

#define VMAP_STACK	  CONFIG_VMAP_STACK
#define THREAD_SIZE	  CONFIG_THREAD_SIZE
#define STACK_GUARD_PAGES CONFIG_STACK_GUARD_PAGES
#define NR_CACHED_STACKS  CONFIG_NR_CACHED_STACKS
#define STACK_END_MAGIC	  0x57AC6E9DUL
/* Only a vmapped stack has PTEs of its own: the VMAP_STACK=n kernel zeroes all, as before. */
#define STACK_ZERO_DIRTY (CONFIG_STACK_ZERO_DIRTY && CONFIG_VMAP_STACK)

#if THREAD_SIZE % PAGE_SIZE || THREAD_SIZE < 8192 || THREAD_SIZE > 65536
#error "THREAD_SIZE must be a multiple of PAGE_SIZE (4096), from 8192 to 65536"
#endif
/* The buddy order of a direct-mapped stack: the smallest block that holds THREAD_SIZE bytes. */
#define THREAD_SIZE_ORDER                                                                          \
	(THREAD_SIZE <= 8192 ? 1 : THREAD_SIZE <= 16384 ? 2 : THREAD_SIZE <= 32768 ? 3 : 4)
#if NR_CACHED_STACKS > 8
#error "NR_CACHED_STACKS is at most 8"
#endif

struct vm_struct;

struct kernel_stack {
	u64 base;	      /* lowest usable address; 0: no stack */
	struct vm_struct *vm; /* a vmapped stack: its vmalloc area; NULL: direct-mapped */
	u32 alloc_cpu;	      /* the CPU that allocated it (a free elsewhere is counted) */
	u32 tlb_cpu;	      /* STACK_ZERO_DIRTY: the CPU that may write it (stack_switch_in()) */
};

static inline u64 stack_top(const struct kernel_stack *s)
{
	return s->base + THREAD_SIZE;
}

static inline u64 stack_guard_size(void)
{
	return VMAP_STACK ? STACK_GUARD_PAGES * PAGE_SIZE : 0;
}

/*
 * STACK_ZERO_DIRTY: CPU cpu is about to write to s (its task is switched in there, or its
 * creator writes the first frame). Any CPU that ran the stack's last task, or read the stack
 * while a dirty bit was set, may cache that PTE as dirty; once the bit is cleared at a reuse, a
 * write through that entry would leave no trace, and the next reuse would not zero the page.
 * So a CPU other than s->tlb_cpu (the one that last dropped its entries of the stack, at the
 * zeroing or here) drops its own (an INVLPG a page) before it writes: a reuse then needs no
 * IPI, only the reusing CPU's flush. Call with interrupts off, on that CPU.
 */
void stack_drop_stale_tlb(struct kernel_stack *s, u32 cpu);
static inline void stack_switch_in(struct kernel_stack *s, u32 cpu)
{
	if (STACK_ZERO_DIRTY && s->tlb_cpu != cpu)
		stack_drop_stale_tlb(s, cpu);
}

/*
 * A task's stack, of the kind the build chose: zeroed (zero is the pattern the high-water mark
 * looks for); 0, or -ENOMEM.
 */
int alloc_thread_stack(struct kernel_stack *s);
/* Give a stack back: into the per-CPU cache if there is room, else unmapped and freed. */
void free_thread_stack(struct kernel_stack *s);

/*
 * The two kinds of stack, both available in every build so that benchmarks can time them side
 * by side; tasks only ever get the configured kind. Every one is handed out zeroed.
 *
 * vmap: pages mapped in the vmalloc range with guards; with use_cache, taken from and given
 * back to this CPU's cache when it can be, else straight from vmalloc and back to vfree.
 * direct: one THREAD_SIZE_ORDER block of the direct map (order 2 for 16 KiB) with STACK_END_MAGIC
 * at the bottom.
 */
int vmap_stack_alloc(struct kernel_stack *s, bool use_cache);
void vmap_stack_free(struct kernel_stack *s, bool use_cache);
int direct_stack_alloc(struct kernel_stack *s);
void direct_stack_free(struct kernel_stack *s);

/*
 * Deepest use so far, in bytes: from the top down to the lowest word that is neither zero nor
 * STACKLEAK_POISON (a process's stack is poisoned, not zeroed, where it is unused).
 */
u64 stack_high_water(const struct kernel_stack *s);
/* The same for the stack [base, top): the bytes from top down to its lowest word so used. */
u64 stack_used_bytes(u64 base, u64 top);
/* VMAP_STACK=n: is the canary in the lowest word still intact? (always true with guards) */
bool stack_end_intact(const struct kernel_stack *s);
/* Is addr in the guard pages below or above this stack? */
bool stack_guard_hit(const struct kernel_stack *s, u64 addr);
/* Is addr where an overrun of this stack can fault? (kernel/stack.c: overrun_zone_hit().) */
bool stack_overflow_hit(const struct kernel_stack *s, u64 addr);
struct vmarea;
/* The same question for the stack in vmalloc area va that is no task's (kernel/cpu_stack.c). */
bool stack_area_overrun_hit(const struct vmarea *va, u64 addr);

struct stack_stats {
	u64 in_use;
	u64 cached;
	u64 cache_hits, cache_misses;
	u64 cross_cpu_frees; /* task stacks freed on another CPU than the one that allocated them */
};
void stack_stats(struct stack_stats *st);
/*
 * Empty every CPU's cache (tests and benchmarks that want the uncached path, or a baseline):
 * the calling task visits each CPU in turn, since a cache is only touched by its own CPU.
 */
void drain_stack_cache(void);

#endif
