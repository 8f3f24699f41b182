/*
 * Lab 3's stubs (docs/labs/lab3-vmalloc-guards.md), one for each LAB3 solution
 * region: scripts/handout puts them in the lab's handout in place of the solutions. Not
 * compiled here. Each sits under a line naming the region's file and title (the text of its
 * BEGIN marker); the lines down to the next such line are the stub, blank lines at either
 * end aside. docs/labs/INSTRUCTORS.md says how to edit one.
 */

/* STUB mm/vmalloc.c: give a purged area's pages back to the page allocator in batches */
/*
 * TODO: vm->held is the physical address of the first page the area holds (0: none); each page
 * holds the physical address of the next in its first 8 bytes (reach it with phys_to_virt()).
 * Give every one back to the page allocator MAP_BATCH at a time with free_pages_bulk(), one lock
 * round trip per batch rather than per page, and do not forget the last, partial batch. As it
 * is, no page is ever given back: every vfree() leaks them.
 */
static void free_held_pages(struct vm_struct *vm)
{
	vm->held = 0;
	vm->nr_held = 0;
}

/* STUB mm/vmarea.c: find room for a span and its guards in the augmented tree, aligned, and place it */
/*
 * TODO: find room for the span in the tree and place it (docs/labs/lab3-vmalloc-guards.md,
 * exercise 1). As it is, every area goes after the last one, without guard pages and without
 * alignment, and the room of a freed area is never used again.
 */
int vmarea_alloc_aligned(struct vmarea_space *s, struct vmarea *va, u64 npages, u32 guard,
			 u64 align)
{
	struct vmarea *last = rightmost(s->root);
	u64 start = last ? vmarea_span_end(last) : s->start;

	(void)guard;
	(void)align;
	if (npages == 0 || pages_between(start, s->end) < npages)
		return -1;
	va->span_start = start;
	va->span_pages = npages;
	va->guard = 0;
	va->npages = npages;
	va->addr = start;
	va->gap = 0;
	tree_insert(s, va, last);
	s->nr_areas++;
	s->used_pages += npages;
	s->span_pages_used += npages;
	return 0;
}

/* STUB mm/vmarea.c: is addr in the leading or the trailing guard of this area? */
	/* TODO: true for the guard pages below and above the usable pages */
	(void)va;
	(void)addr;
	return false;
