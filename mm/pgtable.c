#include "mm/pgtable.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/asm/msr.h"
#include "arch/x86_64/asm/processor-flags.h"
#include "arch/x86_64/asm/special_insns.h"
#include "arch/x86_64/stacktrace.h"
#include "kernel/printk/printk.h"
#include "kernel/lib/errno.h"
#include "kernel/lib/string.h"
#include "kernel/locking/spinlock.h"
#include "mm/page_alloc.h"
#include "mm/test_hooks.h"
#include "mm/tlbflush.h"

extern u8 _text[], _etext[], _rodata[], _erodata[], _data[], _ebss[], _ksyms[], _kernel_end[];

u64 kernel_pml4_phys;
static pte_t *kernel_pml4;

static u64 table_phys(const void *table)
{
	return (u64)table - PAGE_OFFSET;
}

static pte_t *new_table(void)
{
	pte_t *t = get_zeroed_page();

	if (!t)
		panic("mm: out of memory for page tables");
	return t;
}

/*
 * kernel_pt_lock (Linux: init_mm.page_table_lock) is held for every change of the kernel's page
 * tables after boot and for every walk that could race with one: a task preempted in the middle
 * of a walk could otherwise write a PTE into a page table that another task has just emptied
 * and freed, or two tasks could both install a table for the same missing entry, one of them
 * (and its mappings) lost.
 */
static DEFINE_SPINLOCK(kernel_pt_lock);

/*
 * Page tables of the vmalloc range are made on demand and never freed (as in Linux, where
 * vunmap leaves the kernel's page tables in place). Why: a freed table would have to wait for
 * a shootdown before its page could be reused (another CPU's paging-structure caches may still
 * point into it), and a stack alone in its 2 MiB region would pay a table's allocation, zeroing
 * and free each time. Kept, they cost at most one page per 2 MiB of the range ever used at
 * once. User page tables are another matter: mm/user_mm.c frees them with their address space.
 */
static u64 nr_vmalloc_tables; /* under kernel_pt_lock */

u64 vmalloc_page_tables(void)
{
	return __atomic_load_n(&nr_vmalloc_tables, __ATOMIC_RELAXED);
}

/* Called between allocating a table and installing it, with the lock free (tests only). */
void (*pgtable_test_hook)(u64 va);
/*
 * Called where a walk has found the entry it will write, before the write (tests only): the
 * point where, without the lock, a preempted mapper held a pointer into a table that another
 * task could empty and free.
 */
void (*pgtable_walked_test_hook)(u64 va);

/*
 * Under the lock: the entry for va at `level` (3 = PDPT ... 1 = PT). NULL if a table is missing
 * on the way (*missing: the upper entry that must point to a new one) or if a huge page is in
 * the way (*missing = NULL).
 */
static pte_t *walk_locked(u64 va, int level, pte_t **missing)
{
	pte_t *table = kernel_pml4;
	int l;

	*missing = NULL;
	for (l = 4; l > level; l--) {
		pte_t *e = &table[pt_index(va, l)];

		if (!(*e & PTE_PRESENT)) {
			*missing = e;
			return NULL;
		}
		if (*e & PTE_HUGE)
			return NULL;
		table = phys_to_virt(*e & PTE_ADDR_MASK);
	}
	return &table[pt_index(va, level)];
}

/*
 * The entry for va at `level`, creating missing tables on the way; returns with kernel_pt_lock
 * held (*flags for the unlock), the entry NULL if a table could not be allocated or a huge page
 * is in the way. A table is allocated with the lock free (as Linux's __pte_alloc), then
 * installed only if the entry is still missing: someone else's table wins, and ours goes back.
 */
