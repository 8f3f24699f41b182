/*
 * x86-64 4-level paging: page-table entry bits and a read-only walker. mm/ builds and changes
 * page tables with these; arch/ code only reads them. Where things are: memlayout.h.
 */
#ifndef ARCH_PAGING_H
#define ARCH_PAGING_H

#include "arch/x86_64/memlayout.h"
#include "kernel/lib/types.h"

#define PTE_PRESENT   (1UL << 0)
#define PTE_WRITE     (1UL << 1)
#define PTE_USER      (1UL << 2)
#define PTE_PWT	      (1UL << 3)
#define PTE_PCD	      (1UL << 4)
#define PTE_ACCESSED  (1UL << 5)
#define PTE_DIRTY     (1UL << 6)
#define PTE_HUGE      (1UL << 7) /* PS: a 1 GiB (PDPT) or 2 MiB (PD) page */
#define PTE_GLOBAL    (1UL << 8)
#define PTE_NX	      (1UL << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000UL

#define PT_ENTRIES 512
#define PML4_SHIFT 39
#define PDPT_SHIFT 30
#define PD_SHIFT   21
#define PT_SHIFT   12
#define HUGE_2M	   (1UL << PD_SHIFT)
#define HUGE_1G	   (1UL << PDPT_SHIFT)

typedef u64 pte_t;

/*
 * The entry bits this CPU implements (Linux: __supported_pte_mask): cpu_detect() takes out NX
 * on a CPU without it, where bit 63 is reserved and any access through a present entry that
 * sets it faults - in the kernel's own tables, a triple fault - and G without global pages.
 * Every entry the kernel writes is made by pfn_pte(), which drops the bits not in the mask.
 */
extern u64 __supported_pte_mask;

/* The entry for page frame pfn with the rights prot, less the bits this CPU does not have. */
static inline pte_t pfn_pte(u64 pfn, u64 prot)
{
	return ((pfn << PAGE_SHIFT) & PTE_ADDR_MASK) | (prot & __supported_pte_mask);
}

static inline unsigned int pt_index(u64 va, int level)
{
	/* level 4 = PML4, 3 = PDPT, 2 = PD, 1 = PT */
	return (va >> (PT_SHIFT + 9 * (level - 1))) & (PT_ENTRIES - 1);
}

static inline void *phys_to_virt(u64 pa)
{
	return (void *)(pa + PAGE_OFFSET);
}

static inline bool is_canonical(u64 va)
{
	return (u64)((s64)(va << 16) >> 16) == va;
}

/* One step of a translation, for pagewalk and for students. */
struct pt_walk {
	u64 va;
	int levels;	 /* how many levels were visited (1..4) */
	u64 entry[4];	 /* entry[0] is the PML4 entry, entry[3] the PT entry */
	u64 table_pa[4]; /* physical address of the table each entry came from */
	int leaf_level;	 /* 4..1 of the entry that mapped the page, or 0 if not mapped */
	u64 pa;		 /* the physical address va translates to, if mapped */
};

/* Walk the tables rooted at pml4_pa for va; returns true if va is mapped. Never faults. */
bool pt_walk(u64 pml4_pa, u64 va, struct pt_walk *w);
/* Is va mapped in the current address space? Used by the backtrace to stay safe. */
bool kernel_page_mapped(u64 va);

#endif
