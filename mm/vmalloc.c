/*
 * vmalloc: find room in the vmalloc range (mm/vmarea.c keeps the areas in a balanced tree, each
 * with its own guard pages), then map one order-0 page at a time. Nothing here needs
 * physically contiguous memory, which is why it still works when memory is fragmented.
 */
#include "mm/vmalloc.h"
#include "mm/fail.h"
#include "arch/x86_64/asm/io.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/stacktrace.h"
#include "kernel/printk/printk.h"
#include "kernel/locking/spinlock.h"
#include "kernel/lib/string.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"
#include "mm/slab.h"

static struct vmarea_space vmalloc_space;
static DEFINE_SPINLOCK(vmap_area_lock);

/*
 * The lazy purge. vfree() unmaps an area and frees its pages at once, but leaves the area in the
 * tree, marked freed, on the purge list: its range is not handed out again until a purge takes a
 * whole batch of freed areas out of the tree. A purge runs once LAZY_MAX_PAGES pages wait, when
 * an allocation finds no room, or on vmalloc_purge().
 *
 * Why: taking an area out of the tree costs O(log n) in the number of areas, and batching it
 * keeps vfree() flat however many stacks live (docs/BENCHMARKS.md has the figures: the cost is
 * moved, not removed). On SMP the purge is also the place for the TLB shootdown: a range may be
 * handed out again only once no CPU's TLB still holds it. Linux does the same (lazy_max_pages,
 * __purge_vmap_area_lazy); here one CPU's unmap has already flushed the only TLB.
 */
#define LAZY_MAX_PAGES 32
static struct vm_struct *purge_list; /* under vmap_area_lock */
static u64 nr_lazy, lazy_pages, nr_purges;

void (*vmalloc_test_hook)(u64 page_index);

/* Pages mapped or freed per call to the page allocator and per walk of the page tables. */
#define MAP_BATCH 16

void vmalloc_init(void)
{
	vmarea_space_init(&vmalloc_space, VMALLOC_START, VMALLOC_END);
	pr_info("mm: vmalloc range %#lx-%#lx (%lu TiB)\n", VMALLOC_START, VMALLOC_END - 1,
		VMALLOC_SIZE >> 40);
}

static struct vm_struct *get_vm_area(u64 npages, u32 guard, const char *purpose)
{
	/* Not kzalloc: vmarea_alloc() sets every field of vm->va, and the rest is set here. */
	struct vm_struct *vm = kmalloc(sizeof(*vm));
	u64 flags;
	int err;

	if (!vm)
		return NULL;
	vm->purpose = purpose;
	vm->owns_pages = false;
	vm->freed = false;
	vm->purge_next = NULL;
	vm->va.owner = vm;
	if (should_fail_alloc())
		goto fail;
	flags = spin_lock_irqsave(&vmap_area_lock);
	err = vmarea_alloc(&vmalloc_space, &vm->va, npages, guard);
	spin_unlock_irqrestore(&vmap_area_lock, flags);
	/* No room: maybe there is, in the ranges freed areas still hold. */
	if (err && nr_lazy) {
		vmalloc_purge();
		flags = spin_lock_irqsave(&vmap_area_lock);
		err = vmarea_alloc(&vmalloc_space, &vm->va, npages, guard);
		spin_unlock_irqrestore(&vmap_area_lock, flags);
	}
	if (!err)
		return vm;
fail:
	kfree(vm);
	return NULL;
}

void (*vmalloc_flush_all_tlbs)(void);

void vmalloc_purge(void)
{
	struct vm_struct *list, *vm;
	u64 flags;

	/* STOPGAP (#13) until the TLB shootdown: the flush needs interrupts on; else wait. */
	if (vmalloc_flush_all_tlbs && irqs_disabled())
		return;
	flags = spin_lock_irqsave(&vmap_area_lock);
	list = purge_list;
	purge_list = NULL;
	nr_lazy = lazy_pages = 0;
	spin_unlock_irqrestore(&vmap_area_lock, flags);
	/* No CPU may keep the unmapped ranges in its TLB once they can be handed out again. */
	if (list && vmalloc_flush_all_tlbs)
		vmalloc_flush_all_tlbs();
	flags = spin_lock_irqsave(&vmap_area_lock);
	for (vm = list; vm; vm = vm->purge_next)
		vmarea_free(&vmalloc_space, &vm->va);
	nr_purges += list != NULL;
	spin_unlock_irqrestore(&vmap_area_lock, flags);
	while ((vm = list)) {
		list = vm->purge_next;
		kfree(vm);
	}
}

/* LAB3: BEGIN unmap an area (the TLB too) and free its pages in batches */
/* The pages an unmap hands back, freed a batch at a time under one lock. */
struct page_batch {
	void *pages[MAP_BATCH];
	unsigned int n;
};

static void free_unmapped_page(u64 pa, void *ctx)
{
	struct page_batch *b = ctx;

	b->pages[b->n++] = phys_to_virt(pa);
	if (b->n == MAP_BATCH) {
		free_pages_bulk(b->pages, b->n);
		b->n = 0;
	}
}