static pte_t *walk_create(u64 va, int level, u64 *flags)
{
	for (;;) {
		pte_t *missing, *e, *t;

		*flags = spin_lock_irqsave(&kernel_pt_lock);
		e = walk_locked(va, level, &missing);
		if (e && pgtable_walked_test_hook)
			pgtable_walked_test_hook(va);
		if (e || !missing)
			return e;
		spin_unlock_irqrestore(&kernel_pt_lock, *flags);
		t = get_zeroed_page();
		if (pgtable_test_hook)
			pgtable_test_hook(va);
		*flags = spin_lock_irqsave(&kernel_pt_lock);
		if (!t)
			return NULL;
		/* Walk again: the upper tables may have changed while the lock was free. */
		e = walk_locked(va, level, &missing);
		if (missing) {
			/* Upper levels allow everything; the leaf entry decides the rights. */
			*missing = pfn_pte(table_phys(t) >> PAGE_SHIFT, PTE_PRESENT | PTE_WRITE);
			t = NULL;
			if (va >= VMALLOC_START && va < VMALLOC_END)
				nr_vmalloc_tables++;
		}
		spin_unlock_irqrestore(&kernel_pt_lock, *flags);
		if (t)
			free_page(t);
	}
}

int map_kernel_page(u64 va, u64 pa, u64 flags)
{
	u64 irq;
	pte_t *pte = walk_create(va, 1, &irq);
	int err = 0;

	if (!pte)
		err = -ENOMEM;
	else if (*pte & PTE_PRESENT)
		err = -EBUSY;
	else
		/* A new entry replaces a not-present one: no stale TLB entry, so no flush. */
		*pte = pfn_pte(pa >> PAGE_SHIFT, flags);
	spin_unlock_irqrestore(&kernel_pt_lock, irq);
	return err;
}

bool set_kernel_page_present(u64 va, bool present)
{
	pte_t *missing, *pte;
	u64 irq = spin_lock_irqsave(&kernel_pt_lock);
	bool ok;

	pte = walk_locked(va, 1, &missing);
	ok = pte && (*pte & PTE_ADDR_MASK);
	if (ok && present)
		*pte |= PTE_PRESENT;
	else if (ok)
		*pte &= ~PTE_PRESENT;
	spin_unlock_irqrestore(&kernel_pt_lock, irq);
	/* Not present to present needs no flush: a CPU never caches an absent entry. */
	if (ok && !present)
		invlpg(va);
	return ok;
}

int map_kernel_range(u64 va, u64 npages, const u64 *pa, u64 flags, u64 *mapped)
{
	u64 i = 0, irq;

	*mapped = 0;
	while (i < npages) {
		/* One walk per page table: the entries up to the next 2 MiB boundary follow it. */
		pte_t *pte = walk_create(va + i * PAGE_SIZE, 1, &irq);
		u64 end = MIN(npages, i + PT_ENTRIES - pt_index(va + i * PAGE_SIZE, 1));
		int err = pte ? 0 : -ENOMEM;

		for (; !err && i < end; i++, pte++) {
			if (*pte & PTE_PRESENT) {
				err = -EBUSY;
				break;
			}
			*pte = pfn_pte(pa[i] >> PAGE_SHIFT, flags);
			(*mapped)++;
		}
		spin_unlock_irqrestore(&kernel_pt_lock, irq);
		if (err)
			return err;
	}
	return 0;
}

/* The page-directory entry that points to va's page table, or NULL if there is no such table. */
static pte_t *pde_of(u64 va)
{
	pte_t *table = kernel_pml4;
	int l;

	for (l = 4; l > 2; l--) {
		pte_t e = table[pt_index(va, l)];

		if (!(e & PTE_PRESENT) || (e & PTE_HUGE))
			return NULL;
		table = phys_to_virt(e & PTE_ADDR_MASK);
	}
	table += pt_index(va, 2);
	return (*table & PTE_PRESENT) && !(*table & PTE_HUGE) ? table : NULL;
}

/* Clear the entries for [va, end) in one page table, handing each mapped page to put_page. */
static void clear_ptes(pte_t *pt, u64 va, u64 end, void (*put_page)(u64 pa, void *ctx), void *ctx)
{
	for (; va < end; va += PAGE_SIZE) {
		pte_t *pte = &pt[pt_index(va, 1)];

		if ((*pte & PTE_PRESENT) && put_page)
			put_page(*pte & PTE_ADDR_MASK, ctx);
		*pte = 0;
	}
}

