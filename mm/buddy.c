/*
 * Buddy page allocator; see mm/buddy.h for the page states and the API.
 *
 * Free blocks of each order sit on a doubly linked list threaded through the struct page of
 * their first page. The links are u32 indices into the map rather than pointers, which keeps
 * struct page at 12 bytes. Only the first page of a block records the order; the other pages
 * just say whether they are part of a free (flags 0) or an allocated (PG_tail) block.
 */
#include "kernel/lib/types.h"
#include "mm/buddy.h"

/* Pages in a block of the given order. */
static u64 order_pages(unsigned int order)
{
	return (u64)1 << order;
}

static bool pfn_in_zone(const struct buddy_zone *z, u64 pfn)
{
	return pfn >= z->base_pfn && pfn - z->base_pfn < z->span;
}

static struct page *pfn_to_page(const struct buddy_zone *z, u64 pfn)
{
	return &z->map[pfn - z->base_pfn];
}

/* Clip [pfn, pfn + count) to the zone; returns false if nothing is left. */
static bool clip_to_zone(const struct buddy_zone *z, u64 pfn, u64 count, u64 *start, u64 *end)
{
	/* Clamp rather than wrap around if pfn + count overflows. */
	u64 last = count > UINT64_MAX - pfn ? UINT64_MAX : pfn + count;

	*start = MAX(pfn, z->base_pfn);
	*end = MIN(last, z->base_pfn + z->span);
	return *start < *end;
}

/* Give every page of the block the same flags (0: free, PG_tail: allocated) except the first. */
static void set_tail_flags(struct buddy_zone *z, u64 pfn, unsigned int order, u8 flags)
{
	u64 i;

	for (i = 1; i < order_pages(order); i++)
		pfn_to_page(z, pfn + i)->flags = flags;
}

/* ---------------------------------------------------------------------------------------- */
/* Free lists, allocation, freeing */

/* LAB2: BEGIN the free lists, allocation with splitting, freeing with merging, bad frees */
static u32 pfn_to_index(const struct buddy_zone *z, u64 pfn)
{
	return (u32)(pfn - z->base_pfn);
}

/*
 * The buddy of an order k block is the other half of the order k+1 block that contains it.
 * The two halves differ only in bit k of their pfn, so flipping that bit finds the buddy.
 */
static u64 buddy_of(u64 pfn, unsigned int order)
{
	return pfn ^ order_pages(order);
}

/* Put the block at pfn at the front of the free list of its order and mark it free. */
static void free_list_add(struct buddy_zone *z, u64 pfn, unsigned int order)
{
	u32 idx = pfn_to_index(z, pfn);
	u32 first = z->free_list[order];
	struct page *p = &z->map[idx];

	p->flags = PG_buddy;
	p->order = (u8)order;
	p->prev = BUDDY_NIL;
	p->next = first;
	if (first != BUDDY_NIL)
		z->map[first].prev = idx;
	z->free_list[order] = idx;
	z->nr_free[order]++;
	z->free += order_pages(order);
}

/*
 * Take the block at pfn off its free list. Its first page is left with flags 0, like the rest
 * of the block: the caller decides what the pages become next.
 */
static void free_list_del(struct buddy_zone *z, u64 pfn, unsigned int order)
{
	struct page *p = pfn_to_page(z, pfn);

	if (p->prev != BUDDY_NIL)
		z->map[p->prev].next = p->next;
	else
		z->free_list[order] = p->next;
	if (p->next != BUDDY_NIL)
		z->map[p->next].prev = p->prev;
	p->next = BUDDY_NIL;
	p->prev = BUDDY_NIL;
	p->flags = 0;
	p->order = 0;
	z->nr_free[order]--;
	z->free -= order_pages(order);
}

/*
 * Is there a whole free block of exactly this order at pfn? A free block of a smaller order
 * there would mean that only part of the range is free. PG_buddy is never set together with
 * PG_reserved, so this also rules out reserved pages.
 */
