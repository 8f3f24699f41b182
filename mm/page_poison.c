/*
 * Page poisoning: see mm/page_poison.h. A bit per page frame says "freed and poisoned since":
 * only such a page is checked when it is handed out, since pages that were never freed (boot
 * memory) hold whatever the firmware left. The bitmap comes from the page allocator at boot.
 */
#include "mm/page_poison.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/stacktrace.h"
#include "kernel/printk/printk.h"
#include "kernel/lib/string.h"
#include "mm/page_alloc.h"

bool page_poisoning;
static u64 *poisoned; /* a bit per page frame: filled with PAGE_POISON when it was freed */
static u64 nr_frames;
static u64 poison_errors;

void page_poison_enable(void)
{
	page_poisoning = true;
}

bool page_poison_init(u64 span_pages)
{
	u64 bytes = ALIGN_UP((span_pages + 7) / 8, PAGE_SIZE);
	unsigned int order = 0;

	if (!page_poisoning)
		return false;
	while ((PAGE_SIZE << order) < bytes)
		order++;
	poisoned = alloc_pages(order);
	if (!poisoned) {
		page_poisoning = false;
		pr_warn("mm: page_poison: no memory for its bitmap; poisoning is off\n");
		return false;
	}
	memset(poisoned, 0, PAGE_SIZE << order);
	nr_frames = span_pages;
	pr_info("mm: page_poison: freed pages are poisoned, and checked when allocated\n");
	return true;
}

static u64 frame_of(const void *addr)
{
	return ((u64)addr - PAGE_OFFSET) >> PAGE_SHIFT;
}

void poison_pages(void *addr, u64 n)
{
	u64 pfn = frame_of(addr), i;

	if (!poisoned)
		return;
	memset(addr, PAGE_POISON, n * PAGE_SIZE);
	for (i = pfn; i < pfn + n && i < nr_frames; i++)
		__atomic_fetch_or(&poisoned[i / 64], 1UL << (i % 64), __ATOMIC_RELAXED);
}

/* The first byte of the page that is not PAGE_POISON, or PAGE_SIZE if none. */
static u64 first_unpoisoned(const u8 *page)
{
	const u64 *w = (const u64 *)page;
	u64 i, b;

	for (i = 0; i < PAGE_SIZE / 8; i++) {
		if (w[i] == 0xaaaaaaaaaaaaaaaaUL)
			continue;
		for (b = i * 8; page[b] == PAGE_POISON; b++)
			;
		return b;
	}
	return PAGE_SIZE;
}

static void check_page(u8 *page, u64 pfn)
{
	u64 bad = first_unpoisoned(page);

	if (bad == PAGE_SIZE)
		return;
	poison_errors++;
	pr_err("BUG: page_poison: page %#lx (pfn %#lx) was written after it was freed: at offset "
	       "%#lx the word is %#lx, not the poison %#x\n",
	       (u64)page, pfn, bad, *(u64 *)(page + ALIGN_DOWN(bad, 8)), PAGE_POISON);
	dump_stack();
}

void check_poisoned_pages(void *addr, u64 n)
{
	u64 pfn = frame_of(addr), i, bit;

	if (!poisoned)
		return;
	for (i = 0; i < n && pfn + i < nr_frames; i++) {
		bit = 1UL << ((pfn + i) % 64);
		if (__atomic_fetch_and(&poisoned[(pfn + i) / 64], ~bit, __ATOMIC_RELAXED) & bit)
			check_page((u8 *)addr + i * PAGE_SIZE, pfn + i);
	}
}

u64 page_poison_errors(void)
{
	return poison_errors;
}
