#include "mm/page_alloc.h"
#include "mm/fail.h"
#include "mm/page_poison.h"
#include "arch/x86_64/asm/irqflags.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/stacktrace.h"
#include "kernel/printk/printk.h"
#include "kernel/locking/spinlock.h"
#include "kernel/lib/string.h"

extern u8 _kernel_phys_start[], _kernel_end[];

u64 max_phys_addr;
static struct buddy_zone zone;
static DEFINE_SPINLOCK(zone_lock);
static u64 bad_frees;
/* Calls of free_pages_bulk() and the pages they freed: each call is one round trip. */
static u64 bulk_free_calls, bulk_free_pages;

static u64 find_max_phys(const struct memmap *map)
{
	u64 max = 0;
	u32 i;

	for (i = 0; i < map->nr_regions; i++) {
		if (map->regions[i].type == MEM_RAM && map->regions[i].end > max)
			max = map->regions[i].end;
	}
	return ALIGN_DOWN(max, PAGE_SIZE);
}

static bool overlaps(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

/* The first address from `at` on where size bytes clash with neither the kernel nor a reserve. */
static u64 step_past_in_use(const struct memmap *map, u64 at, u64 size)
{
	u64 kstart = (u64)_kernel_phys_start, kend = (u64)_kernel_end - KERNEL_VMA;
	bool moved = true;
	u32 i;

	/* Each step moves `at` up past one range, so at most nr_reserved + 1 rounds move it. */
	while (moved) {
		moved = false;
		if (overlaps(at, size, kstart, kend - kstart)) {
			at = ALIGN_UP(kend, PAGE_SIZE);
			moved = true;
		}
		for (i = 0; i < map->nr_reserved; i++) {
			const struct mem_region *r = &map->reserved[i];

			if (overlaps(at, size, r->start, r->end - r->start)) {
				at = ALIGN_UP(r->end, PAGE_SIZE);
				moved = true;
			}
		}
	}
	return at;
}

/*
 * The page map (one struct page per page frame) needs memory before there is an allocator: take
 * it from the first usable region, below `limit`, that clashes with nothing already in use.
 */
static u64 place_page_map(const struct memmap *map, u64 size, u64 limit)
{
	u32 i;

	for (i = 0; i < map->nr_regions; i++) {
		const struct mem_region *r = &map->regions[i];
		u64 at;

		if (r->type != MEM_RAM)
			continue;
		at = step_past_in_use(map, ALIGN_UP(MAX(r->start, 0x100000UL), PAGE_SIZE), size);
		if (at + size <= r->end && at + size <= limit)
			return at;
	}
	panic("mm: no room below %#lx for the page map (%lu KiB)", limit, size >> 10);
}

static void add_ram(const struct memmap *map, u64 from, u64 to)
{
	u32 i;

	for (i = 0; i < map->nr_regions; i++) {
		const struct mem_region *r = &map->regions[i];
		u64 start = ALIGN_UP(MAX(r->start, from), PAGE_SIZE);
		u64 end = ALIGN_DOWN(MIN(r->end, to), PAGE_SIZE);

		if (r->type == MEM_RAM && start < end)
			buddy_add_range(&zone, start >> PAGE_SHIFT, (end - start) >> PAGE_SHIFT);
	}
}

static void reserve(u64 start, u64 end)
{
	start = ALIGN_DOWN(start, PAGE_SIZE);
	end = ALIGN_UP(end, PAGE_SIZE);
	buddy_reserve_range(&zone, start >> PAGE_SHIFT, (end - start) >> PAGE_SHIFT);
}

void page_alloc_init(const struct memmap *map, u64 limit)
{
	u64 span, map_size, map_phys;
	u32 i;

	max_phys_addr = find_max_phys(map);
	if (!max_phys_addr)
		panic("mm: the memory map has no usable RAM");
	span = max_phys_addr >> PAGE_SHIFT;
	map_size = ALIGN_UP(span * sizeof(struct page), PAGE_SIZE);
	map_phys = place_page_map(map, map_size, limit);
	buddy_init(&zone, phys_to_virt(map_phys), 0, span);

	/* What must never be handed out: BIOS area, kernel, boot information, modules, the map. */
	reserve(0, 0x100000);
	reserve((u64)_kernel_phys_start, (u64)_kernel_end - KERNEL_VMA);
	for (i = 0; i < map->nr_reserved; i++)
		reserve(map->reserved[i].start, map->reserved[i].end);
	reserve(map_phys, map_phys + map_size);
	add_ram(map, 0, limit);
	page_poison_init(span);
	pr_info("mm: %lu MiB of RAM up to %#lx; page map %lu KiB at %#lx\n",
		(buddy_managed_pages(&zone) * PAGE_SIZE) >> 20, max_phys_addr, map_size >> 10,
		map_phys);
}

void page_alloc_add_above(const struct memmap *map, u64 limit)
{
	u64 flags = spin_lock_irqsave(&zone_lock);

	add_ram(map, limit, ~0UL);
	spin_unlock_irqrestore(&zone_lock, flags);
}

/* The page frame number of a direct-map address. */
static u64 virt_to_page_pfn(const void *addr)
{
	return ((u64)addr - PAGE_OFFSET) >> PAGE_SHIFT;
}

/* ---------------------------------------------------------------- per-CPU page lists */

/*
 * Most allocations are single pages (vmalloc areas, stacks, page tables, slabs), and most are
 * freed again soon. Giving each back to the zone merges it with its buddies, only for the next
 * allocation to split a block again: a walk down and up the orders, under the zone lock, for
 * every page. So, as Linux does, each CPU parks up to PCP_HIGH freed pages on a list of its own
 * and hands them out again first. Only its own CPU touches a list, with interrupts off: no lock.
 * The zone lock is taken once per PCP_BATCH pages, to refill an empty list or drain a full one.
 *
 * A parked page is still allocated as far as the zone knows, marked PG_parked (mm/buddy.h), so
 * freeing it twice is still caught. It counts as free in nr_free_pages(); page_stats() gives
 * this CPU's parked pages back to the zone first, so meminfo shows memory fully merged.
 */
#define PCP_BATCH 16
#define PCP_HIGH  64

struct per_cpu_pages {
	u64 pfn[PCP_HIGH]; /* oldest first: the hot pages, freed last, are handed out first */
	unsigned int count;
};

static DEFINE_PER_CPU(struct per_cpu_pages, pcp_lists);

static struct per_cpu_pages *this_pcp(void)
{
	return this_cpu_ptr(&pcp_lists);
}

/* Give the n oldest parked pages back to the zone. Interrupts are off. */
static void pcp_drain(struct per_cpu_pages *pcp, unsigned int n)
{
	u64 flags = spin_lock_irqsave(&zone_lock);
	unsigned int i;

	for (i = 0; i < n; i++) {
		buddy_unpark(&zone, pcp->pfn[i]);
		buddy_free(&zone, pcp->pfn[i], 0);
	}
	spin_unlock_irqrestore(&zone_lock, flags);
	pcp->count -= n;
	memmove(pcp->pfn, pcp->pfn + n, pcp->count * sizeof(pcp->pfn[0]));
}

/* Refill an empty list with PCP_BATCH pages from the zone; false if it has none. */
static bool pcp_refill(struct per_cpu_pages *pcp)
{
	u64 flags = spin_lock_irqsave(&zone_lock);
	s64 pfn;

	while (pcp->count < PCP_BATCH) {
		pfn = buddy_alloc(&zone, 0);
		if (pfn == BUDDY_NO_PAGE)
			break;
		buddy_park(&zone, (u64)pfn);
		pcp->pfn[pcp->count++] = (u64)pfn;
	}
	spin_unlock_irqrestore(&zone_lock, flags);
	return pcp->count != 0;
}

/*
 * Take one page from the list, refilling it from the zone if it is empty. Interrupts are off.
 * Inline: alloc_pages_bulk() takes a stack's pages with it, one after another.
 */
static inline s64 pcp_take(struct per_cpu_pages *pcp)
{
	s64 pfn;

	if (!pcp->count && !pcp_refill(pcp))
		return BUDDY_NO_PAGE;
	pfn = (s64)pcp->pfn[--pcp->count];
	buddy_unpark(&zone, (u64)pfn);
	return pfn;
}

/*
 * Park one freed page; a refused free changes nothing and is returned. Interrupts are off. The
 * zone lock is not needed: only the page's owner changes the state of an allocated page.
 */
static int pcp_put(struct per_cpu_pages *pcp, u64 pfn)
{
	int err = buddy_park(&zone, pfn);

	if (err)
		return err;
	if (pcp->count == PCP_HIGH)
		pcp_drain(pcp, PCP_BATCH);
	pcp->pfn[pcp->count++] = pfn;
	return 0;
}

/* Give all of this CPU's parked pages back to the zone (Linux's drain_local_pages()). */
void drain_local_pages(void)
{
	u64 flags = local_irq_save();
	struct per_cpu_pages *pcp = this_pcp();

	if (pcp->count)
		pcp_drain(pcp, pcp->count);
	local_irq_restore(flags);
}

static u64 nr_parked_pages(void)
{
	u64 n = 0;
	int cpu;

	for_each_cpu_area(cpu) n += per_cpu(pcp_lists, cpu).count;
	return n;
}

/* ---------------------------------------------------------------- allocation and freeing */

static s64 zone_alloc(unsigned int order)
{
	u64 flags = spin_lock_irqsave(&zone_lock);
	s64 pfn = buddy_alloc(&zone, order);

	spin_unlock_irqrestore(&zone_lock, flags);
	return pfn;
}

void *alloc_pages(unsigned int order)
{
	u64 flags;
	s64 pfn;

	if (should_fail_alloc())
		return NULL;
	if (order == 0) {
		flags = local_irq_save();
		pfn = pcp_take(this_pcp());
		local_irq_restore(flags);
	} else {
		pfn = zone_alloc(order);
		/* Parked pages may be what a block is missing: merge them back and try again. */
		if (pfn == BUDDY_NO_PAGE && this_pcp()->count) {
			drain_local_pages();
			pfn = zone_alloc(order);
		}
	}
	if (pfn == BUDDY_NO_PAGE)
		return NULL;
	check_poisoned_pages(phys_to_virt((u64)pfn << PAGE_SHIFT), 1UL << order);
	return phys_to_virt((u64)pfn << PAGE_SHIFT);
}

void *get_zeroed_page(void)
{
	void *p = alloc_page();

	if (p)
		memset(p, 0, PAGE_SIZE);
	return p;
}

/* A refused free is a kernel bug: report it loudly, with who did it, and change nothing. */
static void report_bad_free(void *addr, unsigned int order, int err, u64 pfn)
{
	bad_frees++;
	pr_err("BUG: free_pages(%p, order %u): %s\n", addr, order, buddy_strerror(err));
	if (err == BUDDY_EORDER)
		pr_err("BUG: the block at pfn %#lx was allocated with order %u\n", pfn,
		       buddy_block_order(&zone, pfn));
	dump_stack();
}

void free_pages(void *addr, unsigned int order)
{
	u64 va = (u64)addr, pfn = (va - PAGE_OFFSET) >> PAGE_SHIFT, flags;
	int err;

	if (va < PAGE_OFFSET || va >= PAGE_OFFSET + max_phys_addr || !IS_ALIGNED(va, PAGE_SIZE)) {
		bad_frees++;
		pr_err("BUG: free_pages(%p, order %u): not a page-aligned direct-map address\n",
		       addr, order);
		dump_stack();
		return;
	}
	if (order == 0) {
		flags = local_irq_save();
		err = pcp_put(this_pcp(), pfn);
		/* Parked on this CPU's list: nobody can take it before interrupts are back on. */
		if (!err && page_poisoning)
			poison_pages(addr, 1);
		local_irq_restore(flags);
	} else {
		flags = spin_lock_irqsave(&zone_lock);
		err = buddy_free(&zone, pfn, order);
		if (!err && page_poisoning)
			poison_pages(addr, 1UL << order);
		spin_unlock_irqrestore(&zone_lock, flags);
	}
	if (err)
		report_bad_free(addr, order, err, pfn);
}

void split_pages(void *addr, unsigned int order)
{
	u64 flags = spin_lock_irqsave(&zone_lock);
	int err = buddy_split(&zone, virt_to_page_pfn(addr), order);

	spin_unlock_irqrestore(&zone_lock, flags);
	if (err) {
		pr_err("BUG: split_pages(%p, order %u): %s\n", addr, order, buddy_strerror(err));
		dump_stack();
	}
}

int alloc_pages_bulk(unsigned int n, void **pages)
{
	struct per_cpu_pages *pcp;
	unsigned int i;
	u64 flags;
	s64 pfn;

	flags = local_irq_save();
	pcp = this_pcp();
	for (i = 0; i < n; i++) {
		/* Each page is an allocation of its own, for failure injection too. */
		pfn = should_fail_alloc() ? BUDDY_NO_PAGE : pcp_take(pcp);
		if (pfn == BUDDY_NO_PAGE)
			break;
		pages[i] = phys_to_virt((u64)pfn << PAGE_SHIFT);
	}
	if (i < n) {
		/* All or nothing: give back what was taken. */
		while (i--)
			pcp_put(pcp, virt_to_page_pfn(pages[i]));
		local_irq_restore(flags);
		return -1;
	}
	local_irq_restore(flags);
	if (page_poisoning) {
		for (i = 0; i < n; i++)
			check_poisoned_pages(pages[i], 1);
	}
	return 0;
}

void free_pages_bulk(void **pages, unsigned int n)
{
	unsigned int i;
	u64 flags;
	int err;

	__atomic_fetch_add(&bulk_free_calls, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&bulk_free_pages, n, __ATOMIC_RELAXED);
	flags = local_irq_save();
	for (i = 0; i < n; i++) {
		err = pcp_put(this_pcp(), virt_to_page_pfn(pages[i]));
		if (!err && page_poisoning)
			poison_pages(pages[i], 1);
		if (err) {
			local_irq_restore(flags);
			report_bad_free(pages[i], 0, err, virt_to_page_pfn(pages[i]));
			flags = local_irq_save();
		}
	}
	local_irq_restore(flags);
}

void page_stats(struct page_stats *st)
{
	unsigned int o;
	u64 flags;

	drain_local_pages();
	flags = spin_lock_irqsave(&zone_lock);
	st->total = buddy_managed_pages(&zone);
	st->free = buddy_free_pages(&zone) + nr_parked_pages();
	st->reserved = buddy_reserved_pages(&zone);
	for (o = 0; o < NR_PAGE_ORDERS; o++)
		st->free_blocks[o] = buddy_nr_free_blocks(&zone, o);
	st->bad_frees = bad_frees;
	spin_unlock_irqrestore(&zone_lock, flags);
}

u64 nr_free_pages(void)
{
	return buddy_free_pages(&zone) + nr_parked_pages();
}

void page_free_batches(u64 *calls, u64 *pages)
{
	*calls = __atomic_load_n(&bulk_free_calls, __ATOMIC_RELAXED);
	*pages = __atomic_load_n(&bulk_free_pages, __ATOMIC_RELAXED);
}
