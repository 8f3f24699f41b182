/*
 * KFENCE, the guarded heap: see mm/kfence.h. The pool, in a range of its own:
 *
 *   page  0       1        2       3        4          2N-1      2N      2N+1
 *       | guard | obj 0  | guard | obj 1  | guard | ... | obj N-1 | guard | guard |
 *
 * Each object page holds one object, placed alternately against its end (an overrun runs into
 * the guard above at once) and its start (an underrun into the guard below):
 *
 *       | pattern ....................| object |  guard  (right: catches overruns)
 *   guard  | object | pattern ....................|     (left: catches underruns)
 *
 * The rest of the page (the slack) holds a pattern checked at kfree(): a small overrun that stays
 * inside the page, where no guard can see it, is caught there. Every object page has a physical
 * page of its own from boot on; its PTE keeps that frame, and only the present bit changes: set
 * at the allocation, cleared at the free. Guard pages have no PTE at all.
 *
 * The quarantine is the free list itself, a FIFO: an allocation takes the slot freed longest
 * ago, a free puts its slot at the tail. A freed object's page stays unmapped while the other
 * slots are used in turn, so a late use still faults. The metadata (state, size, where each
 * object was allocated and freed) lives here, outside the pool: no overrun reaches it.
 *
 * Clearing the present bit flushes only this CPU's TLB, as Linux does: another CPU may still
 * reach a freed object through a stale entry and miss the fault, but never anything else's
 * memory, since the slot keeps its page.
 */
#include "mm/kfence.h"
#include "arch/x86_64/asm/smp.h"
#include "arch/x86_64/stacktrace.h"
#include "kernel/lib/ksyms.h"
#include "kernel/lib/string.h"
#include "kernel/lib/vsprintf.h"
#include "kernel/locking/spinlock.h"
#include "kernel/printk/printk.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"

#define KFENCE_STACK_DEPTH 12
#define KFENCE_ALIGN	   8 /* what kmalloc() promises; a right object may leave up to 7 bytes */

enum kfence_state { KFENCE_UNUSED, KFENCE_ALLOCATED, KFENCE_FREED };

struct kfence_track {
	u64 stack[KFENCE_STACK_DEPTH];
	int nr;
	u32 cpu;
};

struct kfence_metadata {
	enum kfence_state state;
	u64 addr; /* the object, inside its page */
	u32 size;
	int next; /* the next slot in the free FIFO, or -1 */
	struct kfence_track alloc, free;
};

static struct kfence_metadata kfence_meta[KFENCE_NUM_OBJECTS];
static DEFINE_SPINLOCK(kfence_lock);
static int fifo_head = -1, fifo_tail = -1; /* under kfence_lock */
static bool pool_ready, guard_all;
static u64 interval_ms = KFENCE_DEFAULT_SAMPLE_INTERVAL, elapsed_ms;
static u64 nr_placed; /* under kfence_lock: even goes right, odd left */
static struct kfence_stats stats;

int kfence_allocation_gate = 1;

void kfence_set_sample_interval(u64 ms)
{
	interval_ms = ms;
}

void kfence_set_guard_all(bool all)
{
	guard_all = all;
}

u64 kfence_sample_interval(void)
{
	return interval_ms;
}

static u64 slot_page(int i)
{
	return KFENCE_POOL_START + (2 * (u64)i + 1) * PAGE_SIZE;
}

/* The slot whose object page holds addr, or NULL (a guard page, or outside the pool). */
static struct kfence_metadata *slot_of(u64 addr)
{
	u64 page = (addr - KFENCE_POOL_START) >> PAGE_SHIFT;

	if (!is_kfence_address((void *)addr) || !(page & 1) || page / 2 >= KFENCE_NUM_OBJECTS)
		return NULL;
	return &kfence_meta[page / 2];
}

static int slot_index(const struct kfence_metadata *m)
{
	return m - kfence_meta;
}

