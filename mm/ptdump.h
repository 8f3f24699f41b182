/*
 * A page-table dump: the kernel half of an address space as runs of pages that look the same,
 * like Linux's /sys/kernel/debug/page_tables. The `ptdump` shell command prints it; lab 1 has
 * students write the walk (docs/labs/lab1-page-tables.md).
 */
#ifndef MM_PTDUMP_H
#define MM_PTDUMP_H

#include "kernel/lib/types.h"

/*
 * One run of virtual addresses [start, end) whose pages all have the same effective rights and
 * the same page size. end == 0 stands for 2^64: the run that reaches the top of the address space.
 */
struct ptdump_range {
	u64 start;
	u64 end;
	u64 flags; /* PTE_PRESENT, PTE_WRITE, PTE_USER, PTE_NX, PTE_GLOBAL; 0 if not mapped */
	int level; /* level of the leaf entries: 3 = 1 GiB, 2 = 2 MiB, 1 = 4 KiB; 0 if not mapped */
};

typedef void (*ptdump_fn)(const struct ptdump_range *r, void *ctx);

/*
 * Walk the kernel half (0xffff800000000000 up to 2^64) of the page tables whose PML4 is at
 * physical address pml4_pa, and call fn once per run, in address order. Together the runs cover
 * the kernel half without gaps, and two neighbouring runs always differ in flags or level.
 *
 * The rights of a mapping are the combination over all four levels: writable only if every level
 * allows writes (the same for user access), no-execute if any level says NX. The global bit is
 * the leaf entry's.
 */
void ptdump_walk(u64 pml4_pa, ptdump_fn fn, void *ctx);

#endif
