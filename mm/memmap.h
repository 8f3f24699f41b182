/*
 * The physical memory map, as the boot code found it: what mm is told about memory, whatever
 * the boot loader (multiboot2 today) or the firmware called it. Like Linux's memblock, it is
 * filled once before mm_init() and only read after.
 */
#ifndef MM_MEMMAP_H
#define MM_MEMMAP_H

#include "kernel/lib/types.h"

#define MEMMAP_MAX_REGIONS  128
#define MEMMAP_MAX_RESERVED 16

enum mem_type {
	MEM_RAM,      /* usable RAM: the page allocator manages it */
	MEM_FIRMWARE, /* ACPI tables and NVS: in the direct map, never allocated */
	MEM_RESERVED, /* anything else: neither */
};

struct mem_region {
	u64 start, end; /* [start, end), bytes */
	enum mem_type type;
};

struct memmap {
	struct mem_region regions[MEMMAP_MAX_REGIONS];
	u32 nr_regions;
	/* RAM that holds something the kernel still needs: the boot information, modules. */
	struct mem_region reserved[MEMMAP_MAX_RESERVED];
	u32 nr_reserved;
};

/* Append a region; false (and nothing added) when the table is full. */
static inline bool memmap_add(struct mem_region *table, u32 *nr, u32 max, u64 start, u64 end,
			      enum mem_type type)
{
	if (*nr >= max)
		return false;
	table[*nr].start = start;
	table[*nr].end = end;
	table[*nr].type = type;
	(*nr)++;
	return true;
}

#endif