/*
 * The quarantine: the slots not in use, in a FIFO linked through kfence_meta[].next, from
 * fifo_head (freed longest ago, the next to be used) to fifo_tail (freed last). Under kfence_lock.
 */
/* LAB9: BEGIN the quarantine: a FIFO of free slots, linked through kfence_meta[].next */
static void fifo_push(int i)
{
	kfence_meta[i].next = -1;
	if (fifo_tail >= 0)
		kfence_meta[fifo_tail].next = i;
	else
		fifo_head = i;
	fifo_tail = i;
}

static int fifo_pop(void)
{
	int i = fifo_head;

	if (i < 0)
		return -1;
	fifo_head = kfence_meta[i].next;
	if (fifo_head < 0)
		fifo_tail = -1;
	return i;
}
/* LAB9: END */

/* Give slot i the page at the direct-map address page: mapped, but not present. */
static bool set_up_slot(int i, u8 *page)
{
	if (map_kernel_page(slot_page(i), (u64)page - PAGE_OFFSET, PAGE_KERNEL & ~PTE_PRESENT))
		return false;
	kfence_meta[i].state = KFENCE_UNUSED;
	fifo_push(i);
	return true;
}

/*
 * The objects' pages come in blocks of the page allocator, one per bit of KFENCE_NUM_OBJECTS
 * (128 + 64 + ... + 1 for 255), not as 255 single pages: those would use up the small free
 * blocks that everyone else splits from, and every later small allocation would cost more.
 * Returns how many slots have a page.
 */
static int take_pool_pages(void)
{
	int order, i = 0;
	u64 k;

	for (order = 31 - __builtin_clz(KFENCE_NUM_OBJECTS); order >= 0; order--) {
		u8 *block;

		if (!(KFENCE_NUM_OBJECTS & (1 << order)))
			continue;
		block = alloc_pages(order);
		if (!block)
			return i;
		for (k = 0; k < (1UL << order); k++) {
			if (!set_up_slot(i, block + k * PAGE_SIZE))
				return i; /* no memory for a page table: the block's rest is lost */
			i++;
		}
	}
	return i;
}

void kfence_init(void)
{
	int i;

	if (!interval_ms && !guard_all) {
		pr_info("kfence: off (kfence.sample_interval=0)\n");
		return;
	}
	i = take_pool_pages();
	stats.objects = i;
	if (!i) {
		pr_warn("kfence: no memory for the pool: off\n");
		return;
	}
	pool_ready = true;
	if (guard_all)
		kfence_allocation_gate = 0;
	if (guard_all)
		pr_info("kfence: initialized - using %lu KiB of RAM for %d objects at %#lx-%#lx "
			"(kfence=all: every allocation that fits)\n",
			(u64)i * PAGE_SIZE / 1024, i, KFENCE_POOL_START,
			KFENCE_POOL_START + KFENCE_POOL_SIZE - 1);
	else
		pr_info("kfence: initialized - using %lu KiB of RAM for %d objects at %#lx-%#lx "
			"(one allocation every %lu ms)\n",
			(u64)i * PAGE_SIZE / 1024, i, KFENCE_POOL_START,
			KFENCE_POOL_START + KFENCE_POOL_SIZE - 1, interval_ms);
}

void kfence_tick(u64 ms)
{
	if (!pool_ready || guard_all || !interval_ms)
		return;
	elapsed_ms += ms;
	if (elapsed_ms >= interval_ms) {
		elapsed_ms = 0;
		__atomic_store_n(&kfence_allocation_gate, 0, __ATOMIC_RELAXED);
	}
}

static void save_track(struct kfence_track *t)
{
	t->nr = stack_trace_save(t->stack, KFENCE_STACK_DEPTH);
	t->cpu = raw_smp_processor_id();
}

/*
 * The slack's pattern, kfence_canary() of each byte's address (mm/kfence.h): fill_pattern() puts
 * it over the whole object page at the allocation, slack_corrupted() checks the slack at the free.
 */
