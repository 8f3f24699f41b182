/*
 * Lab 1's stubs (docs/labs/lab1-page-tables.md), one for each LAB1 solution
 * region: scripts/handout puts them in the lab's handout in place of the solutions. Not
 * compiled here. Each sits under a line naming the region's file and title (the text of its
 * BEGIN marker); the lines down to the next such line are the stub, blank lines at either
 * end aside. docs/labs/INSTRUCTORS.md says how to edit one.
 */

/* STUB mm/ptdump.c: walk the kernel half of the page tables and report runs of like pages */
void ptdump_walk(u64 pml4_pa, ptdump_fn fn, void *ctx)
{
	/*
	 * TODO: visit the kernel-half entries (256..511) of the PML4 at pml4_pa, follow present
	 * entries down to the leaves (a PT entry, or a PD/PDPT entry with PTE_HUGE), and call
	 * fn(&run, ctx) once per run of pages with the same effective rights and page size, in
	 * address order. Absent entries are runs too (flags 0, level 0). See mm/ptdump.h.
	 */
	pr_warn("ptdump: not implemented yet (lab 1, mm/ptdump.c)\n");
}
