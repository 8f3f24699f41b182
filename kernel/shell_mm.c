/* Shell commands about memory: meminfo, vmallocinfo, pagewalk. */
#include "arch/x86_64/io.h"
#include "kernel/printk.h"
#include "kernel/shell_cmds.h"
#include "kernel/string.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"
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

int cmd_vmallocinfo(int argc, char **argv)
{
	vmallocinfo();
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
	       e & PTE_ACCESSED ? " A" : "", e & PTE_DIRTY ? " D" : "",
	       e & PTE_HUGE ? " PS" : "", e & PTE_GLOBAL ? " G" : "", e & PTE_NX ? " NX" : " X");
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
		pr_err("pagewalk: %#lx is not canonical (bits 63..47 must be all 0 or all 1)\n", va);
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
		       w.leaf_level == 3 ? "1 GiB" : w.leaf_level == 2 ? "2 MiB" : "4 KiB");
	else
		printk("  -> not mapped (a fault on access)\n");
	return 0;
}