/* LAB9: BEGIN the slack: fill the page with the pattern, and find the first byte that lost it */
/* The pattern of eight bytes in a row from an 8-aligned address. */
static u64 canary_word(void)
{
	u64 word = 0;
	int b;

	for (b = 0; b < 8; b++)
		word |= (u64)kfence_canary(b) << (8 * b);
	return word;
}

/* Fill the object's page, object included, with the pattern (kmalloc() does not zero either). */
static void fill_pattern(u64 page)
{
	u64 word = canary_word();
	u64 i;

	for (i = 0; i < PAGE_SIZE / 8; i++)
		((u64 *)page)[i] = word;
}

/* The first byte of [lo, hi) that lost its pattern, or 0: a word at a time where it can. */
static u64 first_bad_byte(u64 lo, u64 hi)
{
	u64 word = canary_word(), a = lo;

	for (; a < hi; a++) {
		if (IS_ALIGNED(a, 8) && a + 8 <= hi && *(u64 *)a == word) {
			a += 7;
			continue;
		}
		if (*(u8 *)a != kfence_canary(a))
			return a;
	}
	return 0;
}

/* The first slack byte that lost its pattern, or 0 if all are intact. */
static u64 slack_corrupted(const struct kfence_metadata *m)
{
	u64 page = ALIGN_DOWN(m->addr, PAGE_SIZE);
	u64 bad = first_bad_byte(page, m->addr);

	return bad ? bad : first_bad_byte(m->addr + m->size, page + PAGE_SIZE);
}
/* LAB9: END */

/*
 * Where an object of size bytes goes in its page: against the page's end on one allocation,
 * against its start on the next, in turn (nr_placed counts them). An object at the end starts
 * on a KFENCE_ALIGN boundary, as kmalloc() promises, so up to 7 bytes of slack follow it. Under
 * kfence_lock.
 */
/* LAB9: BEGIN place an object: against its page's end and its start in turn */
static u64 place_object(u64 page, size_t size)
{
	bool right = !(nr_placed++ & 1);

	return right ? ALIGN_DOWN(page + PAGE_SIZE - size, KFENCE_ALIGN) : page;
}
/* LAB9: END */

void *kfence_alloc(size_t size)
{
	struct kfence_metadata *m;
	u64 irq, page;
	int i;

	if (!pool_ready || !size || size > PAGE_SIZE)
		return NULL;
	/*
	 * From the slot taken to the pointer returned the object is in flight: an overflow kill
	 * there would lose it (a panic instead, as in the slab under its lock).
	 */
	kill_disable();
	irq = spin_lock_irqsave(&kfence_lock);
	i = fifo_pop();
	if (i >= 0) {
		m = &kfence_meta[i];
		page = slot_page(i);
		m->state = KFENCE_ALLOCATED;
		m->size = size;
		m->addr = place_object(page, size);
		stats.allocations++;
		stats.in_use++;
	}
	spin_unlock_irqrestore(&kfence_lock, irq);
	if (i < 0) {
		kill_enable();
		return NULL;
	}
	save_track(&m->alloc);
	m->free.nr = 0;
	set_kernel_page_present(page, true);
	fill_pattern(page);
	kill_enable();
	return (void *)m->addr;
}

void *kfence_sample_alloc(size_t size)
{
	void *p;

	/* Sampling: of the CPUs that found the gate open, the one that closes it takes the sample.
	 */
	if (!guard_all && __atomic_exchange_n(&kfence_allocation_gate, 1, __ATOMIC_RELAXED))
		return NULL;
	p = kfence_alloc(size);
	if (!p && guard_all)
		__atomic_fetch_add(&stats.fallbacks, 1, __ATOMIC_RELAXED);
	return p;
}

/* Is this return address inside the allocator, which a report skips to show its caller? */
static bool allocator_frame(u64 addr)
{
	static const char *const prefixes[] = { "kfence_", "kmalloc", "kzalloc", "kfree",
						"save_track" };
	const char *name;
	u64 off, size;
	unsigned int i;

	if (!ksym_lookup(addr - 1, &name, &off, &size))
		return false;
	for (i = 0; i < ARRAY_SIZE(prefixes); i++) {
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	}
	return false;
}

