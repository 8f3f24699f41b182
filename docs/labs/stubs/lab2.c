/*
 * Lab 2's stubs (docs/labs/lab2-buddy.md), one for each LAB2 solution
 * region: scripts/handout puts them in the lab's handout in place of the solutions. Not
 * compiled here. Each sits under a line naming the region's file and title (the text of its
 * BEGIN marker); the lines down to the next such line are the stub, blank lines at either
 * end aside. docs/labs/INSTRUCTORS.md says how to edit one.
 */

/* STUB mm/buddy.c: the free lists, allocation with splitting, freeing with merging, bad frees */
/*
 * TODO: the buddy allocator (docs/labs/lab2-buddy.md): free lists of blocks of each order,
 * buddy_alloc() that splits the smallest block big enough, buddy_free() that refuses a bad free
 * and merges the block with its buddy for as long as it can, and free_block() that add_run()
 * uses to hand the allocator its memory at boot.
 *
 * What stands here only lets the kernel boot. It is a bump allocator: a page added to the zone
 * keeps flags 0, buddy_alloc() hands out the next aligned run of such pages after the last one
 * it gave, and a freed block is never handed out again. Memory only runs out, and the zone
 * fails buddy_check() from the start.
 */
static u64 bump_next; /* where the next search starts, in the zone used last */

static void free_block(struct buddy_zone *z, u64 pfn, unsigned int order)
{
	(void)pfn;
	z->free += order_pages(order);
}

static bool bump_run_is_free(const struct buddy_zone *z, u64 pfn, u64 n)
{
	u64 i;

	for (i = 0; i < n; i++)
		if (!pfn_in_zone(z, pfn + i) || pfn_to_page(z, pfn + i)->flags != 0)
			return false;
	return true;
}

s64 buddy_alloc(struct buddy_zone *z, unsigned int order)
{
	u64 pfn;

	if (order > MAX_PAGE_ORDER)
		return BUDDY_NO_PAGE;
	if (!pfn_in_zone(z, bump_next))
		bump_next = z->base_pfn;
	for (pfn = ALIGN_UP(bump_next, order_pages(order)); pfn_in_zone(z, pfn);
	     pfn += order_pages(order)) {
		if (!bump_run_is_free(z, pfn, order_pages(order)))
			continue;
		pfn_to_page(z, pfn)->flags = PG_head;
		pfn_to_page(z, pfn)->order = (u8)order;
		set_tail_flags(z, pfn, order, PG_tail);
		z->free -= order_pages(order);
		bump_next = pfn + order_pages(order);
		return (s64)pfn;
	}
	return BUDDY_NO_PAGE;
}

static int check_free_args(const struct buddy_zone *z, u64 pfn, unsigned int order)
{
	(void)order;
	return pfn_in_zone(z, pfn) ? 0 : BUDDY_ENOTALLOC;
}

int buddy_free(struct buddy_zone *z, u64 pfn, unsigned int order)
{
	return check_free_args(z, pfn, order);
}
