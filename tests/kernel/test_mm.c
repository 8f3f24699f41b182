/*
 * Memory management in the running kernel: page allocator reports, the kernel's page tables
 * (rights per section, the direct map, no identity map, only bits the CPU has) and vmalloc
 * guard pages.
 */
#include "arch/x86_64/core.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/asm/irqflags.h"
#include "arch/x86_64/asm/msr.h"
#include "arch/x86_64/asm/processor-flags.h"
#include "arch/x86_64/asm/special_insns.h"
#include "kernel/debug/ktest.h"
#include "kernel/locking/spinlock.h"
#include "kernel/printk/printk.h"
#include "boot/setup.h"
#include "kernel/lib/string.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"
#include "mm/slab.h"
#include "mm/test_hooks.h"
#include "mm/user_mm.h"
#include "mm/vmalloc.h"

KTEST(mm, alloc_free_every_order)
{
	u64 before = nr_free_pages();
	unsigned int o;

	for (o = 0; o <= MAX_PAGE_ORDER; o++) {
		u8 *p = alloc_pages(o);

		KT_ASSERT(p);
		KT_EXPECT(IS_ALIGNED(virt_to_phys(p), PAGE_SIZE << o));
		/* The memory is really there: write its first and last byte. */
		p[0] = 1;
		p[(PAGE_SIZE << o) - 1] = 2;
		free_pages(p, o);
	}
	KT_EXPECT(nr_free_pages() == before);
}

KTEST(mm, bad_frees_reported_not_applied)
{
	struct page_stats a, b;
	u64 mark = printk_log_mark();
	u8 *p = alloc_pages(2);

	KT_ASSERT(p);
	free_pages(p, 2);
	page_stats(&a);
	free_pages(p, 2); /* double free */
	KT_EXPECT(printk_log_contains(mark, "BUG: free_pages("));
	KT_EXPECT(printk_log_contains(mark, "already free"));
	p = alloc_pages(2);
	KT_ASSERT(p);
	free_pages(p, 1); /* wrong order */
	KT_EXPECT(printk_log_contains(mark, "allocated with order 2"));
	free_pages(p + PAGE_SIZE, 0);		     /* never allocated: inside a block */
	free_pages((void *)0xffffc90000001000UL, 0); /* not a direct-map address */
	KT_EXPECT(printk_log_contains(mark, "not a page-aligned direct-map address"));
	free_pages(p, 2);
	page_stats(&b);
	KT_EXPECT(a.free == b.free);
	KT_EXPECT(b.bad_frees == a.bad_frees + 4);
}

/* A freed page waits on this CPU's list (mm/page_alloc.c): freeing it again is still caught. */
KTEST(mm, double_free_of_a_parked_page_reported)
{
	struct page_stats a, b;
	u64 mark = printk_log_mark();
	void *p = alloc_page();

	KT_ASSERT(p);
	free_page(p);
	free_page(p); /* double free, while the page is parked */
	KT_EXPECT(printk_log_contains(mark, "BUG: free_pages("));
	KT_EXPECT(printk_log_contains(mark, "already free"));
	page_stats(&a);
	p = alloc_page();
	KT_ASSERT(p);
	free_page(p);
	page_stats(&b);
	KT_EXPECT_MSG(a.free == b.free && a.bad_frees == b.bad_frees,
		      "the page list was damaged by the double free");
}

static void write_byte(void *p)
{
	*(volatile u8 *)p = 0x42;
}

static void call_address(void *p)
{
	((void (*)(void))p)();
}

KTEST(mm, kernel_text_not_writable)
{
	struct fault_record rec;

	KT_ASSERT(read_cr0() & X86_CR0_WP);
	KT_ASSERT(ktest_expect_fault(write_byte, (void *)kernel_main, &rec));
	KT_EXPECT(rec.vector == 14);
	KT_EXPECT((rec.error_code & (PF_PROT | PF_WRITE)) == (PF_PROT | PF_WRITE));
}

KTEST(mm, rodata_not_writable)
{
	static const char message[] = "read only";
	struct fault_record rec;

	KT_ASSERT(ktest_expect_fault(write_byte, (void *)message, &rec));
	KT_EXPECT(rec.error_code & PF_PROT);
}