/* Unmap the first `mapped` pages of vm, and free them if it owns them. */
static void unmap_area(struct vm_struct *vm, u64 mapped)
{
	struct page_batch batch = { .n = 0 };

	unmap_kernel_range(vm->va.addr, mapped, vm->owns_pages ? free_unmapped_page : NULL, &batch);
	free_pages_bulk(batch.pages, batch.n);
}
#if 0  /* LAB3: STUB */
/*
 * TODO: if vm owns its pages (vm->owns_pages), every page unmap_kernel_range() takes out of the
 * page tables must go back to the page allocator: it hands each one to a callback of yours
 * (mm/pgtable.h). Free them MAP_BATCH at a time with free_pages_bulk(), one lock round trip per
 * batch rather than per page, and do not forget the last, partial batch. As it is, the pages
 * are unmapped (and the TLB flushed) but never freed: every vfree() leaks them.
 */
static void unmap_area(struct vm_struct *vm, u64 mapped)
{
	unmap_kernel_range(vm->va.addr, mapped, NULL, NULL);
}
#endif /* LAB3: END */

/*
 * Unmap the first `mapped` pages of vm (freeing them if it owns them) and put the area on the
 * purge list; purge the list if enough waits.
 */
static void release_vm_area(struct vm_struct *vm, u64 mapped)
{
	bool purge;
	u64 flags;

	unmap_area(vm, mapped);
	flags = spin_lock_irqsave(&vmap_area_lock);
	vm->freed = true;
	vm->purge_next = purge_list;
	purge_list = vm;
	nr_lazy++;
	lazy_pages += vm->va.npages;
	purge = lazy_pages >= LAZY_MAX_PAGES;
	spin_unlock_irqrestore(&vmap_area_lock, flags);
	if (purge)
		vmalloc_purge();
}

/*
 * Map every page of a new area, MAP_BATCH at a time: the pages of a batch come from fill() (new
 * ones in one call to the page allocator for vmalloc, given ones for vmap, device memory for
 * ioremap) and go into the page tables with one walk per table. On failure, undo: unmap what
 * was mapped, give the area back. One copy of the unwinding for vmalloc, vmap and ioremap.
 * Between kill_disable() and kill_enable() (arch/x86_64/percpu.h): pages taken and not yet
 * mapped are known only to this function's locals.
 */
static void *map_area(struct vm_struct *vm, int (*fill)(u64 first, u64 n, u64 *pa, void *ctx),
		      void *ctx, u64 prot)
{
	u64 pa[MAP_BATCH], first, n, mapped;

	for (first = 0; first < vm->va.npages; first += n) {
		n = MIN(vm->va.npages - first, (u64)MAP_BATCH);
		if (vmalloc_test_hook)
			vmalloc_test_hook(first);
		if (fill(first, n, pa, ctx))
			goto undo;
		if (map_kernel_range(vm->va.addr + first * PAGE_SIZE, n, pa, prot, &mapped)) {
			/* The pages it did not map are still ours alone: give them back. */
			if (vm->owns_pages) {
				while (mapped < n)
					free_page(phys_to_virt(pa[mapped++]));
			}
			first += mapped;
			goto undo;
		}
	}
	return (void *)vm->va.addr;
undo:
	release_vm_area(vm, first);
	return NULL;
}

static int new_pages(u64 first, u64 n, u64 *pa, void *ctx)
{
	void *pages[MAP_BATCH];
	u64 i;

	if (alloc_pages_bulk(n, pages))
		return -1;
	for (i = 0; i < n; i++)
		pa[i] = virt_to_phys(pages[i]);
	return 0;
}

static int given_pages(u64 first, u64 n, u64 *pa, void *pages)
{
	u64 i;

	for (i = 0; i < n; i++)
		pa[i] = virt_to_phys(((void **)pages)[first + i]);
	return 0;
}

static int device_pages(u64 first, u64 n, u64 *pa, void *start)
{
	u64 i;

	for (i = 0; i < n; i++)
		pa[i] = (u64)start + (first + i) * PAGE_SIZE;
	return 0;
}

void *__vmalloc_guarded(size_t size, u32 guard_pages, const char *purpose, struct vm_struct **out)
{
	u64 npages = ALIGN_UP(size, PAGE_SIZE) >> PAGE_SHIFT;
	struct vm_struct *vm;
	void *addr = NULL;

	if (!size)
		return NULL;
	kill_disable();
	vm = get_vm_area(npages, guard_pages, purpose);
	if (vm) {
		vm->owns_pages = true;
		/* The guard pages are simply never mapped: an absent PTE costs no physical page. */
		addr = map_area(vm, new_pages, NULL, PAGE_KERNEL);
	}
	if (addr && out)
		*out = vm;
	kill_enable();
	return addr;
}

void *vmalloc(size_t size)
{
	return __vmalloc_guarded(size, VMALLOC_GUARD_PAGES, "vmalloc", NULL);
}

void *vzalloc(size_t size)
{
	void *p = vmalloc(size);

	if (p)
		memset(p, 0, ALIGN_UP(size, PAGE_SIZE));
	return p;
}