static int first_caller(const u64 *stack, int nr)
{
	int i = 0;

	while (i < nr - 1 && allocator_frame(stack[i]))
		i++;
	return i;
}

static void print_track(const char *what, const struct kfence_track *t)
{
	int first = first_caller(t->stack, t->nr);

	printk(KERN_EMERG "%s by CPU %u:\n", what, t->cpu);
	stack_trace_print(t->stack + first, t->nr - first);
}

static void print_object(const struct kfence_metadata *m)
{
	printk(KERN_EMERG "\nkfence-#%d: %#lx-%#lx, size=%u, cache=kmalloc\n\n", slot_index(m),
	       m->addr, m->addr + m->size - 1, m->size);
	print_track("allocated", &m->alloc);
	if (m->state == KFENCE_FREED) {
		printk(KERN_EMERG "\n");
		print_track("freed", &m->free);
	}
}

static void report_title(const char *what, const char *func_of, u64 addr)
{
	const char *name;
	u64 off, size;

	printk(KERN_EMERG "==================================================================\n");
	if (func_of)
		printk(KERN_EMERG "BUG: KFENCE: %s in %s\n\n", what, func_of);
	else if (ksym_lookup(addr, &name, &off, &size))
		printk(KERN_EMERG "BUG: KFENCE: %s in %s\n\n", what, name);
	else
		printk(KERN_EMERG "BUG: KFENCE: %s in %#lx\n\n", what, addr);
}

static void report_end(void)
{
	printk(KERN_EMERG "==================================================================\n");
}

/*
 * Which object a fault in a guard page belongs to: the nearer of its two neighbours, an
 * allocated one before a free one (Linux does the same).
 */
static struct kfence_metadata *guard_owner(u64 addr, bool *right_of)
{
	struct kfence_metadata *below = slot_of(addr - PAGE_SIZE),
			       *above = slot_of(addr + PAGE_SIZE);
	u64 dist_below = below ? addr - (below->addr + below->size) : ~0UL;
	u64 dist_above = above ? above->addr - addr : ~0UL;

	if (below && above &&
	    (below->state == KFENCE_ALLOCATED) != (above->state == KFENCE_ALLOCATED))
		*right_of = below->state == KFENCE_ALLOCATED;
	else
		*right_of = dist_below <= dist_above;
	return *right_of ? below : above;
}

bool kfence_report_fault(u64 addr, bool is_write, u64 ip)
{
	const char *rw = is_write ? "write" : "read";
	struct kfence_metadata *m;
	char title[40];
	bool right_of;

	if (!is_kfence_address((void *)addr))
		return false;
	__atomic_fetch_add(&stats.faults, 1, __ATOMIC_RELAXED);
	m = slot_of(addr);
	if (m && m->state == KFENCE_FREED) {
		snprintf(title, sizeof(title), "use-after-free %s", rw);
		report_title(title, NULL, ip);
		printk(KERN_EMERG "Use-after-free %s at %#lx (in kfence-#%d):\n", rw, addr,
		       slot_index(m));
	} else if (!m && (m = guard_owner(addr, &right_of)) && m->state != KFENCE_UNUSED) {
		snprintf(title, sizeof(title), "out-of-bounds %s", rw);
		report_title(title, NULL, ip);
		printk(KERN_EMERG "Out-of-bounds %s at %#lx (%luB %s of kfence-#%d):\n", rw, addr,
		       right_of ? addr - (m->addr + m->size) + 1 : m->addr - addr,
		       right_of ? "right" : "left", slot_index(m));
	} else {
		snprintf(title, sizeof(title), "invalid %s", rw);
		report_title(title, NULL, ip);
		printk(KERN_EMERG "Invalid %s at %#lx (no object there)\n", rw, addr);
		report_end();
		return true;
	}
	print_object(m);
	report_end();
	return true;
}