static bool is_free_block(const struct buddy_zone *z, u64 pfn, unsigned int order)
{
	const struct page *p;

	if (!pfn_in_zone(z, pfn))
		return false;
	p = pfn_to_page(z, pfn);
	return p->flags == PG_buddy && p->order == order;
}

/*
 * Free the block [pfn, pfn + 2^order), whose pages all have flags 0. While its buddy is a free
 * block of the same order, take the buddy off its list and carry on with the merged block,
 * which starts at the lower of the two halves and is one order bigger. The first page of the
 * upper half is left with flags 0: it is now just an inner page of the merged block.
 */
static void free_block(struct buddy_zone *z, u64 pfn, unsigned int order)
{
	while (order < MAX_PAGE_ORDER) {
		u64 buddy = buddy_of(pfn, order);

		if (!is_free_block(z, buddy, order))
			break;
		free_list_del(z, buddy, order);
		pfn = MIN(pfn, buddy);
		order++;
	}
	free_list_add(z, pfn, order);
}

s64 buddy_alloc(struct buddy_zone *z, unsigned int order)
{
	unsigned int cur;
	u64 pfn;

	if (order > MAX_PAGE_ORDER)
		return BUDDY_NO_PAGE;

	/* The smallest free block that is big enough wastes the fewest big blocks. */
	for (cur = order; cur <= MAX_PAGE_ORDER; cur++)
		if (z->free_list[cur] != BUDDY_NIL)
			break;
	if (cur > MAX_PAGE_ORDER)
		return BUDDY_NO_PAGE;

	pfn = z->base_pfn + z->free_list[cur];
	free_list_del(z, pfn, cur);

	/* Halve it until it has the order asked for: the caller keeps the lower halves. */
	while (cur > order) {
		cur--;
		free_list_add(z, pfn + order_pages(cur), cur);
	}

	pfn_to_page(z, pfn)->flags = PG_head;
	pfn_to_page(z, pfn)->order = (u8)order;
	set_tail_flags(z, pfn, order, PG_tail);
	return (s64)pfn;
}

/*
 * Decide, without changing anything, whether (pfn, order) is a block that buddy_alloc()
 * returned and that is still allocated. Thanks to the page states this takes one look at the
 * first page: no searching.
 */
static int check_free_args(const struct buddy_zone *z, u64 pfn, unsigned int order)
{
	const struct page *p;

	if (!pfn_in_zone(z, pfn))
		return BUDDY_ENOTALLOC;
	p = pfn_to_page(z, pfn);
	/* The first page of a free block, any other page of one, or a page freed and parked. */
	if (p->flags == PG_buddy || p->flags == 0 || p->flags == (PG_head | PG_parked))
		return BUDDY_EDOUBLE;
	/* A reserved page, or a page inside an allocated block but not its first. */
	if (p->flags != PG_head)
		return BUDDY_ENOTALLOC;
	if (p->order != order)
		return BUDDY_EORDER;
	return 0;
}

int buddy_free(struct buddy_zone *z, u64 pfn, unsigned int order)
{
	int err = check_free_args(z, pfn, order);

	if (err)
		return err;
	pfn_to_page(z, pfn)->flags = 0;
	pfn_to_page(z, pfn)->order = 0;
	set_tail_flags(z, pfn, order, 0);
	free_block(z, pfn, order);
	return 0;
}
/* LAB2: END */

int buddy_park(struct buddy_zone *z, u64 pfn)
{
	int err = check_free_args(z, pfn, 0);

	if (!err)
		pfn_to_page(z, pfn)->flags = PG_head | PG_parked;
	return err;
}