/*
 * One walk per page table rather than per page, and one flush of this CPU's TLB for the range.
 * The pages go to put_page after the PTEs are cleared and before any flush: put_page must not
 * hand them to anyone yet, since other CPUs' TLBs may still map them (mm/vmalloc.c keeps them
 * with the freed area until its purge shoots down). The page tables stay, even empty.
 */
void unmap_kernel_range(u64 va, u64 npages, void (*put_page)(u64 pa, void *ctx), void *ctx)
{
	u64 end = va + npages * PAGE_SIZE, start = va;
	u64 irq = spin_lock_irqsave(&kernel_pt_lock);

	while (va < end) {
		u64 next = MIN(ALIGN_DOWN(va, HUGE_2M) + HUGE_2M, end);
		pte_t *pde = pde_of(va);

		if (pde)
			clear_ptes(phys_to_virt(*pde & PTE_ADDR_MASK), va, next, put_page, ctx);
		va = next;
	}
	local_flush_tlb_kernel_range(start, end);
	spin_unlock_irqrestore(&kernel_pt_lock, irq);
}

u64 kernel_range_dirty(u64 va, u64 npages, bool clear)
{
	u64 irq = spin_lock_irqsave(&kernel_pt_lock), mask = 0, i;
	pte_t *pt = NULL;

	for (i = 0; i < npages && i < 64; i++) {
		u64 a = va + i * PAGE_SIZE;
		pte_t *pte;

		if (!pt || pt_index(a, 1) == 0) {
			pte_t *pde = pde_of(a);

			pt = pde ? phys_to_virt(*pde & PTE_ADDR_MASK) : NULL;
		}
		pte = pt ? &pt[pt_index(a, 1)] : NULL;
		if (!pte || !(*pte & PTE_PRESENT) || !(*pte & PTE_DIRTY))
			continue;
		mask |= 1UL << i;
		if (clear) {
			*pte &= ~PTE_DIRTY;
			/* A TLB entry that still says dirty would let writes leave no trace. */
			invlpg(a);
		}
	}
	spin_unlock_irqrestore(&kernel_pt_lock, irq);
	/* Other CPUs' entries are the caller's to see to (kernel/stack.c: before they write). */
	return mask;
}

bool lookup_kernel_page(u64 va, u64 *pa, u64 *entry)
{
	struct pt_walk w;

	u64 irq = spin_lock_irqsave(&kernel_pt_lock);
	bool found = pt_walk(kernel_pml4_phys, va, &w);

	spin_unlock_irqrestore(&kernel_pt_lock, irq);
	if (!found)
		return false;
	if (pa)
		*pa = w.pa;
	if (entry)
		*entry = w.entry[w.levels - 1];
	return true;
}

/* Map [pa, pa + size) at va with 4 KiB pages (the kernel image: per-section rights). */
static void map_range_4k(u64 va, u64 pa, u64 size, u64 flags)
{
	u64 off;

	for (off = 0; off < size; off += PAGE_SIZE) {
		if (map_kernel_page(va + off, pa + off, flags))
			panic("mm: cannot map %#lx", va + off);
	}
}

static void map_kernel_image(void)
{
#define MAP_SECTION(start, end, flags)                                                             \
	map_range_4k((u64)(start), (u64)(start)-KERNEL_VMA,                                        \
		     ALIGN_UP((u64)(end) - (u64)(start), PAGE_SIZE),                               \
		     (flags) | PTE_GLOBAL | PTE_PRESENT)
	MAP_SECTION(_text, _etext, 0);		       /* read + execute */
	MAP_SECTION(_rodata, _erodata, PTE_NX);	       /* read only */
	MAP_SECTION(_data, _ebss, PTE_WRITE | PTE_NX); /* read + write */
	MAP_SECTION(_ksyms, _kernel_end, PTE_NX);      /* read only */
#undef MAP_SECTION
}