void *vmap(void **pages, u64 count)
{
	struct vm_struct *vm;
	void *addr = NULL;

	kill_disable();
	vm = get_vm_area(count, VMALLOC_GUARD_PAGES, "vmap");
	if (vm)
		addr = map_area(vm, given_pages, pages, PAGE_KERNEL);
	kill_enable();
	return addr;
}

void vfree_area(struct vm_struct *vm)
{
	kill_disable();
	release_vm_area(vm, vm->va.npages);
	kill_enable();
}

void vfree(const void *addr)
{
	struct vmarea *va;
	bool freed;
	u64 flags;

	if (!addr)
		return;
	/* From the lookup to the release, the area is known only to this function. */
	kill_disable();
	flags = spin_lock_irqsave(&vmap_area_lock);
	va = vmarea_lookup(&vmalloc_space, (u64)addr);
	freed = va && ((struct vm_struct *)va->owner)->freed;
	spin_unlock_irqrestore(&vmap_area_lock, flags);
	if (va && !freed)
		release_vm_area(va->owner, va->npages);
	kill_enable();
	if (freed) {
		pr_err("BUG: vfree(%p): the area was freed already (double free)\n", addr);
		dump_stack();
	} else if (!va) {
		pr_err("BUG: vfree(%p): not the start of a vmalloc area (double free?)\n", addr);
		dump_stack();
	}
}

void vmalloc_stats(struct vmalloc_stats *st)
{
	u64 flags = spin_lock_irqsave(&vmap_area_lock);

	st->nr_areas = vmalloc_space.nr_areas - nr_lazy;
	st->pages = vmalloc_space.used_pages - lazy_pages;
	st->nr_lazy = nr_lazy;
	st->nr_purges = nr_purges;
	spin_unlock_irqrestore(&vmap_area_lock, flags);
}

/* Like /proc/vmallocinfo: one line per area, in address order. */
void vmallocinfo(void)
{
	u64 flags = spin_lock_irqsave(&vmap_area_lock);
	struct vmarea *va;

	for (va = vmarea_first(&vmalloc_space); va; va = vmarea_next(va)) {
		struct vm_struct *vm = va->owner;

		printk("0x%016lx-0x%016lx %8lu pages=%lu guard=%u %s%s\n", va->addr,
		       va->addr + va->npages * PAGE_SIZE, va->npages * PAGE_SIZE, va->npages,
		       va->guard, vm->purpose, vm->freed ? " (freed, waiting for a purge)" : "");
	}
	printk("%lu areas, %lu pages mapped; %lu freed areas waiting for a purge (at %u pages)\n",
	       vmalloc_space.nr_areas - nr_lazy, vmalloc_space.used_pages - lazy_pages, nr_lazy,
	       LAZY_MAX_PAGES);
	spin_unlock_irqrestore(&vmap_area_lock, flags);
}

/*
 * The shape of the tree of vmalloc areas (mm/vmarea.c), one area a line, indented by depth. The
 * text is drawn under the lock into a static buffer (no allocation while holding it), then
 * printed a line at a time: printk takes at most 512 bytes at once.
 */
void vmalloc_show_tree(void)
{
	static char text[8192];
	u64 flags = spin_lock_irqsave(&vmap_area_lock);
	size_t len = vmarea_show_tree(&vmalloc_space, text, sizeof(text));
	char *line = text, *nl;

	spin_unlock_irqrestore(&vmap_area_lock, flags);
	while ((nl = strchr(line, '\n'))) {
		*nl = '\0';
		printk("%s\n", line);
		line = nl + 1;
	}
	if (len >= sizeof(text))
		printk("(cut: the tree needs %zu bytes, %zu shown)\n", len, sizeof(text) - 1);
}

/*
 * Map device memory (a framebuffer, firmware tables outside the direct map) at physical
 * [phys, phys + size) into the vmalloc range. The pages are not RAM from the allocator, so
 * iounmap() only unmaps them. Caching is left to the MTRRs the firmware set up (PAT type WB).
 */
static void *__ioremap(u64 phys, size_t size, u64 prot)
{
	u64 first = ALIGN_DOWN(phys, PAGE_SIZE);
	u64 npages = (ALIGN_UP(phys + size, PAGE_SIZE) - first) >> PAGE_SHIFT;
	struct vm_struct *vm;
	u8 *addr = NULL;

	kill_disable();
	vm = get_vm_area(npages, VMALLOC_GUARD_PAGES, "ioremap");
	if (vm)
		addr = map_area(vm, device_pages, (void *)first, prot);
	kill_enable();
	return addr ? addr + (phys - first) : NULL;
}

void *ioremap(u64 phys, size_t size)
{
	return __ioremap(phys, size, PAGE_KERNEL);
}

/*
 * PCD and PWT with the PAT as the firmware leaves it (PAT entry 3): uncached (UC), whatever the
 * MTRRs say. Device registers such as the local APIC's must see every access, in order.
 */
void *ioremap_nocache(u64 phys, size_t size)
{
	return __ioremap(phys, size, PAGE_KERNEL | PTE_PCD | PTE_PWT);
}

void iounmap(const void *addr)
{
	vfree((const void *)ALIGN_DOWN((u64)addr, PAGE_SIZE));
}