KTEST(mm, data_and_direct_map_not_executable)
{
	static u8 code[16] = { 0xc3 }; /* ret, in .data */
	struct fault_record rec;
	u8 *page = alloc_page();

	if (!boot_cpu.nx) {
		ktest_skip("CPU without NX");
		return;
	}
	KT_ASSERT(rdmsr(MSR_EFER) & EFER_NXE);
	KT_ASSERT(ktest_expect_fault(call_address, code, &rec));
	KT_EXPECT((rec.error_code & (PF_PROT | PF_INSTR)) == (PF_PROT | PF_INSTR));
	KT_ASSERT(page);
	page[0] = 0xc3;
	KT_ASSERT(ktest_expect_fault(call_address, page, &rec));
	KT_EXPECT(rec.error_code & PF_INSTR);
	free_page(page);
}

KTEST(mm, no_identity_map)
{
	KT_EXPECT(!lookup_kernel_page(0x100000, NULL, NULL));
	KT_EXPECT(!lookup_kernel_page(0, NULL, NULL));
	KT_EXPECT((read_cr3() & PTE_ADDR_MASK) == kernel_pml4_phys);
}

/* Every usable page of the memory map is in the direct map, at the right address, NX if it can. */
KTEST(mm, direct_map_covers_all_ram)
{
	const struct mb2_info *mb = &boot_params.mb;
	u64 checked = 0;
	u32 i;

	for (i = 0; i < mb->mmap.nr_entries; i++) {
		const struct mb2_mmap_entry *e = mb2_mmap_entry(mb, i);
		u64 pa, step;

		if (e->type != MB2_MMAP_AVAILABLE)
			continue;
		/* Probe every 2 MiB and the region's first and last page. */
		step = HUGE_2M;
		for (pa = ALIGN_UP(e->addr, PAGE_SIZE); pa < e->addr + e->len; pa += step) {
			u64 got, entry;

			KT_ASSERT(lookup_kernel_page(PAGE_OFFSET + pa, &got, &entry));
			KT_EXPECT_MSG(got == pa, "direct map of %#lx gives %#lx", pa, got);
			KT_EXPECT(entry & PTE_HUGE);
			KT_EXPECT((entry & PTE_NX) == (__supported_pte_mask & PTE_NX));
			checked++;
		}
		pa = ALIGN_DOWN(e->addr + e->len - 1, PAGE_SIZE);
		KT_EXPECT(lookup_kernel_page(PAGE_OFFSET + pa, NULL, NULL));
	}
	printk("# checked %lu addresses up to %#lx\n", checked, max_phys_addr);
	KT_EXPECT(checked > 0);
}

KTEST(mm, huge_pages_match_cpu)
{
	u64 entry;

	/* 1 GiB of RAM at 0 exists only with -m >= 1G: check the page size that is there. */
	KT_ASSERT(lookup_kernel_page(PAGE_OFFSET + 0x200000, NULL, &entry));
	KT_EXPECT(entry & PTE_HUGE);
	if (max_phys_addr >= (1UL << 30) && boot_cpu.gbpages) {
		struct pt_walk w;

		pt_walk(kernel_pml4_phys, PAGE_OFFSET, &w);
		KT_EXPECT_MSG(w.leaf_level == 3, "direct map at 0 uses level %d pages",
			      w.leaf_level);
	} else {
		struct pt_walk w;

		pt_walk(kernel_pml4_phys, PAGE_OFFSET, &w);
		KT_EXPECT(w.leaf_level == 2);
	}
}

KTEST(mm, virt_to_phys_refuses_vmalloc)
{
	u64 mark = printk_log_mark();
	void *v = vmalloc(PAGE_SIZE);

	KT_ASSERT(v);
	KT_EXPECT(virt_to_phys(v) == PHYS_ADDR_INVALID);
	KT_EXPECT(printk_log_contains(mark, "vmalloc memory is not physically contiguous"));
	KT_EXPECT(virt_to_phys((void *)(PAGE_OFFSET + 0x1000)) == 0x1000);
	KT_EXPECT(virt_to_phys((void *)kernel_main) == (u64)kernel_main - KERNEL_VMA);
	vfree(v);
}

