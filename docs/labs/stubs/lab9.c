/*
 * Lab 9's stubs (docs/labs/lab9-guarded-heap.md), one for each LAB9 solution
 * region: scripts/handout puts them in the lab's handout in place of the solutions. Not
 * compiled here. Each sits under a line naming the region's file and title (the text of its
 * BEGIN marker); the lines down to the next such line are the stub, blank lines at either
 * end aside. docs/labs/INSTRUCTORS.md says how to edit one.
 */

/* STUB mm/kfence.c: the quarantine: a FIFO of free slots, linked through kfence_meta[].next */
/* TODO: put slot i at the tail of the FIFO: the slot freed last is the last to come back. */
static void fifo_push(int i)
{
	(void)i;
	(void)fifo_head;
	(void)fifo_tail;
}

/* TODO: take the slot at the head, the one freed longest ago; -1 if the FIFO is empty. */
static int fifo_pop(void)
{
	return -1; /* until then the pool never has room: every kmalloc() is the slab's */
}

/* STUB mm/kfence.c: the slack: fill the page with the pattern, and find the first byte that lost it */
/* TODO: fill the page at page, object included, with the pattern (kmalloc() does not zero). */
static void fill_pattern(u64 page)
{
	(void)page;
}

/* TODO: the first slack byte of m's page that lost its pattern, or 0 if all are intact. */
static u64 slack_corrupted(const struct kfence_metadata *m)
{
	(void)m;
	return 0; /* until then a write into the slack goes unnoticed */
}

/* STUB mm/kfence.c: place an object: against its page's end and its start in turn */
static u64 place_object(u64 page, size_t size)
{
	/* TODO: until then every object is at its page's start: an overrun is never caught */
	(void)size;
	(void)nr_placed;
	return page;
}

/* STUB mm/kfence.c: check the slack, take the page away, then give the slot to the quarantine */
	/*
	 * TODO: check the slack (slack_corrupted(), report_corruption()), make the page not
	 * present (set_kernel_page_present()), and put the slot in the quarantine (fifo_push(),
	 * stats.frees, stats.in_use, under kfence_lock). Until then a freed object stays mapped,
	 * and its slot never comes back.
	 */
	(void)bad;
	(void)slack_corrupted;
	(void)report_corruption;
