/*
 * vmalloc: find room in the vmalloc range (mm/vmarea.c keeps the areas in a balanced tree, each
 * with its own guard pages), then map one order-0 page at a time. Nothing here needs
 * physically contiguous memory, which is why it still works when memory is fragmented.
 */
#include "mm/vmalloc.h"
#include "mm/fail.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/stacktrace.h"
#include "kernel/printk/printk.h"
#include "kernel/locking/spinlock.h"
#include "kernel/lib/string.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"
#include "mm/slab.h"
#include "mm/test_hooks.h"
#include "mm/tlbflush.h"

static struct vmarea_space vmalloc_space;
static DEFINE_SPINLOCK(vmap_area_lock);

/*
 * The lazy purge. vfree() unmaps an area at once but leaves it in the tree, marked freed, on the
 * purge list, holding its pages: neither its range nor its pages go to anyone else until a purge
 * takes a whole batch of freed areas: one TLB shootdown for the batch, then the ranges go back
 * to the tree and the pages to the page allocator. A purge runs once lazy_max_pages() pages
 * wait, when an allocation finds no room or no memory, or on vmalloc_purge().
 *
 * Why: with more than one CPU, an unmap flushes only this CPU's TLB; the others may still hold
 * the old translations, and a CPU that did could read or write through them into pages given
 * to someone else. Every shootdown is an IPI to each CPU and a wait for its acknowledgement, so
 * it is done once per batch, not once per vfree() (Linux: lazy_max_pages, __purge_vmap_area_lazy).
 * Batching also keeps vfree() flat however many stacks live: taking an area out of the tree
 * costs O(log n) in the number of areas (docs/BENCHMARKS.md has the figures).
 *
 * The rule: a virtual range and its physical pages are never given to anyone else before every
 * CPU's TLB is clean of them. Hence the order in vmalloc_purge(): shootdown, then the ranges,
 * then the pages.
 */
#define LAZY_PAGES_PER_CPU_ORDER ((32UL << 20) >> PAGE_SHIFT) /* 32 MiB, as Linux */
#define LAZY_RAM_FRACTION	 32			      /* at most 1/32 of RAM waits */

static struct vm_struct *purge_list; /* under vmap_area_lock */
static u64 purge_list_pages;	     /* pages of the areas on it */
static u64 nr_lazy, lazy_pages;	     /* freed areas still in the tree, and their pages */
static u64 held_pages;		     /* physical pages they hold */
static u64 nr_purges;
static u64 lazy_ram_cap; /* RAM pages / LAZY_RAM_FRACTION, set once all RAM is known */

/*
 * More CPUs make a shootdown dearer (more IPIs to send and acknowledgements to wait for), so more
 * may wait before one: Linux's fls(num_online_cpus()) x 32 MiB, 8,192 pages with one CPU,
 * 16,384 with two or three, 24,576 with four to seven. Linux counts virtual space only; here a
 * freed area also keeps its pages until the purge (so no stale TLB entry can reach a reused
 * page), so what waits is memory too: capped at 1/32 of the RAM the page allocator manages
 * (about 8,150 pages with 1 GiB: a purge per 2,000 stacks or so, whatever the CPU count).
 */
static u64 lazy_max_pages(void)
{
	u64 linux_max = LAZY_PAGES_PER_CPU_ORDER * (u64)(32 - __builtin_clz(tlb_nr_cpus()));

	return MIN(linux_max, lazy_ram_cap);
}

/*
 * vm_structs come from a small static pool, from kmalloc() only once it is empty. Why: the pool
 * is a list under vmap_area_lock, which get_vm_area() holds anyway, so taking one costs a few
 * instructions; kmalloc() is a lock pair of its own and a walk of the slab's pages, about a
 * tenth of an uncached stack's cost above its memset (docs/BENCHMARKS.md). Pool
 * entries are not slab objects: the slab counts that tests compare are not changed by them.
 */
#define VM_POOL_SIZE 64
static struct vm_struct vm_pool[VM_POOL_SIZE];
static struct vm_struct *vm_pool_free; /* under vmap_area_lock, linked through purge_next */

void (*vmalloc_test_hook)(u64 page_index);

/* Pages mapped or freed per call to the page allocator and per walk of the page tables. */
#define MAP_BATCH 16