/* A bad free: reported with the object's history and this free's stack; the pool is unchanged. */
static void report_bad_free(const struct kfence_metadata *m, u64 addr, const char *why)
{
	struct kfence_track now;
	char fn[96];
	const char *name;
	u64 off, size;
	int first;

	save_track(&now);
	first = first_caller(now.stack, now.nr);
	if (now.nr && ksym_lookup(now.stack[first] - 1, &name, &off, &size))
		strlcpy(fn, name, sizeof(fn));
	else
		strlcpy(fn, "?", sizeof(fn));
	__atomic_fetch_add(&stats.bad_frees, 1, __ATOMIC_RELAXED);
	report_title("invalid free", fn, 0);
	printk(KERN_EMERG "Invalid free of %#lx (%s):\n", addr, why);
	stack_trace_print(now.stack + first, now.nr - first);
	if (m && m->state != KFENCE_UNUSED)
		print_object(m);
	report_end();
}

static void report_corruption(const struct kfence_metadata *m, u64 bad)
{
	const char *name;
	u64 off, size, a;
	int first = first_caller(m->free.stack, m->free.nr);

	__atomic_fetch_add(&stats.corruptions, 1, __ATOMIC_RELAXED);
	if (m->free.nr && ksym_lookup(m->free.stack[first] - 1, &name, &off, &size))
		report_title("memory corruption", name, 0);
	else
		report_title("memory corruption", "?", 0);
	printk(KERN_EMERG "Corrupted memory at %#lx [", bad);
	for (a = bad; a < bad + 16 && a < ALIGN_DOWN(bad, PAGE_SIZE) + PAGE_SIZE; a++) {
		if (a >= m->addr && a < m->addr + m->size)
			break;
		if (*(u8 *)a != kfence_canary(a))
			printk(KERN_CONT " 0x%02x", *(u8 *)a);
		else
			printk(KERN_CONT " .");
	}
	printk(KERN_CONT " ] (in kfence-#%d, %ldB %s it):\n", slot_index(m),
	       bad < m->addr ? (long)(m->addr - bad) : (long)(bad - (m->addr + m->size) + 1),
	       bad < m->addr ? "left of" : "right of");
	print_object(m);
	report_end();
}

void kfence_free(const void *ptr)
{
	struct kfence_metadata *m = slot_of((u64)ptr);
	u64 addr = (u64)ptr, irq, bad;
	enum kfence_state was = KFENCE_UNUSED;

	/* Marked freed until it is back in the quarantine: no kill may lose the slot between. */
	kill_disable();
	irq = spin_lock_irqsave(&kfence_lock);
	if (m)
		was = m->state;
	if (m && was == KFENCE_ALLOCATED && m->addr == addr)
		m->state = KFENCE_FREED; /* ours now: a second free of it is a double free */
	spin_unlock_irqrestore(&kfence_lock, irq);
	if (!m || was != KFENCE_ALLOCATED || m->addr != addr) {
		report_bad_free(m, addr,
				m && was == KFENCE_FREED && m->addr == addr
					? "double free: the object was freed already"
				: m && was == KFENCE_ALLOCATED ? "not the start of the object"
							       : "no object there");
		kill_enable();
		return;
	}
	save_track(&m->free);
	/* LAB9: BEGIN check the slack, take the page away, then give the slot to the quarantine */
	bad = slack_corrupted(m);
	if (bad)
		report_corruption(m, bad);
	set_kernel_page_present(ALIGN_DOWN(addr, PAGE_SIZE), false);
	irq = spin_lock_irqsave(&kfence_lock);
	fifo_push(slot_index(m));
	stats.frees++;
	stats.in_use--;
	spin_unlock_irqrestore(&kfence_lock, irq);
	/* LAB9: END */
	kill_enable();
}

void kfence_get_stats(struct kfence_stats *st)
{
	*st = stats;
	st->interval_ms = interval_ms;
	st->all = guard_all;
}
