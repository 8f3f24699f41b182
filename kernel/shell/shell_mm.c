/* Shell commands about memory: meminfo, vmallocinfo, kfenceinfo, pagewalk, ptdump. */
#include "arch/x86_64/asm/special_insns.h"
#include "kernel/printk/printk.h"
#include "kernel/shell/shell_cmds.h"
#include "kernel/lib/string.h"
#include "kernel/lib/vsprintf.h"
#include "mm/fail.h"
#include "mm/kfence.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"
#include "mm/ptdump.h"
#include "mm/slab.h"
#include "mm/vmalloc.h"

static u64 kib(u64 pages)
{
	return pages * (PAGE_SIZE >> 10);
}

int cmd_meminfo(int argc, char **argv)
{
	struct page_stats ps;
	struct vmalloc_stats vs;
	struct kmalloc_stats ks;
	unsigned int o;

	page_stats(&ps);
	vmalloc_stats(&vs);
	kmalloc_stats(&ks);
	printk("MemTotal:     %10lu kB\n", kib(ps.total));
	printk("MemFree:      %10lu kB\n", kib(ps.free));
	printk("MemUsed:      %10lu kB\n", kib(ps.total - ps.free));
	printk("Reserved:     %10lu kB  (holes, first MiB, kernel, boot info, page map)\n",
	       kib(ps.reserved));
	printk("Slab:         %10lu kB  (%lu objects)\n", kib(ks.pages), ks.objects);
	printk("VmallocUsed:  %10lu kB  (%lu areas)\n", kib(vs.pages), vs.nr_areas);
	printk("VmallocHeld:  %10lu kB  (%lu freed areas' pages, given back at their purge)\n",
	       kib(vs.held_pages), vs.nr_lazy);
	shell_meminfo_stacks();
	if (ps.bad_frees)
		printk("BadFrees:     %10lu     (refused: double, wrong order, never allocated)\n",
		       ps.bad_frees);
	printk("Free blocks per order (like /proc/buddyinfo):\n  order:");
	for (o = 0; o < NR_PAGE_ORDERS; o++)
		printk(KERN_CONT " %6u", o);
	printk(KERN_CONT "\n  free: ");
	for (o = 0; o < NR_PAGE_ORDERS; o++)
		printk(KERN_CONT " %6lu", ps.free_blocks[o]);
	printk(KERN_CONT "\n");
	return 0;
}

/* The guarded heap (mm/kfence.h): its pool and what it caught since boot. */
int cmd_kfenceinfo(int argc, char **argv)
{
	struct kfence_stats st;

	kfence_get_stats(&st);
	if (!st.objects) {
		printk("kfence: off (kfence.sample_interval=0)\n");
		return 0;
	}
	printk("pool:          %lu objects at %#lx-%#lx, %lu KiB of RAM\n", st.objects,
	       KFENCE_POOL_START, KFENCE_POOL_START + KFENCE_POOL_SIZE - 1,
	       st.objects * PAGE_SIZE / 1024);
	if (st.all)
		printk("sampling:      every allocation (kfence=all)\n");
	else
		printk("sampling:      one allocation every %lu ms\n", st.interval_ms);
	printk("in use:        %lu\n", st.in_use);
	printk("allocations:   %lu  (sampled or guarded)\n", st.allocations);
	printk("frees:         %lu\n", st.frees);
	printk("fallbacks:     %lu  (kfence=all, the pool full: the slab's)\n", st.fallbacks);
	printk("faults:        %lu  (out-of-bounds and use-after-free, reported)\n", st.faults);
	printk("bad frees:     %lu  (double and invalid, refused)\n", st.bad_frees);
	printk("corruptions:   %lu  (slack written, found at the free)\n", st.corruptions);
	return 0;
}

/* `vmallocinfo purge` purges the freed areas first (a shootdown, then ranges and pages back). */
int cmd_vmallocinfo(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "purge")) {
		printk("usage: vmallocinfo [purge]\n");
		return 1;
	}
	if (argc > 1)
		vmalloc_purge();
	vmallocinfo();
	return 0;
}

int cmd_vmtree(int argc, char **argv)
{
	vmalloc_show_tree();
	return 0;
}

static void print_entry_flags(u64 e)
{
	if (!(e & PTE_PRESENT)) {
		printk(KERN_CONT " (not present)");
		return;
	}
	printk(KERN_CONT "%s%s%s%s%s%s%s%s", e & PTE_PRESENT ? " P" : " -",
	       e & PTE_WRITE ? " W" : " R", e & PTE_USER ? " U" : " S",
	       e & PTE_ACCESSED ? " A" : "", e & PTE_DIRTY ? " D" : "", e & PTE_HUGE ? " PS" : "",
	       e & PTE_GLOBAL ? " G" : "", e & PTE_NX ? " NX" : " X");
}

