/*
 * User address spaces: page tables of the lower half, built and torn down 4 KiB page by page.
 *
 * No lock: an address space belongs to one process, which has one task, and only that task
 * changes it while it runs (sbrk); before it runs its creator fills it, after it died its reaper
 * frees it. Upper-level entries of the user half carry PTE_USER and PTE_WRITE (the CPU checks
 * every level; the leaf decides), and no user entry is ever global: a CR3 load must drop them.
 */
#include "mm/user_mm.h"
#include "arch/x86_64/asm/special_insns.h"
#include "arch/x86_64/paging.h"
#include "kernel/lib/errno.h"
#include "kernel/lib/string.h"
#include "kernel/locking/spinlock.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"
#include "mm/slab.h"
#include "kernel/printk/printk.h"

/* Shared by every address space, changed by each on its own CPU: atomic. */
static u64 pt_pages_total;

u64 user_pt_pages(void)
{
	return __atomic_load_n(&pt_pages_total, __ATOMIC_RELAXED);
}

static u64 table_phys(const void *table)
{
	return (u64)table - PAGE_OFFSET;
}

struct user_mm *user_mm_create(void)
{
	struct user_mm *mm = kzalloc(sizeof(*mm));
	pte_t *pml4;

	if (!mm)
		return NULL;
	pml4 = get_zeroed_page();
	if (!pml4) {
		kfree(mm);
		return NULL;
	}
	/* The kernel half: the same PDPTs as the kernel's own PML4, shared, never freed here. */
	memcpy(&pml4[PT_ENTRIES / 2], (pte_t *)phys_to_virt(kernel_pml4_phys) + PT_ENTRIES / 2,
	       PT_ENTRIES / 2 * sizeof(pte_t));
	mm->pml4_phys = table_phys(pml4);
	mm->nr_pt_pages = 1;
	__atomic_fetch_add(&pt_pages_total, 1, __ATOMIC_RELAXED);
	return mm;
}

static bool user_range_ok(u64 va, u64 npages)
{
	return IS_ALIGNED(va, PAGE_SIZE) && npages && va < USER_TOP &&
	       npages <= (USER_TOP - va) >> PAGE_SHIFT;
}

/* The PT entry for va, making the tables on the way if create; NULL if missing or no memory. */
static pte_t *user_pte(struct user_mm *mm, u64 va, bool create)
{
	pte_t *table = phys_to_virt(mm->pml4_phys);
	int l;

	for (l = 4; l > 1; l--) {
		pte_t *e = &table[pt_index(va, l)];

		if (!(*e & PTE_PRESENT)) {
			pte_t *t;

			if (!create || !(t = get_zeroed_page()))
				return NULL;
			*e = pfn_pte(table_phys(t) >> PAGE_SHIFT,
				     PTE_PRESENT | PTE_WRITE | PTE_USER);
			mm->nr_pt_pages++;
			__atomic_fetch_add(&pt_pages_total, 1, __ATOMIC_RELAXED);
		}
		table = phys_to_virt(*e & PTE_ADDR_MASK);
	}
	return &table[pt_index(va, 1)];
}

static bool is_current(const struct user_mm *mm)
{
	return (read_cr3() & PTE_ADDR_MASK) == mm->pml4_phys;
}

/* Is a table (of 512 entries) empty? */
static bool table_empty(const pte_t *t)
{
	int i;

	for (i = 0; i < PT_ENTRIES; i++) {
		if (t[i])
			return false;
	}
	return true;
}

/*
 * Unmap one page (if mapped) and free the tables on its way up that are empty now. Entries are
 * cleared first, then the TLB is flushed, and only then are the pages freed: a walk cached (or
 * made speculatively) through a table must never run through a page that is reused already.
 */
static void unmap_one(struct user_mm *mm, u64 va)
{
	pte_t *path[4], *table = phys_to_virt(mm->pml4_phys);
	u64 freed[4];
	int l, lowest, n = 0;

	/* path[l - 1]: the entry at level l (4 = PML4 ... 1 = PT) on va's way. */
	for (l = 4; l >= 1; l--) {
		path[l - 1] = &table[pt_index(va, l)];
		if (!(*path[l - 1] & PTE_PRESENT))
			break;
		if (l > 1)
			table = phys_to_virt(*path[l - 1] & PTE_ADDR_MASK);
	}
	lowest = l < 1 ? 1 : l + 1; /* the lowest level whose entry is present */
	if (lowest > 4)
		return;
	/* From the first entry cleared to the last page freed: not to be cut short by a kill. */
	kill_disable();
	if (lowest == 1) {
		freed[n++] = *path[0] & PTE_ADDR_MASK;
		*path[0] = 0;
		mm->nr_pages--;
	}
	/* The table an entry at level l >= 2 points to is empty: unlink it, and go up. */
	for (l = (lowest > 2 ? lowest : 2); l <= 4; l++) {
		if (!table_empty(phys_to_virt(*path[l - 1] & PTE_ADDR_MASK)))
			break;
		freed[n++] = *path[l - 1] & PTE_ADDR_MASK;
		*path[l - 1] = 0;
		mm->nr_pt_pages--;
		__atomic_fetch_sub(&pt_pages_total, 1, __ATOMIC_RELAXED);
	}
	/*
	 * One INVLPG drops the page's entry and the walks cached through its tables. Only where mm
	 * is loaded: every other CPU dropped its entries when it last loaded another CR3.
	 */
	if (is_current(mm))
		invlpg(va);
	while (n)
		free_page(phys_to_virt(freed[--n]));
	kill_enable();
}

