#include "arch/x86_64/paging.h"
#include "arch/x86_64/asm/special_insns.h"

u64 __supported_pte_mask = ~0UL;

bool pt_walk(u64 pml4_pa, u64 va, struct pt_walk *w)
{
	u64 table = pml4_pa;
	int level;

	w->va = va;
	w->levels = 0;
	w->leaf_level = 0;
	w->pa = 0;
	if (!is_canonical(va))
		return false;
	for (level = 4; level >= 1; level--) {
		u64 e = ((pte_t *)phys_to_virt(table))[pt_index(va, level)];
		int i = 4 - level;

		w->entry[i] = e;
		w->table_pa[i] = table;
		w->levels = i + 1;
		if (!(e & PTE_PRESENT))
			return false;
		if (level == 1 || ((level == 2 || level == 3) && (e & PTE_HUGE))) {
			u64 page_size = 1UL << (PT_SHIFT + 9 * (level - 1));

			w->leaf_level = level;
			w->pa = (e & PTE_ADDR_MASK & ~(page_size - 1)) | (va & (page_size - 1));
			return true;
		}
		table = e & PTE_ADDR_MASK;
	}
	return false;
}

bool kernel_page_mapped(u64 va)
{
	struct pt_walk w;

	return pt_walk(read_cr3() & PTE_ADDR_MASK, va, &w);
}