int cmd_pagewalk(int argc, char **argv)
{
	static const char *const names[4] = { "PML4", "PDPT", "PD", "PT" };
	struct pt_walk w;
	u64 va;
	int i;

	if (argc != 2 || kstrtou64(argv[1], &va)) {
		pr_err("usage: pagewalk <address>   (e.g. pagewalk 0xffffffff80100000)\n");
		return -1;
	}
	if (!is_canonical(va)) {
		pr_err("pagewalk: %#lx is not canonical (bits 63..47 must be all 0 or all 1)\n",
		       va);
		return -1;
	}
	pt_walk(read_cr3() & PTE_ADDR_MASK, va, &w);
	printk("virtual address %#lx, CR3 %#lx\n", va, read_cr3() & PTE_ADDR_MASK);
	for (i = 0; i < w.levels; i++) {
		printk("  %-4s [%3u] in table %#lx: %016lx", names[i], pt_index(va, 4 - i),
		       w.table_pa[i], w.entry[i]);
		print_entry_flags(w.entry[i]);
		printk(KERN_CONT "\n");
	}
	if (w.leaf_level)
		printk("  -> physical %#lx (%s page)\n", w.pa,
		       w.leaf_level == 3   ? "1 GiB"
		       : w.leaf_level == 2 ? "2 MiB"
					   : "4 KiB");
	else
		printk("  -> not mapped (a fault on access)\n");
	return 0;
}

/* Where the parts of the kernel half begin (arch/x86_64/paging.h): ptdump's headings. */
static const struct {
	u64 start;
	const char *name;
} ptdump_regions[] = {
	{ KERNEL_HALF_START, "kernel half: unused" },
	{ PAGE_OFFSET, "direct map of all RAM (PAGE_OFFSET)" },
	{ KFENCE_POOL_START, "KFENCE pool: objects between guard pages (KFENCE_POOL_START)" },
	{ KFENCE_POOL_START + KFENCE_POOL_SIZE, "unused" },
	{ VMALLOC_START, "vmalloc range: vmalloc, vmap, stacks (VMALLOC_START)" },
	{ VMALLOC_END, "unused" },
	{ KERNEL_VMA, "kernel image (KERNEL_VMA)" },
};

/* A size in the biggest unit it fills (4K, 2M, 8704G); "~" when that unit rounds it. */
static void format_size(u64 bytes, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	int u = 0;

	while (u < 3 && bytes >> (10 * (u + 2)))
		u++;
	if (bytes & ((1UL << (10 * (u + 1))) - 1))
		snprintf(buf, len, "~%lu%c",
			 (bytes + (1UL << (10 * (u + 1) - 1))) >> (10 * (u + 1)), units[u]);
	else
		snprintf(buf, len, "%lu%c", bytes >> (10 * (u + 1)), units[u]);
}

static void ptdump_print_run(u64 start, u64 end, const struct ptdump_range *r)
{
	char size[24];

	/* end == 0 is 2^64; unsigned arithmetic gives the right size and last byte anyway. */
	format_size(end - start, size, sizeof(size));
	printk("0x%016lx-0x%016lx %7s", start, end - 1, size);
	if (!r->flags) {
		printk(KERN_CONT "  not mapped\n");
		return;
	}
	printk(KERN_CONT "  %s %s %s %s %s pages\n", r->flags & PTE_WRITE ? "RW" : "ro",
	       r->flags & PTE_NX ? "NX" : "x ", r->flags & PTE_GLOBAL ? "G" : "-",
	       r->flags & PTE_USER ? "U" : "-",
	       r->level == 3   ? "1G"
	       : r->level == 2 ? "2M"
			       : "4K");
}

/* Print one run, split where a new part of the address space begins, under its heading. */
static void ptdump_print(const struct ptdump_range *r, void *ctx)
{
	int *region = ctx, n = ARRAY_SIZE(ptdump_regions);
	u64 start = r->start;

	for (;;) {
		u64 next;

		while (*region + 1 < n && start >= ptdump_regions[*region + 1].start) {
			(*region)++;
			printk("---[ %s ]---\n", ptdump_regions[*region].name);
		}
		next = *region + 1 < n ? ptdump_regions[*region + 1].start : 0;
		if (!next || (r->end && r->end <= next)) {
			ptdump_print_run(start, r->end, r);
			return;
		}
		ptdump_print_run(start, next, r);
		start = next;
	}
}

int cmd_ptdump(int argc, char **argv)
{
	int region = -1;

	if (argc != 1) {
		pr_err("usage: ptdump   (the kernel half of the current page tables)\n");
		return -1;
	}
	printk("kernel half of the page tables at CR3 %#lx (RW/ro, NX/x, G global, U user)\n",
	       read_cr3() & PTE_ADDR_MASK);
	ptdump_walk(read_cr3() & PTE_ADDR_MASK, ptdump_print, &region);
	return 0;
}

int cmd_fail(int argc, char **argv)
{
	u64 n;

	if (argc == 1) {
		printk("fail: %lu allocations made to fail since boot\n", fail_nth_injected());
		return 0;
	}
	if (argc != 2 || kstrtou64(argv[1], &n)) {
		pr_err("usage: fail <n>   (the n-th allocation from now fails; 0: none)\n");
		return -1;
	}
	fail_nth_set(n);
	if (n)
		printk("fail: allocation %lu from now will fail\n", n);
	else
		printk("fail: off\n");
	return 0;
}