KTEST(mm, vmalloc_guard_pages_fault)
{
	struct fault_record rec;
	u8 *v = vmalloc(3 * PAGE_SIZE);
	u64 pa;

	KT_ASSERT(v);
	memset(v, 0xab, 3 * PAGE_SIZE);
	KT_EXPECT(lookup_kernel_page((u64)v, &pa, NULL));
	KT_EXPECT(!lookup_kernel_page((u64)v - PAGE_SIZE, NULL, NULL));
	KT_EXPECT(!lookup_kernel_page((u64)v + 3 * PAGE_SIZE, NULL, NULL));
	KT_EXPECT(ktest_expect_fault(ktest_read_byte, v - 1, &rec));
	KT_EXPECT(rec.vector == 14 && rec.cr2 == (u64)v - 1);
	KT_EXPECT(ktest_expect_fault(ktest_read_byte, v + 3 * PAGE_SIZE, &rec));
	KT_EXPECT(rec.vector == 14 && rec.cr2 == (u64)v + 3 * PAGE_SIZE);
	KT_EXPECT(!ktest_expect_fault(ktest_read_byte, v + 3 * PAGE_SIZE - 1, &rec));
	vfree(v);
}

KTEST(mm, guard_costs_no_memory)
{
	u64 before = nr_free_pages(), tables;
	struct kmalloc_stats k0, k1;
	void *v;

	/* Should vm_pool be empty, the vm_struct comes from the slab: its page is there already. */
	kfree(kmalloc(sizeof(struct vm_struct)));
	vmalloc_purge(); /* freed areas hold their pages until a purge */
	before = nr_free_pages();
	tables = vmalloc_page_tables();
	kmalloc_stats(&k0);
	v = vmalloc(4 * PAGE_SIZE);
	KT_ASSERT(v);
	kmalloc_stats(&k1);
	/* Four pages of memory and page tables at most: the guards took nothing. */
	printk("# 4-page vmalloc took %lu pages (%lu slab)\n", before - nr_free_pages(),
	       k1.pages - k0.pages);
	KT_EXPECT(before - nr_free_pages() - (k1.pages - k0.pages) >= 4);
	KT_EXPECT(before - nr_free_pages() - (k1.pages - k0.pages) <= 4 + 2);
	vfree(v);
	vmalloc_purge();
	/* Back, but for a page table made for the area's region: kept for good. */
	KT_EXPECT(ktest_free_pages() == before + tables);
}

KTEST(mm, vmalloc_10000_cycles_back_to_baseline)
{
	struct vmalloc_stats v0, v1;
	u64 free0, seed = 12345;
	int i;

	/* Warm up: the page tables and slab pages that any vmalloc needs stay afterwards. */
	vfree(vmalloc(16 * PAGE_SIZE));
	vmalloc_purge();	    /* freed areas hold their pages until a purge */
	free0 = ktest_free_pages(); /* a table made for a new region stays: counted as free */
	vmalloc_stats(&v0);
	for (i = 0; i < 10000; i++) {
		u64 pages;
		u8 *p;

		seed = seed * 6364136223846793005UL + 1442695040888963407UL;
		pages = 1 + (seed >> 60);
		p = vmalloc(pages * PAGE_SIZE);
		KT_ASSERT(p);
		p[0] = 1;
		p[pages * PAGE_SIZE - 1] = 1;
		vfree(p);
	}
	vmalloc_purge();
	vmalloc_stats(&v1);
	KT_EXPECT_MSG(ktest_free_pages() == free0, "free pages %lu, baseline %lu",
		      ktest_free_pages(), free0);
	KT_EXPECT(v1.nr_areas == v0.nr_areas && v1.pages == v0.pages);
}

KTEST(mm, vfree_bad_address_reported)
{
	u64 mark = printk_log_mark();
	u8 *v = vmalloc(PAGE_SIZE);

	KT_ASSERT(v);
	vfree(v + 16);
	KT_EXPECT(printk_log_contains(mark, "not the start of a vmalloc area"));
	vfree(v);
	mark = printk_log_mark();
	vfree(v); /* double: the area waits for a purge, or is gone */
	KT_EXPECT(printk_log_contains(mark, "double free"));
	KT_EXPECT(lookup_kernel_page((u64)v, NULL, NULL) == false);
}