/* Map one 2 MiB (level 2) or 1 GiB (level 3) page of the direct map: no-execute, global. */
static void map_direct_huge(u64 pa, int level)
{
	u64 va = PAGE_OFFSET + pa, irq;
	pte_t *e = walk_create(va, level, &irq);

	if (!e)
		panic("mm: cannot build the direct map at %#lx", va);
	*e = pfn_pte(pa >> PAGE_SHIFT, PAGE_KERNEL_LARGE);
	spin_unlock_irqrestore(&kernel_pt_lock, irq);
}

/* Memory the direct map must cover: RAM, the firmware tables the kernel reads, the first MiB. */
static bool is_direct_mapped(const struct mem_region *r)
{
	return r->type == MEM_RAM || r->type == MEM_FIRMWARE || r->start < 0x100000;
}

/* Does the 2 MiB chunk at pa hold any memory that must be direct-mapped? */
static bool chunk_needed(const struct memmap *map, u64 pa)
{
	u32 i;

	for (i = 0; i < map->nr_regions; i++) {
		const struct mem_region *r = &map->regions[i];

		if (is_direct_mapped(r) && r->start < pa + HUGE_2M && pa < r->end)
			return true;
	}
	return false;
}

static bool gib_needed(const struct memmap *map, u64 pa)
{
	u64 off;

	for (off = 0; off < HUGE_1G; off += HUGE_2M) {
		if (!chunk_needed(map, pa + off))
			return false;
	}
	return true;
}

/*
 * The direct map covers memory in 2 MiB chunks, and uses a 1 GiB page wherever a whole aligned
 * GiB is needed and the CPU has 1 GiB pages. Holes (the PCI hole below 4 GiB) stay unmapped.
 */
static void map_direct(const struct memmap *map)
{
	u64 pa = 0, end = 0;
	u32 i;

	for (i = 0; i < map->nr_regions; i++) {
		if (is_direct_mapped(&map->regions[i]))
			end = MAX(end, ALIGN_UP(map->regions[i].end, HUGE_2M));
	}
	while (pa < end) {
		if (boot_cpu.gbpages && IS_ALIGNED(pa, HUGE_1G) && gib_needed(map, pa)) {
			map_direct_huge(pa, 3);
			pa += HUGE_1G;
			continue;
		}
		if (chunk_needed(map, pa))
			map_direct_huge(pa, 2);
		pa += HUGE_2M;
	}
}

void paging_init(const struct memmap *map)
{
	int i;

	kernel_pml4 = new_table();
	kernel_pml4_phys = table_phys(kernel_pml4);
	/*
	 * Every kernel-half PML4 entry gets its PDPT now, once: address spaces created later copy
	 * these 256 entries, and so share every kernel mapping made after that, vmalloc included.
	 */
	for (i = PT_ENTRIES / 2; i < PT_ENTRIES; i++)
		kernel_pml4[i] =
			pfn_pte(table_phys(new_table()) >> PAGE_SHIFT, PTE_PRESENT | PTE_WRITE);
	map_kernel_image();
	map_direct(map);

	if (boot_cpu.pge)
		write_cr4(read_cr4() | X86_CR4_PGE);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | (boot_cpu.nx ? EFER_NXE : 0));
	/* From here on the identity map and the boot tables are gone. */
	write_cr3(kernel_pml4_phys);
	pr_info("mm: kernel page tables at %#lx; direct map with %s pages, no identity map\n",
		kernel_pml4_phys, boot_cpu.gbpages ? "1 GiB" : "2 MiB");
}

u64 virt_to_phys(const void *addr)
{
	u64 va = (u64)addr;

	if (va >= PAGE_OFFSET && va < PAGE_OFFSET + DIRECT_MAP_SIZE)
		return va - PAGE_OFFSET;
	if (va >= KERNEL_VMA && va < (u64)_kernel_end)
		return va - KERNEL_VMA;
	pr_err("BUG: virt_to_phys(%p): not a direct-map or kernel-image address%s\n", addr,
	       va >= VMALLOC_START && va < VMALLOC_END
		       ? " (vmalloc memory is not physically contiguous: no DMA from it)"
		       : "");
	dump_stack();
	return PHYS_ADDR_INVALID;
}