void user_unmap(struct user_mm *mm, u64 va, u64 npages)
{
	u64 i;

	if (!user_range_ok(va, npages))
		return;
	for (i = 0; i < npages; i++)
		unmap_one(mm, va + i * PAGE_SIZE);
}

/*
 * Map a fresh zeroed page at va: 0, -EINVAL (mapped already) or -ENOMEM. A page (or table) taken
 * and not yet in the tables would leak if a kill ended the task at a preemption in between:
 * kill_disable() (as vmalloc does), and a kill waits for the end of the page.
 */
static int map_one(struct user_mm *mm, u64 va, u64 flags)
{
	void *page = NULL;
	pte_t *pte;
	int err = 0;

	kill_disable();
	pte = user_pte(mm, va, true);
	if (!pte)
		err = -ENOMEM;
	else if (*pte & PTE_PRESENT)
		err = -EINVAL;
	else if (!(page = get_zeroed_page()))
		err = -ENOMEM;
	if (!err) {
		*pte = pfn_pte(table_phys(page) >> PAGE_SHIFT, flags);
		mm->nr_pages++;
	} else if (err == -ENOMEM) {
		unmap_one(mm, va); /* the tables made for it, empty */
	}
	kill_enable();
	return err;
}

int user_map_zeroed(struct user_mm *mm, u64 va, u64 npages, u32 prot)
{
	u64 flags = PTE_PRESENT | PTE_USER, i;

	if (!user_range_ok(va, npages) || (prot & UMAP_WRITE && prot & UMAP_EXEC))
		return -EINVAL;
	if (prot & UMAP_WRITE)
		flags |= PTE_WRITE;
	if (!(prot & UMAP_EXEC))
		flags |= PTE_NX; /* taken out again by pfn_pte() on a CPU without NX */
	for (i = 0; i < npages; i++) {
		int err = map_one(mm, va + i * PAGE_SIZE, flags);

		if (err) {
			/* Give back what this call mapped. */
			if (i)
				user_unmap(mm, va, i);
			return err;
		}
	}
	return 0;
}

void *user_page_address(struct user_mm *mm, u64 va)
{
	pte_t *pte = va < USER_TOP ? user_pte(mm, ALIGN_DOWN(va, PAGE_SIZE), false) : NULL;

	if (!pte || !(*pte & PTE_PRESENT))
		return NULL;
	return (u8 *)phys_to_virt(*pte & PTE_ADDR_MASK) + (va & (PAGE_SIZE - 1));
}

/* Free every page under a user-half table at `level` (4 = the PML4's user half), then it. */
static void free_level(struct user_mm *mm, pte_t *table, int level, int nr_entries)
{
	int i;

	for (i = 0; i < nr_entries; i++) {
		pte_t e = table[i];

		if (!(e & PTE_PRESENT))
			continue;
		if (level > 1) {
			free_level(mm, phys_to_virt(e & PTE_ADDR_MASK), level - 1, PT_ENTRIES);
			free_page(phys_to_virt(e & PTE_ADDR_MASK));
			mm->nr_pt_pages--;
			__atomic_fetch_sub(&pt_pages_total, 1, __ATOMIC_RELAXED);
		} else {
			free_page(phys_to_virt(e & PTE_ADDR_MASK));
			mm->nr_pages--;
		}
		table[i] = 0;
	}
}

void user_mm_destroy(struct user_mm *mm)
{
	pte_t *pml4;

	if (!mm)
		return;
	if (is_current(mm))
		panic("user_mm_destroy: address space %#lx is in CR3", mm->pml4_phys);
	pml4 = phys_to_virt(mm->pml4_phys);
	/* Only the user half: the kernel half's tables are the kernel's. */
	free_level(mm, pml4, 4, PT_ENTRIES / 2);
	free_page(pml4);
	__atomic_fetch_sub(&pt_pages_total, 1, __ATOMIC_RELAXED);
	kfree(mm);
}

void switch_mm(struct user_mm *mm)
{
	u64 pa = mm ? mm->pml4_phys : kernel_pml4_phys;

	if ((read_cr3() & PTE_ADDR_MASK) != pa)
		write_cr3(pa);
}