void vmalloc_init(void)
{
	struct page_stats ps;
	int i;

	for (i = 0; i < VM_POOL_SIZE; i++) {
		vm_pool[i].purge_next = vm_pool_free;
		vm_pool_free = &vm_pool[i];
	}
	vmarea_space_init(&vmalloc_space, VMALLOC_START, VMALLOC_END);
	page_stats(&ps);
	lazy_ram_cap = MAX(ps.total / LAZY_RAM_FRACTION, 1UL);
	pr_info("mm: vmalloc range %#lx-%#lx (%lu TiB)\n", VMALLOC_START, VMALLOC_END - 1,
		VMALLOC_SIZE >> 40);
}

static bool from_pool(const struct vm_struct *vm)
{
	return vm >= vm_pool && vm < vm_pool + VM_POOL_SIZE;
}

/* Every field but vm->va, which vmarea_alloc() sets. */
static void init_vm_struct(struct vm_struct *vm, const char *purpose)
{
	vm->purpose = purpose;
	vm->owns_pages = false;
	vm->flush_now = false;
	vm->freed = false;
	vm->held = 0;
	vm->nr_held = 0;
	vm->purge_next = NULL;
	vm->va.owner = vm;
}

/* Give back vm_structs linked through purge_next: pool entries to the pool, the rest to kfree. */
static void put_vm_structs(struct vm_struct *list)
{
	struct vm_struct *pool = NULL, *last = NULL, *vm;
	u64 flags;

	while ((vm = list)) {
		list = vm->purge_next;
		if (!from_pool(vm)) {
			kfree(vm);
			continue;
		}
		vm->purge_next = pool;
		pool = vm;
		if (!last)
			last = vm;
	}
	if (!pool)
		return;
	flags = spin_lock_irqsave(&vmap_area_lock);
	last->purge_next = vm_pool_free;
	vm_pool_free = pool;
	spin_unlock_irqrestore(&vmap_area_lock, flags);
}

static bool purge_due(void);

static struct vm_struct *get_vm_area(u64 npages, u32 guard, const char *purpose)
{
	struct vm_struct *vm;
	u64 flags;
	int err;

	/* Frees made with interrupts off could not purge (no shootdown there): catch up here. */
	vmalloc_purge_if_due();
	if (should_fail_alloc()) /* the range, for failure injection */
		return NULL;
	flags = spin_lock_irqsave(&vmap_area_lock);
	vm = vm_pool_free;
	/* A vm_struct from the pool is an allocation too: counted as kmalloc() would count it. */
	if (vm && should_fail_alloc()) {
		spin_unlock_irqrestore(&vmap_area_lock, flags);
		return NULL;
	}
	if (vm) {
		/* The common case: the vm_struct and the range in one critical section. */
		vm_pool_free = vm->purge_next;
		init_vm_struct(vm, purpose);
		err = vmarea_alloc(&vmalloc_space, &vm->va, npages, guard);
		spin_unlock_irqrestore(&vmap_area_lock, flags);
	} else {
		spin_unlock_irqrestore(&vmap_area_lock, flags);
		vm = kmalloc(sizeof(*vm));
		if (!vm)
			return NULL;
		init_vm_struct(vm, purpose);
		flags = spin_lock_irqsave(&vmap_area_lock);
		err = vmarea_alloc(&vmalloc_space, &vm->va, npages, guard);
		spin_unlock_irqrestore(&vmap_area_lock, flags);
	}
	/* No room: maybe there is, in the ranges freed areas still hold. */
	if (err && nr_lazy && tlb_shootdown_possible()) {
		vmalloc_purge();
		flags = spin_lock_irqsave(&vmap_area_lock);
		err = vmarea_alloc(&vmalloc_space, &vm->va, npages, guard);
		spin_unlock_irqrestore(&vmap_area_lock, flags);
	}
	if (!err)
		return vm;
	vm->purge_next = NULL;
	put_vm_structs(vm);
	return NULL;
}

/* LAB3: BEGIN give a purged area's pages back to the page allocator in batches */
/* The pages an area holds, freed MAP_BATCH at a time: one lock round trip per batch. */
static void free_held_pages(struct vm_struct *vm)
{
	void *batch[MAP_BATCH];
	unsigned int n = 0;
	u64 pa = vm->held;

	while (pa) {
		void *page = phys_to_virt(pa);

		pa = *(u64 *)page; /* the link to the next, before the page is gone */
		batch[n++] = page;
		if (n == MAP_BATCH) {
			free_pages_bulk(batch, n);
			n = 0;
		}
	}
	if (n)
		free_pages_bulk(batch, n);
	vm->held = 0;
	vm->nr_held = 0;
}
/* LAB3: END */

