/*
 * The kernel's page tables: built once at boot to replace the boot tables, then changed only
 * in the vmalloc range, 4 KiB page by page.
 */
#ifndef MM_PGTABLE_H
#define MM_PGTABLE_H

#include "arch/x86_64/paging.h"
#include "mm/memmap.h"

/* Physical address of the kernel's PML4; every future address space copies its top half. */
extern u64 kernel_pml4_phys;

/* Build the kernel image mapping and the direct map of all RAM, then switch CR3 to them. */
void paging_init(const struct memmap *map);

/* Rights as Linux names them; pfn_pte() drops what the CPU lacks (NX, G) when they are used. */
#define PAGE_KERNEL	  (PTE_PRESENT | PTE_WRITE | PTE_GLOBAL | PTE_NX)
#define PAGE_KERNEL_LARGE (PAGE_KERNEL | PTE_HUGE)

/* Map one 4 KiB page in the kernel half; 0, -ENOMEM (no memory for a table), -EBUSY (mapped). */
int map_kernel_page(u64 va, u64 pa, u64 flags);
/*
 * Map npages 4 KiB pages from va on, the i-th at physical pa[i], with one walk per page table;
 * 0, or -ENOMEM / -EBUSY as map_kernel_page() when it stopped. *mapped: how many it mapped, from
 * va on.
 */
int map_kernel_range(u64 va, u64 npages, const u64 *pa, u64 flags, u64 *mapped);
/*
 * Unmap npages 4 KiB pages from va on and flush them from this CPU's TLB; put_page (may be NULL)
 * gets the physical address of every page that was mapped. Other CPUs may still hold those
 * translations: before the pages or the range go to anyone else, flush_tlb_kernel_range()
 * (mm/tlbflush.h) must clean every CPU's TLB. Page tables left empty stay (see mm/pgtable.c).
 */
void unmap_kernel_range(u64 va, u64 npages, void (*put_page)(u64 pa, void *ctx), void *ctx);
/* Page tables made for the vmalloc range since boot: kept for good, memory that never returns. */
u64 vmalloc_page_tables(void);
/*
 * Which of the npages (at most 64) pages from va on have their PTE's dirty bit set: bit i for
 * page i. With clear, the bits are also cleared and the pages' TLB entries flushed on this CPU,
 * so that its next write through them sets the bit again. Another CPU may still cache an entry
 * that says dirty: the caller must have it flush before it writes there (kernel/stack.c).
 */
u64 kernel_range_dirty(u64 va, u64 npages, bool clear);
/*
 * Set or clear the present bit of va's 4 KiB PTE, keeping the frame in it (KFENCE protects and
 * unprotects its objects' pages so). Clearing flushes this CPU's TLB only. False if va has no
 * 4 KiB PTE with a frame.
 */
bool set_kernel_page_present(u64 va, bool present);
/* Translate va in the kernel's tables; false if not mapped. */
bool lookup_kernel_page(u64 va, u64 *pa, u64 *entry);

/*
 * Physical address of a direct-map or kernel-image address. Anything else (vmalloc memory above
 * all) is not physically contiguous and must never reach a device: reported, and ~0 returned.
 */
u64 virt_to_phys(const void *addr);

#define PHYS_ADDR_INVALID (~0UL)

#endif