int buddy_split(struct buddy_zone *z, u64 pfn, unsigned int order)
{
	int err = order ? check_free_args(z, pfn, order) : BUDDY_EORDER;
	u64 upper;

	if (err)
		return err;
	upper = pfn + order_pages(order - 1);
	/* The upper half's first page was a tail page: it becomes the head of its own block. */
	pfn_to_page(z, pfn)->order = (u8)(order - 1);
	pfn_to_page(z, upper)->flags = PG_head;
	pfn_to_page(z, upper)->order = (u8)(order - 1);
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Setting up a zone */

void buddy_init(struct buddy_zone *z, struct page *map, u64 base_pfn, u64 span_pages)
{
	unsigned int order;
	u64 i;

	/* Keep map indices below BUDDY_NIL and base_pfn + span from overflowing. */
	span_pages = MIN(span_pages, BUDDY_MAX_SPAN);
	span_pages = MIN(span_pages, UINT64_MAX - base_pfn);

	z->base_pfn = base_pfn;
	z->span = span_pages;
	z->map = map;
	for (order = 0; order <= MAX_PAGE_ORDER; order++) {
		z->free_list[order] = BUDDY_NIL;
		z->nr_free[order] = 0;
	}
	z->managed = 0;
	z->free = 0;

	for (i = 0; i < span_pages; i++) {
		map[i].next = BUDDY_NIL;
		map[i].prev = BUDDY_NIL;
		map[i].order = 0;
		map[i].flags = PG_reserved;
	}
}

/* Reserved but not pinned: buddy_add_range() may make it usable. */
static bool page_addable(const struct buddy_zone *z, u64 pfn)
{
	return pfn_to_page(z, pfn)->flags == PG_reserved;
}

/* The largest order of a block that starts at pfn, is aligned to its size and has <= n pages. */
static unsigned int largest_fit(u64 pfn, u64 n)
{
	unsigned int order = 0;

	while (order < MAX_PAGE_ORDER && IS_ALIGNED(pfn, order_pages(order + 1)) &&
	       order_pages(order + 1) <= n)
		order++;
	return order;
}

/*
 * Make the addable pages [start, end) usable and free them. Taking the largest block that fits
 * at each step gives the fewest blocks; free_block() also merges them with free neighbours
 * added earlier, so adding a range in pieces ends in the same blocks as adding it at once.
 */
static void add_run(struct buddy_zone *z, u64 start, u64 end)
{
	while (start < end) {
		unsigned int order = largest_fit(start, end - start);

		pfn_to_page(z, start)->flags = 0;
		set_tail_flags(z, start, order, 0);
		z->managed += order_pages(order);
		free_block(z, start, order);
		start += order_pages(order);
	}
}

void buddy_add_range(struct buddy_zone *z, u64 pfn, u64 count)
{
	u64 start, end, run_end;

	if (!clip_to_zone(z, pfn, count, &start, &end))
		return;

	/* Split the range into runs of addable pages, skipping usable and pinned ones. */
	while (start < end) {
		if (!page_addable(z, start)) {
			start++;
			continue;
		}
		run_end = start + 1;
		while (run_end < end && page_addable(z, run_end))
			run_end++;
		add_run(z, start, run_end);
		start = run_end;
	}
}

void buddy_reserve_range(struct buddy_zone *z, u64 pfn, u64 count)
{
	u64 start, end;

	if (!clip_to_zone(z, pfn, count, &start, &end))
		return;
	for (; start < end; start++) {
		struct page *p = pfn_to_page(z, start);

		if (p->flags & PG_reserved)
			p->flags |= PG_pinned;
	}
}

/* ---------------------------------------------------------------------------------------- */
/* Queries */

unsigned int buddy_block_order(const struct buddy_zone *z, u64 pfn)
{
	const struct page *p;

	if (!pfn_in_zone(z, pfn))
		return BUDDY_NO_ORDER;
	p = pfn_to_page(z, pfn);
	if (p->flags != PG_buddy && (p->flags & ~PG_parked) != PG_head)
		return BUDDY_NO_ORDER;
	return p->order;
}

const char *buddy_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case BUDDY_ENOTALLOC:
		return "not an allocated block (outside the zone, reserved, or inside a block)";
	case BUDDY_EDOUBLE:
		return "double free (the page is already free)";
	case BUDDY_EORDER:
		return "wrong order (the block was allocated with another order)";
	default:
		return "unknown buddy error";
	}
}

u64 buddy_free_pages(const struct buddy_zone *z)
{
	return z->free;
}