/* LAB6: BEGIN the lazy purge: when to purge, and one shootdown for the whole batch */
/* Enough waits for a purge (lazy_max_pages()), and this caller can shoot down. */
static bool purge_due(void)
{
	u64 waiting = __atomic_load_n(&purge_list_pages, __ATOMIC_RELAXED);

	return waiting >= lazy_max_pages() && tlb_shootdown_possible();
}

/* Put a taken list back: its areas keep waiting (nothing of theirs may be reused). */
static void requeue(struct vm_struct *list, u64 pages)
{
	u64 flags = spin_lock_irqsave(&vmap_area_lock);
	struct vm_struct *last = list;

	while (last->purge_next)
		last = last->purge_next;
	last->purge_next = purge_list;
	purge_list = list;
	purge_list_pages += pages;
	spin_unlock_irqrestore(&vmap_area_lock, flags);
}

void vmalloc_purge(void)
{
	struct vm_struct *list, *vm;
	u64 flags, start = ~0UL, end = 0, pages = 0, areas = 0;

	/* No shootdown possible now (interrupts off): the batch waits for a caller that can. */
	if (!tlb_shootdown_possible())
		return;
	flags = spin_lock_irqsave(&vmap_area_lock);
	list = purge_list;
	purge_list = NULL;
	purge_list_pages = 0;
	spin_unlock_irqrestore(&vmap_area_lock, flags);
	if (!list)
		return;
	for (vm = list; vm; vm = vm->purge_next) {
		start = MIN(start, vm->va.addr);
		end = MAX(end, vm->va.addr + vm->va.npages * PAGE_SIZE);
		pages += vm->va.npages;
		areas++;
	}
	/*
	 * The rule: nothing of the batch goes to anyone before every CPU's TLB is clean of it.
	 * Until the shootdown returns, the areas stay in the tree (their ranges taken) and keep
	 * their pages; another CPU may be reading through a stale translation right now.
	 */
	if (flush_tlb_kernel_range(start, end)) {
		requeue(list, pages);
		return;
	}
	flags = spin_lock_irqsave(&vmap_area_lock);
	for (vm = list; vm; vm = vm->purge_next) {
		vmarea_free(&vmalloc_space, &vm->va);
		held_pages -= vm->nr_held;
	}
	nr_lazy -= areas;
	lazy_pages -= pages;
	nr_purges++;
	spin_unlock_irqrestore(&vmap_area_lock, flags);
	for (vm = list; vm; vm = vm->purge_next)
		free_held_pages(vm);
	put_vm_structs(list);
}
/* LAB6: END */

void vmalloc_purge_if_due(void)
{
	if (purge_due())
		vmalloc_purge();
}

/* Every page an unmap takes out goes onto the area's list of held pages, linked through itself. */
static void hold_unmapped_page(u64 pa, void *ctx)
{
	struct vm_struct *vm = ctx;

	*(u64 *)phys_to_virt(pa) = vm->held;
	vm->held = pa;
	vm->nr_held++;
}

/* Unmap the first `mapped` pages of vm; the area keeps the pages it owns until its purge. */
static void unmap_area(struct vm_struct *vm, u64 mapped)
{
	unmap_kernel_range(vm->va.addr, mapped, vm->owns_pages ? hold_unmapped_page : NULL, vm);
}

/*
 * Unmap the first `mapped` pages of vm (it keeps those it owns) and put the area on the purge
 * list; purge the list if enough waits. A vmap() area's pages belong to its caller, who may free
 * them as soon as vunmap() returns: so every CPU's TLB forgets them now, not at the purge.
 */
static void release_vm_area(struct vm_struct *vm, u64 mapped)
{
	u64 flags;

	unmap_area(vm, mapped);
	if (vm->flush_now && flush_tlb_kernel_range(vm->va.addr, vm->va.addr + mapped * PAGE_SIZE))
		pr_err("BUG: vunmap(%#lx) with interrupts off: other CPUs may still map the "
		       "pages\n",
		       vm->va.addr);
	flags = spin_lock_irqsave(&vmap_area_lock);
	vm->freed = true;
	vm->purge_next = purge_list;
	purge_list = vm;
	nr_lazy++;
	lazy_pages += vm->va.npages;
	held_pages += vm->nr_held;
	purge_list_pages += vm->va.npages;
	spin_unlock_irqrestore(&vmap_area_lock, flags);
	if (purge_due())
		vmalloc_purge();
}