/* vfree() leaves the area for a batched purge; its range is handed out again only after one. */
KTEST(mm, freed_areas_are_purged_in_batches)
{
	struct vmalloc_stats a, b;
	u8 *v, *w;

	vmalloc_purge();
	vmalloc_stats(&a);
	v = vmalloc(PAGE_SIZE);
	KT_ASSERT(v);
	vfree(v);
	vmalloc_stats(&b);
	KT_EXPECT(b.nr_areas == a.nr_areas && b.nr_lazy == 1 && b.nr_purges == a.nr_purges);
	w = vmalloc(PAGE_SIZE);
	KT_ASSERT(w);
	KT_EXPECT_MSG(w != v, "a range was handed out again before its purge");
	vfree(w);
	vmalloc_purge();
	vmalloc_stats(&b);
	KT_EXPECT(b.nr_areas == a.nr_areas && b.nr_lazy == 0 && b.nr_purges == a.nr_purges + 1);
	w = vmalloc(PAGE_SIZE);
	KT_EXPECT_MSG(w == v, "the purged range at %p was not reused (got %p)", v, w);
	vfree(w);
}

KTEST(mm, vmap_maps_given_pages)
{
	void *pages[3];
	u8 *v;
	int i;

	for (i = 0; i < 3; i++) {
		pages[i] = alloc_page();
		KT_ASSERT(pages[i]);
		memset(pages[i], 'a' + i, PAGE_SIZE);
	}
	v = vmap(pages, 3);
	KT_ASSERT(v);
	KT_EXPECT(v[0] == 'a' && v[PAGE_SIZE] == 'b' && v[2 * PAGE_SIZE + 7] == 'c');
	vunmap(v);
	/* vunmap keeps the pages: they are still ours to read and free. */
	KT_EXPECT(((u8 *)pages[1])[0] == 'b');
	for (i = 0; i < 3; i++)
		free_page(pages[i]);
}

KTEST(mm, kmalloc_double_free_reported)
{
	u64 mark = printk_log_mark();
	struct kmalloc_stats a, b;
	void *p = kmalloc(100);

	KT_ASSERT(p);
	kfree(p);
	kmalloc_stats(&a);
	kfree(p);
	kmalloc_stats(&b);
	KT_EXPECT(printk_log_contains(mark, "double free"));
	KT_EXPECT(a.objects == b.objects);
}

/* Two tasks mapping pages of one 2 MiB region whose page table does not exist yet. */
static u64 racing_va;
static void *racing_page;
static int racing_err = 1;

static void map_the_other_page(u64 va)
{
	pgtable_test_hook = NULL; /* once: this map makes its tables undisturbed */
	racing_err = map_kernel_page(racing_va, virt_to_phys(racing_page), PAGE_KERNEL);
}

/*
 * The hook runs where a preempted mapper would stop: after it found the table missing and made
 * one, before it installs it. The other mapper's table must win, and the first one's go back.
 * Tables of the vmalloc range are kept once made, so each run takes a 2 MiB region of its own.
 */
KTEST(mm, racing_table_installs_lose_no_mapping)
{
	static u64 runs;
	/* The far end of the vmalloc range: nothing else maps there. */
	u64 region = ALIGN_DOWN(VMALLOC_END - HUGE_1G / 2 - 2 * runs++ * HUGE_2M, HUGE_2M);
	u64 a = region, b = a + PAGE_SIZE, pa, before;
	void *pa_page = alloc_page(), *pb_page = alloc_page();

	KT_ASSERT(pa_page && pb_page);
	KT_ASSERT(!lookup_kernel_page(a, NULL, NULL) && !lookup_kernel_page(b, NULL, NULL));
	/* Once next door, so the upper tables exist: only a's last-level table is made below. */
	KT_ASSERT(map_kernel_page(a + HUGE_2M, virt_to_phys(pa_page), PAGE_KERNEL) == 0);
	unmap_kernel_range(a + HUGE_2M, 1, NULL, NULL);
	/* Kept tables count as free (ktest_mem_snapshot()): a lost one does not. */
	before = ktest_free_pages();

	racing_va = b;
	racing_page = pb_page;
	racing_err = 1;
	pgtable_test_hook = map_the_other_page;
	KT_EXPECT(map_kernel_page(a, virt_to_phys(pa_page), PAGE_KERNEL) == 0);
	pgtable_test_hook = NULL;
	KT_EXPECT(racing_err == 0);
	KT_EXPECT(lookup_kernel_page(a, &pa, NULL) && pa == virt_to_phys(pa_page));
	KT_EXPECT_MSG(lookup_kernel_page(b, &pa, NULL) && pa == virt_to_phys(pb_page),
		      "the other task's mapping was lost");
	unmap_kernel_range(a, 2, NULL, NULL);
	KT_EXPECT_MSG(ktest_free_pages() == before,
		      "%lu pages free or kept as tables, %lu before: a table leaked",
		      ktest_free_pages(), before);
	free_page(pa_page);
	free_page(pb_page);
}

