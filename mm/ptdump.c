/*
 * The page-table dump behind the `ptdump` shell command: walk the four levels of the kernel
 * half and merge neighbouring pages that look the same into one run. See mm/ptdump.h.
 */
#include "mm/ptdump.h"
#include "arch/x86_64/paging.h"
#include "kernel/printk/printk.h"

/* LAB1: BEGIN walk the kernel half of the page tables and report runs of like pages */

/* The walk's state: the run being built, and where finished runs go. */
struct ptdump_state {
	struct ptdump_range run;
	bool started;
	ptdump_fn fn;
	void *ctx;
};

/* Bytes one entry maps at each level: 4 KiB at level 1, 2 MiB at 2, 1 GiB at 3, 512 GiB at 4. */
static u64 entry_span(int level)
{
	return 1UL << (PT_SHIFT + 9 * (level - 1));
}

/*
 * Add [va, va + size) with these flags and this page size: it extends the current run if it
 * continues it exactly; otherwise the current run is finished and a new one begins.
 */
static void note_pages(struct ptdump_state *st, u64 va, u64 size, u64 flags, int level)
{
	struct ptdump_range *r = &st->run;

	if (st->started && r->end == va && r->flags == flags && r->level == level) {
		r->end = va + size; /* 0 once the run reaches the top of the address space */
		return;
	}
	if (st->started)
		st->fn(r, st->ctx);
	r->start = va;
	r->end = va + size;
	r->flags = flags;
	r->level = level;
	st->started = true;
}

/*
 * Rights only shrink on the way down: a level can take away write or user access but never give
 * it back, and one NX bit anywhere on the path makes the page no-execute.
 */
static u64 combine_rights(u64 rights, pte_t e)
{
	return (rights & e & (PTE_WRITE | PTE_USER)) | ((rights | e) & PTE_NX);
}

/* Report what entry e, at `level` and covering the addresses from va on, maps. */
static void walk_entry(struct ptdump_state *st, pte_t e, int level, u64 va, u64 rights)
{
	const pte_t *table;
	int i;

	if (!(e & PTE_PRESENT)) {
		note_pages(st, va, entry_span(level), 0, 0);
		return;
	}
	rights = combine_rights(rights, e);
	/* A PT entry maps a 4 KiB page; a PD or PDPT entry with PS set maps a huge page. */
	if (level == 1 || (level <= 3 && (e & PTE_HUGE))) {
		note_pages(st, va, entry_span(level), PTE_PRESENT | rights | (e & PTE_GLOBAL),
			   level);
		return;
	}
	table = phys_to_virt(e & PTE_ADDR_MASK);
	for (i = 0; i < PT_ENTRIES; i++)
		walk_entry(st, table[i], level - 1, va + i * entry_span(level - 1), rights);
}

void ptdump_walk(u64 pml4_pa, ptdump_fn fn, void *ctx)
{
	struct ptdump_state st = { .fn = fn, .ctx = ctx };
	const pte_t *pml4 = phys_to_virt(pml4_pa);
	int i;

	/*
	 * The kernel half is PML4 entries 256..511. Their addresses are sign-extended: entry 256
	 * starts at KERNEL_HALF_START, not at 256 * 512 GiB.
	 */
	for (i = PT_ENTRIES / 2; i < PT_ENTRIES; i++)
		walk_entry(&st, pml4[i], 4,
			   KERNEL_HALF_START + (i - PT_ENTRIES / 2) * entry_span(4),
			   PTE_WRITE | PTE_USER);
	if (st.started)
		fn(&st.run, ctx);
}
/* LAB1: END */
