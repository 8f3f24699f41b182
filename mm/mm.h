#ifndef MM_MM_H
#define MM_MM_H

#include "boot/multiboot2.h"

/* Bring up all of memory management: page allocator, kernel page tables, vmalloc. */
void mm_init(const struct mb2_info *mb, u64 mb_phys);

#endif