/*
 * Map every page of a new area, MAP_BATCH at a time: the pages of a batch come from fill() (new
 * ones in one call to the page allocator for vmalloc, given ones for vmap, device memory for
 * ioremap) and go into the page tables with one walk per table. On failure, undo: unmap what
 * was mapped, give the area back. One copy of the unwinding for vmalloc, vmap and ioremap.
 * Between kill_disable() and kill_enable() (kernel/locking/spinlock.h): pages taken and not yet
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
	/* Direct-map addresses from the page allocator: virt_to_phys()'s checks can only pass. */
	for (i = 0; i < n; i++)
		pa[i] = (u64)pages[i] - PAGE_OFFSET;
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

static void *vmalloc_area(u64 npages, u32 guard_pages, const char *purpose, struct vm_struct **out)
{
	struct vm_struct *vm = get_vm_area(npages, guard_pages, purpose);
	void *addr;

	if (!vm)
		return NULL;
	vm->owns_pages = true;
	/* The guard pages are simply never mapped: an absent PTE costs no physical page. */
	addr = map_area(vm, new_pages, NULL, PAGE_KERNEL);
	if (addr && out)
		*out = vm;
	return addr;
}

/*
 * Could a purge give a failed allocation what it lacked? Only if freed areas hold pages (the
 * failed one's included) and this caller can shoot down. Not while failure injection is armed
 * (fail_nth): the failure it asks for must stay one.
 */
static bool purge_may_help(void)
{
	return __atomic_load_n(&held_pages, __ATOMIC_RELAXED) && tlb_shootdown_possible();
}

void *vmalloc_guarded(size_t size, u32 guard_pages, const char *purpose, struct vm_struct **out)
{
	u64 npages = ALIGN_UP(size, PAGE_SIZE) >> PAGE_SHIFT;
	bool injecting = __atomic_load_n(&fail_nth, __ATOMIC_RELAXED);
	void *addr;

	if (!size)
		return NULL;
	kill_disable();
	addr = vmalloc_area(npages, guard_pages, purpose, out);
	/* No memory: the pages that freed areas hold until their purge may be enough. */
	if (!addr && !injecting && purge_may_help()) {
		vmalloc_purge();
		addr = vmalloc_area(npages, guard_pages, purpose, out);
	}
	kill_enable();
	return addr;
}

void *vmalloc(size_t size)
{
	return vmalloc_guarded(size, VMALLOC_GUARD_PAGES, "vmalloc", NULL);
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
		vm->flush_now = true;
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
	st->held_pages = held_pages;
	st->nr_purges = nr_purges;
	st->lazy_max_pages = lazy_max_pages();
	spin_unlock_irqrestore(&vmap_area_lock, flags);
}

/* Like /proc/vmallocinfo: one line per area, in address order. */
void vmallocinfo(void)
{
	u64 flags = spin_lock_irqsave(&vmap_area_lock);
	struct vmarea *va;

	for (va = vmarea_first(&vmalloc_space); va; va = vmarea_next(va)) {
		struct vm_struct *vm = va->owner;

		printk("0x%016lx-0x%016lx %8lu pages=%lu guard=%u %s", va->addr,
		       va->addr + va->npages * PAGE_SIZE, va->npages * PAGE_SIZE, va->npages,
		       va->guard, vm->purpose);
		if (vm->freed)
			printk(KERN_CONT " (freed, waiting for a purge, holds %lu pages)",
			       vm->nr_held);
		printk(KERN_CONT "\n");
	}
	printk("%lu areas, %lu pages mapped; %lu freed areas waiting for a purge, holding %lu "
	       "pages "
	       "(purged at %lu pages: 8192 x fls(%u CPUs), at most 1/32 of RAM)\n",
	       vmalloc_space.nr_areas - nr_lazy, vmalloc_space.used_pages - lazy_pages, nr_lazy,
	       held_pages, lazy_max_pages(), tlb_nr_cpus());
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
static void *ioremap_prot(u64 phys, size_t size, u64 prot)
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
	return ioremap_prot(phys, size, PAGE_KERNEL);
}

/*
 * PCD and PWT with the PAT as the firmware leaves it (PAT entry 3): uncached (UC), whatever the
 * MTRRs say. Device registers such as the local APIC's must see every access, in order.
 */
void *ioremap_nocache(u64 phys, size_t size)
{
	return ioremap_prot(phys, size, PAGE_KERNEL | PTE_PCD | PTE_PWT);
}

void iounmap(const void *addr)
{
	vfree((const void *)ALIGN_DOWN((u64)addr, PAGE_SIZE));
}