/* A mapper that has walked to its entry, and the task that unmaps the region's other page. */
static u64 unmapped_va;
static bool walk_hook_ran, walk_was_preempted, walk_held_lock;

static bool holds_lock(const char *name)
{
	int i;

	for (i = 0; i < nr_held_locks(); i++) {
		if (!strcmp(held_lock_name(i), name))
			return true;
	}
	return false;
}

/*
 * Preempt here the way the timer would: only if interrupts are on (the irq-exit hook is the
 * only place a task is switched away without asking). The other task then unmaps the region's
 * last page (which freed its page table when empty tables were freed; they are kept now).
 */
static void preempt_after_walk(u64 va)
{
	pgtable_walked_test_hook = NULL; /* once: the other task's walk runs undisturbed */
	walk_hook_ran = true;
	walk_held_lock = holds_lock("kernel_pt_lock");
	if (irqs_disabled())
		return;
	walk_was_preempted = true;
	unmap_kernel_range(unmapped_va, 1, NULL, NULL);
}

/*
 * The other race: a mapper has read a present page-directory entry and holds a pointer into
 * the page table, and another task changes that table before the mapper writes its PTE. Under
 * kernel_pt_lock the mapper cannot be preempted there, so the other unmap must wait its turn.
 * (Kept page tables make the worst case, a table freed under the mapper, impossible too.)
 */
KTEST(mm, page_table_is_not_freed_under_a_mapper)
{
	u64 a = ALIGN_DOWN(VMALLOC_END - 8 * HUGE_2M, HUGE_2M), b = a + PAGE_SIZE, pa, before;
	void *pa_page = alloc_page(), *pb_page = alloc_page();

	KT_ASSERT(pa_page && pb_page);
	/* With interrupts off here the hook could never preempt: the test would prove nothing. */
	KT_ASSERT(!irqs_disabled());
	KT_ASSERT(!lookup_kernel_page(a, NULL, NULL) && !lookup_kernel_page(b, NULL, NULL));
	/* Once, so the tables exist (and stay): nothing below makes or frees one. */
	KT_ASSERT(map_kernel_page(a, virt_to_phys(pa_page), PAGE_KERNEL) == 0);
	unmap_kernel_range(a, 1, NULL, NULL);
	before = nr_free_pages();

	KT_ASSERT(map_kernel_page(b, virt_to_phys(pb_page), PAGE_KERNEL) == 0);
	unmapped_va = b;
	walk_hook_ran = walk_was_preempted = walk_held_lock = false;
	pgtable_walked_test_hook = preempt_after_walk;
	KT_EXPECT(map_kernel_page(a, virt_to_phys(pa_page), PAGE_KERNEL) == 0);
	pgtable_walked_test_hook = NULL;
	KT_ASSERT(walk_hook_ran);
	KT_EXPECT_MSG(!walk_was_preempted,
		      "a mapper was preemptible between its walk and its write");
	KT_EXPECT_MSG(walk_held_lock, "kernel_pt_lock is not in the held-lock list at the write");
	if (!walk_was_preempted)
		unmap_kernel_range(b, 1, NULL, NULL); /* the other task, once the lock is free */
	KT_EXPECT_MSG(lookup_kernel_page(a, &pa, NULL) && pa == virt_to_phys(pa_page),
		      "the mapping was written into a freed page table");
	KT_EXPECT(!lookup_kernel_page(b, NULL, NULL));
	unmap_kernel_range(a, 1, NULL, NULL);
	KT_EXPECT_MSG(nr_free_pages() == before, "%lu pages free, %lu before: a table leaked",
		      nr_free_pages(), before);
	free_page(pa_page);
	free_page(pb_page);
}

static u64 entries_checked;

