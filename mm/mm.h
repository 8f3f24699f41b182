#ifndef MM_MM_H
#define MM_MM_H

#include "mm/memmap.h"

/* Bring up all of memory management: page allocator, kernel page tables, vmalloc. */
void mm_init(const struct memmap *map);

#endif