u64 buddy_managed_pages(const struct buddy_zone *z)
{
	return z->managed;
}

u64 buddy_reserved_pages(const struct buddy_zone *z)
{
	return z->span - z->managed;
}

u64 buddy_allocated_pages(const struct buddy_zone *z)
{
	return z->managed - z->free;
}

u64 buddy_nr_free_blocks(const struct buddy_zone *z, unsigned int order)
{
	if (order > MAX_PAGE_ORDER)
		return 0;
	return z->nr_free[order];
}

/* ---------------------------------------------------------------------------------------- */
/* Consistency checker */

struct check {
	const struct buddy_zone *z;
	char *why;
	size_t why_len;
	size_t why_pos;
	u64 blocks[NR_PAGE_ORDERS]; /* free blocks of each order found by the page scan */
	u64 free_pages;
	u64 used_pages;
	u64 reserved_pages;
};

/* Append s to the reason, truncating it but always keeping it NUL-terminated. */
static void why_puts(struct check *c, const char *s)
{
	for (; *s && c->why_pos + 1 < c->why_len; s++)
		c->why[c->why_pos++] = *s;
	if (c->why_len)
		c->why[c->why_pos] = '\0';
}

static void why_putu(struct check *c, u64 v)
{
	char digits[21];
	int i = 20;

	digits[i] = '\0';
	do {
		digits[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	why_puts(c, &digits[i]);
}

/* Record "what (pfn P, order O)" and return -1. */
static int fail(struct check *c, const char *what, u64 pfn, unsigned int order)
{
	why_puts(c, what);
	why_puts(c, " (pfn ");
	why_putu(c, pfn);
	why_puts(c, ", order ");
	why_putu(c, order);
	why_puts(c, ")");
	return -1;
}

/* Record "what (expected E, found F)" and return -1. */
static int fail_count(struct check *c, const char *what, u64 expected, u64 found)
{
	why_puts(c, what);
	why_puts(c, " (expected ");
	why_putu(c, expected);
	why_puts(c, ", found ");
	why_putu(c, found);
	why_puts(c, ")");
	return -1;
}

/*
 * Check the block that starts at pfn: a valid order, aligned to it, inside the zone, and every
 * other page marked tail_flags. Because the scan jumps over whole blocks, a page that belongs
 * to two blocks would show up here with the wrong flags, so blocks cannot overlap.
 */
static int check_block(struct check *c, u64 pfn, unsigned int order, u8 tail_flags)
{
	const struct buddy_zone *z = c->z;
	u64 i;

	if (order > MAX_PAGE_ORDER)
		return fail(c, "block order too big", pfn, order);
	if (!IS_ALIGNED(pfn, order_pages(order)))
		return fail(c, "block not aligned to its order", pfn, order);
	if (order_pages(order) > z->base_pfn + z->span - pfn)
		return fail(c, "block runs past the end of the zone", pfn, order);
	for (i = 1; i < order_pages(order); i++) {
		if (pfn_to_page(z, pfn + i)->flags != tail_flags)
			return fail(c, "block has a page in the wrong state", pfn + i, order);
	}
	return 0;
}

/*
 * A free block that is the lower half of an aligned block of the next order must not have a
 * free block of its own order as the upper half: the two should have been merged. (Each pair
 * is looked at once, from its lower half.)
 */
static bool upper_half_free(const struct buddy_zone *z, u64 pfn, unsigned int order)
{
	u64 upper = pfn + order_pages(order);
	const struct page *p;

	if (order >= MAX_PAGE_ORDER || !IS_ALIGNED(pfn, order_pages(order + 1)) ||
	    !pfn_in_zone(z, upper))
		return false;
	p = pfn_to_page(z, upper);
	return p->flags == PG_buddy && p->order == order;
}

static int check_free_block(struct check *c, u64 pfn, unsigned int order)
{
	if (check_block(c, pfn, order, 0))
		return -1;
	if (upper_half_free(c->z, pfn, order))
		return fail(c, "free block and its buddy were not merged", pfn, order);
	c->blocks[order]++;
	c->free_pages += order_pages(order);
	return 0;
}

static int check_used_block(struct check *c, u64 pfn, unsigned int order)
{
	if (check_block(c, pfn, order, PG_tail))
		return -1;
	c->used_pages += order_pages(order);
	return 0;
}

/* Walk the zone page by page (block by block where there is one); count what is found. */
static int check_pages(struct check *c)
{
	const struct buddy_zone *z = c->z;
	u64 pfn = z->base_pfn;
	u64 end = z->base_pfn + z->span;

	while (pfn < end) {
		const struct page *p = pfn_to_page(z, pfn);

		if (p->flags & PG_reserved) {
			if (p->flags & ~(PG_reserved | PG_pinned))
				return fail(c, "reserved page has other flags", pfn, p->order);
			c->reserved_pages++;
			pfn++;
			continue;
		}
		if (p->flags == PG_buddy) {
			if (check_free_block(c, pfn, p->order))
				return -1;
		} else if (p->flags == PG_head || p->flags == (PG_head | PG_parked)) {
			if (p->flags & PG_parked && p->order != 0)
				return fail(c, "parked page is not an order-0 block", pfn,
					    p->order);
			if (check_used_block(c, pfn, p->order))
				return -1;
		} else {
			return fail(c, "page is not reserved and not in any block", pfn, p->order);
		}
		pfn += order_pages(p->order);
	}
	return 0;
}

/*
 * Walk each free list. Every entry must be a free block of the list's order whose back link
 * points to the entry before it; the first entry's back link is BUDDY_NIL, so a list that loops
 * back onto itself fails that test. The walk also stops once it has more entries than the scan
 * found blocks, so a corrupted list cannot keep it going forever.
 */
static int check_list(struct check *c, unsigned int order)
{
	const struct buddy_zone *z = c->z;
	u32 prev = BUDDY_NIL;
	u32 idx = z->free_list[order];
	u64 n = 0;

	while (idx != BUDDY_NIL) {
		u64 pfn = z->base_pfn + idx;
		const struct page *p;

		if (idx >= z->span)
			return fail(c, "free list link outside the zone", pfn, order);
		if (n == c->blocks[order])
			return fail_count(c, "free list longer than the free blocks of its order",
					  c->blocks[order], n + 1);
		p = &z->map[idx];
		if (p->flags != PG_buddy || p->order != order)
			return fail(c, "free list entry is not a free block of this order", pfn,
				    order);
		if (p->prev != prev)
			return fail(c, "free list back link is wrong", pfn, order);
		prev = idx;
		idx = p->next;
		n++;
	}
	/* n distinct entries out of blocks[order] such blocks: equal means all are there. */
	if (n != c->blocks[order])
		return fail_count(c, "free list is missing free blocks", c->blocks[order], n);
	if (z->nr_free[order] != n)
		return fail_count(c, "nr_free does not match the free list", n, z->nr_free[order]);
	return 0;
}

static int check_lists(struct check *c)
{
	unsigned int order;

	for (order = 0; order <= MAX_PAGE_ORDER; order++)
		if (check_list(c, order))
			return -1;
	return 0;
}

static int check_counters(struct check *c)
{
	const struct buddy_zone *z = c->z;

	if (z->free != c->free_pages)
		return fail_count(c, "free page count is wrong", c->free_pages, z->free);
	if (z->managed != c->free_pages + c->used_pages)
		return fail_count(c, "managed != free + allocated pages",
				  c->free_pages + c->used_pages, z->managed);
	if (z->span - z->managed != c->reserved_pages)
		return fail_count(c, "reserved page count is wrong", c->reserved_pages,
				  z->span - z->managed);
	return 0;
}

int buddy_check(const struct buddy_zone *z, char *why, size_t why_len)
{
	struct check c = { .z = z, .why = why, .why_len = why_len };

	why_puts(&c, "");
	if (check_pages(&c) || check_lists(&c) || check_counters(&c))
		return -1;
	return 0;
}
