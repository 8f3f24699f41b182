#include "mm/mm.h"
#include "mm/kfence.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"
#include "mm/vmalloc.h"

/* The boot page tables map physical 0-4 GiB: the allocator may use only that until the switch. */
#define BOOT_DIRECT_MAP_LIMIT (4UL << 30)

void mm_init(const struct memmap *map)
{
	page_alloc_init(map, BOOT_DIRECT_MAP_LIMIT);
	paging_init(map);
	page_alloc_add_above(map, BOOT_DIRECT_MAP_LIMIT);
	vmalloc_init();
	kfence_init();
}
