#include "mm/page_alloc.h"
#include "mm/fail.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/stacktrace.h"
#include "kernel/printk/printk.h"
#include "kernel/locking/spinlock.h"
#include "kernel/lib/string.h"

extern u8 _kernel_phys_start[], _kernel_end[];

u64 max_phys_addr;
static struct buddy_zone zone;
static DEFINE_SPINLOCK(zone_lock);
static u64 bad_frees;

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

void *alloc_pages(unsigned int order)
{
	u64 flags;
	s64 pfn;

	if (should_fail_alloc())
		return NULL;
	flags = spin_lock_irqsave(&zone_lock);
	pfn = buddy_alloc(&zone, order);

	spin_unlock_irqrestore(&zone_lock, flags);
	if (pfn == BUDDY_NO_PAGE)
		return NULL;
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
	u64 va = (u64)addr, flags;
	int err;

	if (va < PAGE_OFFSET || va >= PAGE_OFFSET + max_phys_addr || !IS_ALIGNED(va, PAGE_SIZE)) {
		bad_frees++;
		pr_err("BUG: free_pages(%p, order %u): not a page-aligned direct-map address\n",
		       addr, order);
		dump_stack();
		return;
	}
	flags = spin_lock_irqsave(&zone_lock);
	err = buddy_free(&zone, (va - PAGE_OFFSET) >> PAGE_SHIFT, order);
	spin_unlock_irqrestore(&zone_lock, flags);
	if (err)
		report_bad_free(addr, order, err, (va - PAGE_OFFSET) >> PAGE_SHIFT);
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
	unsigned int i;
	u64 flags;
	s64 pfn;

	flags = spin_lock_irqsave(&zone_lock);
	for (i = 0; i < n; i++) {
		/* Each page is an allocation of its own, for failure injection too. */
		pfn = should_fail_alloc() ? BUDDY_NO_PAGE : buddy_alloc(&zone, 0);
		if (pfn == BUDDY_NO_PAGE)
			break;
		pages[i] = phys_to_virt((u64)pfn << PAGE_SHIFT);
	}
	if (i < n) {
		/* All or nothing: give back what was taken. */
		while (i--)
			buddy_free(&zone, (virt_to_page_pfn(pages[i])), 0);
	}
	spin_unlock_irqrestore(&zone_lock, flags);
	return i == n ? 0 : -1;
}

void free_pages_bulk(void **pages, unsigned int n)
{
	unsigned int i;
	u64 flags;
	int err;

	flags = spin_lock_irqsave(&zone_lock);
	for (i = 0; i < n; i++) {
		err = buddy_free(&zone, virt_to_page_pfn(pages[i]), 0);
		if (err) {
			spin_unlock_irqrestore(&zone_lock, flags);
			report_bad_free(pages[i], 0, err, virt_to_page_pfn(pages[i]));
			flags = spin_lock_irqsave(&zone_lock);
		}
	}
	spin_unlock_irqrestore(&zone_lock, flags);
}

void page_stats(struct page_stats *st)
{
	u64 flags = spin_lock_irqsave(&zone_lock);
	unsigned int o;

	st->total = buddy_managed_pages(&zone);
	st->free = buddy_free_pages(&zone);
	st->reserved = buddy_reserved_pages(&zone);
	for (o = 0; o < NR_PAGE_ORDERS; o++)
		st->free_blocks[o] = buddy_nr_free_blocks(&zone, o);
	st->bad_frees = bad_frees;
	spin_unlock_irqrestore(&zone_lock, flags);
}

u64 nr_free_pages(void)
{
	return buddy_free_pages(&zone);
}
