/*
 * The vmalloc range: virtually contiguous memory built from single physical pages, each area
 * with unmapped guard pages around it. Task stacks come from here (kernel/stack.c).
 */
#ifndef MM_VMALLOC_H
#define MM_VMALLOC_H

#include "mm/vmarea.h"

#define VMALLOC_GUARD_PAGES 1

/* One vmalloc area, as Linux's struct vm_struct. */
struct vm_struct {
	struct vmarea va;    /* where it is, with its guards */
	const char *purpose; /* shown by vmallocinfo: "vmalloc", "stack", ... */
	bool owns_pages; /* its pages are freed at its purge (vmalloc), or not (vmap, ioremap) */
	bool flush_now;	 /* vmap: the caller's pages, so every CPU's TLB is flushed at vunmap */
	bool freed;	 /* unmapped, waiting on the purge list to leave the tree */
	u64 held;	 /* freed: its pages, until the purge (physical, linked through each) */
	u64 nr_held;
	struct vm_struct *purge_next;
};

void vmalloc_init(void);

void *vmalloc(size_t size);
void *vzalloc(size_t size);
/* vmalloc with a chosen number of guard pages on each side and a label for vmallocinfo. */
void *vmalloc_guarded(size_t size, u32 guard_pages, const char *purpose, struct vm_struct **vm);
/* Map `count` existing pages (direct-map addresses) contiguously; vunmap/vfree keeps them. */
void *vmap(void **pages, u64 count);
void vfree(const void *addr);
/*
 * vfree() for a caller that already holds the area (vmalloc_guarded's vm): no search of the
 * area tree, so freeing costs the same however many areas exist (a task's stack).
 */
void vfree_area(struct vm_struct *vm);
/* Map physical device memory; iounmap() with the page-aligned address it lies in. */
void *ioremap(u64 phys, size_t size);
/* The same, mapped uncached (PCD, PWT): for device registers, such as the local APIC's. */
void *ioremap_nocache(u64 phys, size_t size);
void iounmap(const void *addr);
static inline void vunmap(const void *addr)
{
	vfree(addr);
}

struct vmalloc_stats {
	u64 nr_areas;
	u64 pages;	    /* mapped pages in all areas */
	u64 nr_lazy;	    /* freed areas whose range is not free yet (see vmalloc_purge()) */
	u64 held_pages;	    /* physical pages they hold until the purge's TLB shootdown */
	u64 nr_purges;	    /* purges since boot */
	u64 lazy_max_pages; /* a purge runs once this many pages of freed areas wait */
};
void vmalloc_stats(struct vmalloc_stats *st);
/*
 * Flush every freed area from every CPU's TLB, then take the areas out of the tree and give their
 * pages back, so their ranges, pages and vm_structs are free (Linux's vm_unmap_aliases()).
 * vfree() does it by itself once lazy_max_pages() pages wait (Linux's fls(online CPUs) x
 * 32 MiB, at most 1/32 of RAM); call it before counting
 * memory against a baseline. With interrupts off and other CPUs online it does nothing (no
 * shootdown is possible there): the areas wait for the next purge.
 */
void vmalloc_purge(void);
/*
 * Purge if enough waits and this caller can: what frees made with interrupts off on SMP could
 * not do themselves. Every allocation starts with it.
 */
void vmalloc_purge_if_due(void);
void vmallocinfo(void);
/* The AVL tree of vmalloc areas, one line an area, indented by depth (shell: vmtree). */
void vmalloc_show_tree(void);

#endif