/* Present entries in t[first..last] and the tables below them with a bit the CPU lacks. */
static int count_unsupported(const pte_t *t, int level, int first, int last)
{
	int i, bad = 0;

	for (i = first; i <= last; i++) {
		pte_t e = t[i];

		if (!(e & PTE_PRESENT))
			continue;
		entries_checked++;
		if (e & ~PTE_ADDR_MASK & ~__supported_pte_mask) {
			if (!bad)
				printk("# level %d entry %d of table %#lx is %#lx\n", level, i,
				       (u64)t - PAGE_OFFSET, e);
			bad++;
		}
		if (level > 1 && !(e & PTE_HUGE))
			bad += count_unsupported(phys_to_virt(e & PTE_ADDR_MASK), level - 1, 0,
						 PT_ENTRIES - 1);
	}
	return bad;
}

/*
 * Every present entry, at every level, of the kernel half and of a user address space holds
 * only bits this CPU implements: on a CPU without NX one NX bit in the kernel's tables is a
 * triple fault (-cpu qemu64,-nx), so this matters on such CPUs and passes trivially elsewhere.
 */
KTEST(mm, page_tables_hold_only_bits_the_cpu_has)
{
	const pte_t *pml4 = phys_to_virt(kernel_pml4_phys);
	struct user_mm *mm;
	u64 irq;
	int bad;

	printk("# nx=%s global=%s in __supported_pte_mask\n",
	       __supported_pte_mask & PTE_NX ? "yes" : "no",
	       __supported_pte_mask & PTE_GLOBAL ? "yes" : "no");
	entries_checked = 0;
	/* With interrupts off no page table is freed under the walk: frees wait for our TLB. */
	irq = local_irq_save();
	bad = count_unsupported(pml4, 4, PT_ENTRIES / 2, PT_ENTRIES - 1);
	local_irq_restore(irq);
	KT_EXPECT_MSG(!bad, "%d kernel entries with bits the CPU lacks", bad);

	mm = user_mm_create();
	KT_ASSERT(mm);
	KT_EXPECT(user_map_zeroed(mm, 0x400000, 1, UMAP_EXEC) == 0);
	KT_EXPECT(user_map_zeroed(mm, 0x401000, 1, UMAP_WRITE) == 0);
	bad = count_unsupported(phys_to_virt(mm->pml4_phys), 4, 0, PT_ENTRIES / 2 - 1);
	KT_EXPECT_MSG(!bad, "%d user entries with bits the CPU lacks", bad);
	user_mm_destroy(mm);
	printk("# %lu present entries checked\n", entries_checked);
	KT_EXPECT(entries_checked > 0);
}

/*
 * The mappings made after boot - vmalloc, ioremap, map_kernel_page - follow the mask: the test
 * takes G out of it for a moment (harmless: the mappings made meanwhile are merely not global)
 * and none of the new entries may have G. A path that wrote its rights as given would.
 */
KTEST(mm, new_mappings_follow_the_supported_mask)
{
	u64 saved = __supported_pte_mask, va = ALIGN_DOWN(VMALLOC_END - 10 * HUGE_2M, HUGE_2M);
	u64 e_vmalloc = 0, e_ioremap = 0, e_page = 0;
	void *page = alloc_page(), *v, *io;

	KT_ASSERT(page);
	KT_ASSERT(!lookup_kernel_page(va, NULL, NULL));
	__atomic_store_n(&__supported_pte_mask, saved & ~PTE_GLOBAL, __ATOMIC_RELAXED);
	v = vmalloc(PAGE_SIZE);
	io = ioremap(virt_to_phys(page), PAGE_SIZE);
	KT_EXPECT(map_kernel_page(va, virt_to_phys(page), PAGE_KERNEL) == 0);
	__atomic_store_n(&__supported_pte_mask, saved, __ATOMIC_RELAXED);
	KT_EXPECT(v && lookup_kernel_page((u64)v, NULL, &e_vmalloc));
	KT_EXPECT(io && lookup_kernel_page((u64)io, NULL, &e_ioremap));
	KT_EXPECT(lookup_kernel_page(va, NULL, &e_page));
	KT_EXPECT_MSG(!(e_vmalloc & PTE_GLOBAL), "vmalloc wrote %#lx", e_vmalloc);
	KT_EXPECT_MSG(!(e_ioremap & PTE_GLOBAL), "ioremap wrote %#lx", e_ioremap);
	KT_EXPECT_MSG(!(e_page & PTE_GLOBAL), "map_kernel_page wrote %#lx", e_page);
	unmap_kernel_range(va, 1, NULL, NULL);
	if (io)
		iounmap(io);
	vfree(v);
	free_page(page);
}
