/*
 * Host unit test of the buddy allocator (mm/buddy.c). Build and run:
 *
 *   make build/host/test_buddy && build/host/test_buddy
 *
 * The tests come in three groups, which BUDDY_TESTS in the environment chooses (a comma-separated
 * list; all three by default), one graded check each (tests/labs/lab2.sh):
 *
 *   split	splitting and merging: cases worked out by hand, every order, exhaustion
 *   frees	bad frees: double frees, pages that do not start a block, wrong orders
 *   model	a long random run of allocations and frees against a reference model
 *
 * The tests look only at what the API shows (buddy.h): the pfns returned, the errors, the free
 * blocks per order, the free page count, and buddy_check(). A reference model (one state per
 * page, kept by the test itself) says what every page should be, so the test can predict the
 * result of any alloc or free, catch overlaps, and compute the free blocks a fully merged zone
 * must have. Most tests use zone A, which has an odd base and an odd span, holes and a pinned
 * "kernel image". BUDDY_SEED=n in the environment changes the seed of the random run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/lib/types.h"
#include "mm/buddy.h"
#include "tests/tap.h"

/* Zone A: pfns [3, 4136), usable [0, 640) + [1024, 2000) + [2001, 5000), pinned [100, 300). */
#define BASE_A	  3
#define SPAN_A	  4133
#define MANAGED_A ((640 - BASE_A) - 200 + (2000 - 1024) + (BASE_A + SPAN_A - 2001))

#define RANDOM_STEPS	 200000
#define CHECK_EVERY_STEP 50000 /* full buddy_check after every step up to here ... */
#define CHECK_PERIOD	 97    /* ... then every CHECK_PERIOD steps */
#define MODEL_PERIOD	 499   /* free blocks per order against the model's, every so many steps */

static struct page map_a[SPAN_A];
static struct buddy_zone za;
static u64 baseline_a[NR_PAGE_ORDERS]; /* free blocks per order of zone A with nothing allocated */

static char why[256];

static u64 pages(unsigned int order)
{
	return (u64)1 << order;
}

/* buddy_check(), printing the reason when it fails. */
static bool zone_ok(const struct buddy_zone *z)
{
	if (buddy_check(z, why, sizeof(why)) == 0)
		return true;
	tap_diag("buddy_check: %s", why);
	return false;
}

static bool counts_are(const struct buddy_zone *z, const u64 want[NR_PAGE_ORDERS])
{
	unsigned int order;
	bool same = true;

	for (order = 0; order <= MAX_PAGE_ORDER; order++) {
		if (buddy_nr_free_blocks(z, order) != want[order]) {
			tap_diag("order %u: %llu free blocks, expected %llu", order,
				 (unsigned long long)buddy_nr_free_blocks(z, order),
				 (unsigned long long)want[order]);
			same = false;
		}
	}
	return same;
}

/* ---------------------------------------------------------------------------------------- */
/* Snapshots: prove that a failed call changed nothing */

static struct {
	struct buddy_zone z;
	struct page map[SPAN_A];
} snap;

static void snap_take(const struct buddy_zone *z)
{
	snap.z = *z;
	memcpy(snap.map, z->map, z->span * sizeof(*z->map));
}

static bool snap_same(const struct buddy_zone *z)
{
	unsigned int order;
	u64 i;

	if (z->base_pfn != snap.z.base_pfn || z->span != snap.z.span || z->map != snap.z.map ||
	    z->managed != snap.z.managed || z->free != snap.z.free)
		return false;
	for (order = 0; order <= MAX_PAGE_ORDER; order++) {
		if (z->free_list[order] != snap.z.free_list[order] ||
		    z->nr_free[order] != snap.z.nr_free[order])
			return false;
	}
	for (i = 0; i < z->span; i++) {
		const struct page *p = &z->map[i], *q = &snap.map[i];

		if (p->next != q->next || p->prev != q->prev || p->order != q->order ||
		    p->flags != q->flags)
			return false;
	}
	return true;
}

/* ---------------------------------------------------------------------------------------- */
/* The shadow model of zone A */

enum { SH_HOLE, SH_FREE, SH_HEAD, SH_TAIL };

static u8 sh_state[SPAN_A];
static u8 sh_order[SPAN_A]; /* order of the block, on SH_HEAD pages */
static u64 sh_free;	    /* pages in state SH_FREE */

static bool usable_a(u64 pfn)
{
	if (pfn < BASE_A || pfn >= BASE_A + SPAN_A)
		return false;
	if (pfn >= 100 && pfn < 300)
		return false;
	return pfn < 640 || (pfn >= 1024 && pfn != 2000);
}

static void shadow_reset(void)
{
	u64 i;

	sh_free = 0;
	for (i = 0; i < SPAN_A; i++) {
		sh_state[i] = usable_a(BASE_A + i) ? SH_FREE : SH_HOLE;
		sh_free += sh_state[i] == SH_FREE;
	}
}

static bool shadow_all(u64 pfn, u64 n, u8 state)
{
	u64 i;

	if (pfn < BASE_A || pfn + n > BASE_A + SPAN_A)
		return false;
	for (i = 0; i < n; i++)
		if (sh_state[pfn - BASE_A + i] != state)
			return false;
	return true;
}

/* Record an allocation; false if it is misaligned or overlaps something not free. */
static bool shadow_take(u64 pfn, unsigned int order)
{
	u64 i;

	if (pfn % pages(order) || !shadow_all(pfn, pages(order), SH_FREE))
		return false;
	for (i = 0; i < pages(order); i++)
		sh_state[pfn - BASE_A + i] = i ? SH_TAIL : SH_HEAD;
	sh_order[pfn - BASE_A] = (u8)order;
	sh_free -= pages(order);
	return true;
}

static void shadow_release(u64 pfn, unsigned int order)
{
	u64 i;

	for (i = 0; i < pages(order); i++)
		sh_state[pfn - BASE_A + i] = SH_FREE;
	sh_free += pages(order);
}

/* Is there an aligned run of 2^order free pages? Then buddy_alloc(order) must not fail. */
static bool shadow_fits(unsigned int order)
{
	u64 pfn;

	for (pfn = ALIGN_UP(BASE_A, pages(order)); pfn + pages(order) <= BASE_A + SPAN_A;
	     pfn += pages(order))
		if (shadow_all(pfn, pages(order), SH_FREE))
			return true;
	return false;
}

/* What buddy_free(pfn, order) must return. */
static int shadow_predict_free(u64 pfn, unsigned int order)
{
	if (pfn < BASE_A || pfn >= BASE_A + SPAN_A)
		return BUDDY_ENOTALLOC;
	switch (sh_state[pfn - BASE_A]) {
	case SH_FREE:
		return BUDDY_EDOUBLE;
	case SH_HEAD:
		return sh_order[pfn - BASE_A] == order ? 0 : BUDDY_EORDER;
	default:
		return BUDDY_ENOTALLOC;
	}
}

/*
 * The free blocks a fully merged zone must hold, computed top-down and independently of
 * buddy.c: an aligned block whose pages are all free, and whose parent block is not.
 */
static void shadow_expected_blocks(u64 out[NR_PAGE_ORDERS])
{
	unsigned int order;
	u64 pfn;

	for (order = 0; order <= MAX_PAGE_ORDER; order++) {
		out[order] = 0;
		for (pfn = ALIGN_UP(BASE_A, pages(order)); pfn + pages(order) <= BASE_A + SPAN_A;
		     pfn += pages(order)) {
			u64 parent = ALIGN_DOWN(pfn, pages(order + 1));

			if (!shadow_all(pfn, pages(order), SH_FREE))
				continue;
			if (order < MAX_PAGE_ORDER && shadow_all(parent, pages(order + 1), SH_FREE))
				continue;
			out[order]++;
		}
	}
}

/* Zone A as boot code would build it: pin the kernel, then add the firmware's usable ranges. */
static void setup_zone_a(void)
{
	buddy_init(&za, map_a, BASE_A, SPAN_A);
	buddy_reserve_range(&za, 100, 200);
	buddy_add_range(&za, 0, 640);
	buddy_add_range(&za, 1024, 2000 - 1024);
	buddy_add_range(&za, 2001, 5000 - 2001);
	shadow_reset();
}

/* ---------------------------------------------------------------------------------------- */
/* Initialisation */

static void test_init(void)
{
	buddy_init(&za, map_a, BASE_A, SPAN_A);
	tap_ok(buddy_managed_pages(&za) == 0 && buddy_free_pages(&za) == 0 &&
		       buddy_reserved_pages(&za) == SPAN_A,
	       "init: empty zone has every page reserved");
	tap_ok(buddy_alloc(&za, 0) == BUDDY_NO_PAGE, "init: alloc from an empty zone fails");
	tap_ok(zone_ok(&za), "init: empty zone is consistent");

	setup_zone_a();
	shadow_expected_blocks(baseline_a);
	tap_ok(buddy_managed_pages(&za) == MANAGED_A &&
		       buddy_reserved_pages(&za) == SPAN_A - MANAGED_A,
	       "holes: managed %llu (expected %d), reserved %llu",
	       (unsigned long long)buddy_managed_pages(&za), MANAGED_A,
	       (unsigned long long)buddy_reserved_pages(&za));
	tap_ok(buddy_free_pages(&za) == MANAGED_A && buddy_allocated_pages(&za) == 0,
	       "holes: every managed page is free");
	tap_ok(counts_are(&za, baseline_a), "holes: free blocks are the largest aligned ones");
	tap_ok(zone_ok(&za), "holes: zone is consistent");

	snap_take(&za);
	buddy_add_range(&za, 1500, 100);    /* already usable */
	buddy_add_range(&za, 0, 400);	    /* pinned kernel pages inside */
	buddy_reserve_range(&za, 1500, 10); /* too late: already usable */
	buddy_add_range(&za, 5000, 100);    /* outside the zone */
	buddy_add_range(&za, 0, 0);
	tap_ok(snap_same(&za), "holes: re-adding, late pinning and out-of-zone ranges are ignored");
	tap_ok(buddy_block_order(&za, 150) == BUDDY_NO_ORDER &&
		       buddy_block_order(&za, 700) == BUDDY_NO_ORDER,
	       "holes: pinned and hole pages stay out");
}

/*
 * A zone small enough to work out by hand: pfns [1, 2051) must become blocks at 1 (order 0),
 * 2 (1), 4 (2), 8 (3), ... 512 (9), 1024 (10), 2048 (1), 2050 (0).
 */
static struct page map_c[2050];

static bool hand_zone_ok(const struct buddy_zone *z, const char *how)
{
	static const u64 want[NR_PAGE_ORDERS] = { 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	unsigned int order;
	bool ok = counts_are(z, want) && zone_ok(z);

	for (order = 1; order <= MAX_PAGE_ORDER; order++)
		ok = ok && buddy_block_order(z, pages(order)) == order;
	ok = ok && buddy_block_order(z, 1) == 0 && buddy_block_order(z, 2048) == 1 &&
	     buddy_block_order(z, 2050) == 0;
	return tap_ok(ok, "hand zone: blocks as worked out by hand (%s)", how);
}

static void test_hand_zone(void)
{
	struct buddy_zone zc;
	u64 pfn;

	buddy_init(&zc, map_c, 1, 2050);
	buddy_add_range(&zc, 1, 2050);
	hand_zone_ok(&zc, "one range");

	/* Page by page from the top: every block must come from merging. */
	buddy_init(&zc, map_c, 1, 2050);
	for (pfn = 2050; pfn >= 1; pfn--)
		buddy_add_range(&zc, pfn, 1);
	hand_zone_ok(&zc, "page by page, backwards");

	/* A range that would overflow pfn + count is clipped, not wrapped. */
	buddy_init(&zc, map_c, 1, 2050);
	buddy_add_range(&zc, 0, UINT64_MAX);
	hand_zone_ok(&zc, "clipped huge range");
}

/* ---------------------------------------------------------------------------------------- */
/* Allocation of each order, splitting and merging */

static void test_every_order(void)
{
	unsigned int order;

	setup_zone_a();
	for (order = 0; order <= MAX_PAGE_ORDER; order++) {
		s64 pfn = buddy_alloc(&za, order);
		bool ok = pfn != BUDDY_NO_PAGE;

		ok = ok && (u64)pfn % pages(order) == 0;
		ok = ok && shadow_take((u64)pfn, order);
		ok = ok && buddy_block_order(&za, (u64)pfn) == order;
		ok = ok && buddy_free_pages(&za) == MANAGED_A - pages(order);
		ok = ok && buddy_allocated_pages(&za) == pages(order);
		ok = ok && zone_ok(&za);
		ok = ok && buddy_free(&za, (u64)pfn, order) == 0;
		if (ok)
			shadow_release((u64)pfn, order);
		ok = ok && counts_are(&za, baseline_a) && zone_ok(&za);
		tap_ok(ok, "order %u: aligned usable block at pfn %lld, free undoes it", order,
		       (long long)pfn);
	}
}

/* buddy_split(): the halves of an allocated block become blocks of their own, freed apart. */
static void test_split_allocated(void)
{
	s64 pfn;
	bool ok;

	setup_zone_a();
	pfn = buddy_alloc(&za, 3);
	ok = pfn != BUDDY_NO_PAGE && buddy_split(&za, (u64)pfn, 3) == 0;
	ok = ok && buddy_block_order(&za, (u64)pfn) == 2 &&
	     buddy_block_order(&za, (u64)pfn + 4) == 2 && zone_ok(&za);
	ok = ok && buddy_free(&za, (u64)pfn + 4, 2) == 0 && zone_ok(&za);
	ok = ok && buddy_free(&za, (u64)pfn, 2) == 0 && counts_are(&za, baseline_a) && zone_ok(&za);
	tap_ok(ok, "split order 3 at pfn %lld: two order-2 blocks, freed apart, merge back",
	       (long long)pfn);

	pfn = buddy_alloc(&za, 0);
	ok = pfn != BUDDY_NO_PAGE && buddy_split(&za, (u64)pfn, 0) == BUDDY_EORDER;
	ok = ok && buddy_free(&za, (u64)pfn, 0) == 0;
	ok = ok && buddy_split(&za, (u64)pfn, 1) != 0 && buddy_split(&za, (u64)pfn, 0) != 0;
	ok = ok && counts_are(&za, baseline_a) && zone_ok(&za);
	tap_ok(ok, "split refuses order 0, a free block and a wrong order, and changes nothing");
}

/* One order-10 block at pfn 0: splitting for an order-0 page must leave one block per order. */
static void test_split_merge(void)
{
	static struct page map_b[1024];
	struct buddy_zone zb;
	u64 one[NR_PAGE_ORDERS] = { 0 };
	u64 split[NR_PAGE_ORDERS];
	unsigned int order;
	bool ok = true;

	buddy_init(&zb, map_b, 0, 1024);
	buddy_add_range(&zb, 0, 1024);
	one[MAX_PAGE_ORDER] = 1;
	tap_ok(counts_are(&zb, one) && zone_ok(&zb), "split: zone starts as one order-10 block");

	for (order = 0; order <= MAX_PAGE_ORDER; order++)
		split[order] = order < MAX_PAGE_ORDER;
	tap_ok(buddy_alloc(&zb, 0) == 0 && counts_are(&zb, split) && zone_ok(&zb),
	       "split: alloc(0) keeps the lowest page and leaves one free block of orders 0..9");
	for (order = 0; order < MAX_PAGE_ORDER; order++)
		ok = ok && buddy_block_order(&zb, pages(order)) == order;
	tap_ok(ok, "split: the free upper halves sit at pfn 2^k with order k");

	split[0] = 0;
	tap_ok(buddy_alloc(&zb, 0) == 1 && counts_are(&zb, split),
	       "split: the next alloc(0) takes the order-0 buddy at pfn 1");
	split[0] = 1;
	tap_ok(buddy_free(&zb, 0, 0) == 0 && counts_are(&zb, split) && zone_ok(&zb),
	       "merge: freeing pfn 0 does not merge while its buddy (pfn 1) is allocated");
	tap_ok(buddy_free(&zb, 1, 0) == 0 && counts_are(&zb, one) && zone_ok(&zb),
	       "merge: freeing pfn 1 merges all the way back to one order-10 block");

	/* Each order k: the split leaves one free block of each order k..9; the free merges all. */
	ok = true;
	for (order = 0; order <= MAX_PAGE_ORDER; order++) {
		unsigned int k;

		for (k = 0; k <= MAX_PAGE_ORDER; k++)
			split[k] = k >= order && k < MAX_PAGE_ORDER;
		ok = ok && buddy_alloc(&zb, order) == 0 && counts_are(&zb, split) && zone_ok(&zb);
		ok = ok && buddy_free(&zb, 0, order) == 0 && counts_are(&zb, one) && zone_ok(&zb);
	}
	tap_ok(ok, "split/merge: alloc of each order 0..10 splits down to it, free merges it back");
}

/* ---------------------------------------------------------------------------------------- */
/* Exhaustion */

static u64 held[SPAN_A];

static void test_exhaustion(void)
{
	static const unsigned int orders[] = { 0, 3, MAX_PAGE_ORDER };
	unsigned int k;

	setup_zone_a();
	for (k = 0; k < ARRAY_SIZE(orders); k++) {
		unsigned int order = orders[k];
		u64 n = 0, i;
		bool ok = true;
		s64 pfn;

		while ((pfn = buddy_alloc(&za, order)) != BUDDY_NO_PAGE && n < SPAN_A) {
			ok = ok && shadow_take((u64)pfn, order);
			held[n++] = (u64)pfn;
		}
		ok = ok && pfn == BUDDY_NO_PAGE && !shadow_fits(order);
		ok = ok && buddy_allocated_pages(&za) == n * pages(order) && zone_ok(&za);
		tap_ok(ok, "exhaust order %u: %llu blocks, no overlap, -1 only when nothing fits",
		       order, (unsigned long long)n);

		/* Free the even ones first, so that merges happen late and out of order. */
		for (i = 0; i < n; i += 2)
			ok = ok && buddy_free(&za, held[i], order) == 0;
		for (i = 1; i < n; i += 2)
			ok = ok && buddy_free(&za, held[i], order) == 0;
		shadow_reset();
		tap_ok(ok && counts_are(&za, baseline_a) && buddy_free_pages(&za) == MANAGED_A &&
			       zone_ok(&za),
		       "exhaust order %u: freeing everything restores the baseline", order);
	}

	snap_take(&za);
	tap_ok(buddy_alloc(&za, MAX_PAGE_ORDER + 1) == BUDDY_NO_PAGE &&
		       buddy_alloc(&za, 64) == BUDDY_NO_PAGE &&
		       buddy_alloc(&za, ~0u) == BUDDY_NO_PAGE && snap_same(&za),
	       "alloc of a too big order fails and changes nothing");
}

/* ---------------------------------------------------------------------------------------- */
/* Bad frees */

static void expect_free_error(u64 pfn, unsigned int order, int want, const char *what)
{
	int err;

	snap_take(&za);
	err = buddy_free(&za, pfn, order);
	tap_ok(err == want && snap_same(&za) && zone_ok(&za),
	       "bad free: %s (pfn %llu, order %u) -> \"%s\", zone unchanged", what,
	       (unsigned long long)pfn, order, buddy_strerror(err));
}

/* A parked page (a per-CPU list's) is still allocated to the zone, and freeing it twice is caught.
 */
static void test_park(void)
{
	s64 p, q;
	u64 free_before;

	setup_zone_a();
	p = buddy_alloc(&za, 0);
	q = buddy_alloc(&za, 2);
	free_before = buddy_free_pages(&za);
	tap_ok(p >= 0 && q >= 0 && buddy_park(&za, (u64)p) == 0 &&
		       buddy_free_pages(&za) == free_before && zone_ok(&za),
	       "park: a parked page stays allocated, and the zone checks out");
	tap_ok(buddy_park(&za, (u64)p) == BUDDY_EDOUBLE, "park: parking it again is a double free");
	expect_free_error((u64)p, 0, BUDDY_EDOUBLE, "free of a parked page");
	tap_ok(buddy_park(&za, (u64)q) == BUDDY_EORDER &&
		       buddy_park(&za, (u64)q + 1) == BUDDY_ENOTALLOC &&
		       buddy_park(&za, 700) == BUDDY_ENOTALLOC,
	       "park: only an allocated order-0 page can be parked");
	buddy_unpark(&za, (u64)p);
	tap_ok(buddy_free(&za, (u64)p, 0) == 0 && buddy_free(&za, (u64)q, 2) == 0 &&
		       counts_are(&za, baseline_a) && zone_ok(&za),
	       "park: unparked, it frees and merges back to the baseline");
}

static void test_errors(void)
{
	s64 a, b, f;

	setup_zone_a();
	a = buddy_alloc(&za, 3);
	b = buddy_alloc(&za, 0);
	f = buddy_alloc(&za, 2);
	tap_ok(a >= 0 && b >= 0 && f >= 0 && buddy_free(&za, (u64)f, 2) == 0,
	       "bad free: setup (order-3 block %lld, order-0 page %lld, freed order-2 block %lld)",
	       (long long)a, (long long)b, (long long)f);

	expect_free_error((u64)f, 2, BUDDY_EDOUBLE, "double free");
	expect_free_error((u64)f, 0, BUDDY_EDOUBLE, "double free with another order");
	expect_free_error((u64)f + 1, 0, BUDDY_EDOUBLE, "page inside a free block");

	expect_free_error(0, 0, BUDDY_ENOTALLOC, "below the zone");
	expect_free_error(BASE_A + SPAN_A, 0, BUDDY_ENOTALLOC, "just past the zone");
	expect_free_error(UINT64_MAX, 0, BUDDY_ENOTALLOC, "pfn UINT64_MAX");
	expect_free_error(700, 0, BUDDY_ENOTALLOC, "hole");
	expect_free_error(2000, 0, BUDDY_ENOTALLOC, "one-page hole");
	expect_free_error(128, 7, BUDDY_ENOTALLOC, "pinned kernel page");
	expect_free_error((u64)a + 1, 0, BUDDY_ENOTALLOC, "tail page of an allocated block");
	expect_free_error((u64)a + 4, 2, BUDDY_ENOTALLOC, "upper half of an allocated block");

	expect_free_error((u64)a, 2, BUDDY_EORDER, "order too small");
	expect_free_error((u64)a, 4, BUDDY_EORDER, "order too big");
	expect_free_error((u64)a, 200, BUDDY_EORDER, "absurd order");
	expect_free_error((u64)b, 1, BUDDY_EORDER, "order-0 page freed as order 1");
	tap_ok(buddy_block_order(&za, (u64)a) == 3 &&
		       buddy_block_order(&za, (u64)a + 1) == BUDDY_NO_ORDER,
	       "bad free: buddy_block_order() reports the real order (3)");

	tap_ok(buddy_free(&za, (u64)a, 3) == 0 && buddy_free(&za, (u64)b, 0) == 0 &&
		       counts_are(&za, baseline_a) && zone_ok(&za),
	       "bad free: the real frees still work and restore the baseline");

	tap_ok(strcmp(buddy_strerror(BUDDY_EDOUBLE), buddy_strerror(BUDDY_ENOTALLOC)) &&
		       strcmp(buddy_strerror(BUDDY_EDOUBLE), buddy_strerror(BUDDY_EORDER)) &&
		       strcmp(buddy_strerror(BUDDY_ENOTALLOC), buddy_strerror(BUDDY_EORDER)) &&
		       strcmp(buddy_strerror(-99), buddy_strerror(0)),
	       "strerror: distinct texts for each error");
}

/* ---------------------------------------------------------------------------------------- */
/* The checker itself must catch broken zones, or a passing test would prove nothing */

static struct page map_copy[SPAN_A];
static struct buddy_zone zcopy;

static struct buddy_zone *fresh_copy(void)
{
	zcopy = za;
	zcopy.map = map_copy;
	memcpy(map_copy, map_a, sizeof(map_a));
	return &zcopy;
}

/* setup_ok: the free blocks the corruption needed were there (a broken allocator may lack them). */
static void expect_broken(const char *what, bool setup_ok)
{
	bool caught = setup_ok && buddy_check(&zcopy, why, sizeof(why)) != 0;

	tap_ok(caught, "checker catches %s: %s", what, caught ? why : "NOT DETECTED");
}

static void test_checker(void)
{
	struct buddy_zone *z;
	u32 idx;
	s64 a;

	setup_zone_a();
	a = buddy_alloc(&za, 2);
	tap_ok(a >= 0 && buddy_check(fresh_copy(), why, sizeof(why)) == 0 && why[0] == '\0',
	       "checker: an untouched copy passes");

	z = fresh_copy();
	z->nr_free[5]++;
	expect_broken("a wrong nr_free", true);

	z = fresh_copy();
	z->free--;
	expect_broken("a wrong free page count", true);

	z = fresh_copy();
	z->managed++;
	expect_broken("a wrong managed count", true);

	z = fresh_copy();
	idx = z->free_list[3];
	if (idx != BUDDY_NIL)
		z->map[idx + 1].flags = PG_tail;
	expect_broken("an allocated page inside a free block", idx != BUDDY_NIL);

	z = fresh_copy();
	if (a >= 0)
		z->map[(u64)a - BASE_A + 1].flags = 0;
	expect_broken("a free page inside an allocated block", a >= 0);

	z = fresh_copy();
	if (a >= 0)
		z->map[(u64)a - BASE_A].flags = PG_buddy;
	expect_broken("an allocated block marked free but not on a list", a >= 0);

	z = fresh_copy();
	idx = z->free_list[0];
	if (idx != BUDDY_NIL)
		z->map[idx].order = 1;
	expect_broken("a free block with the wrong order", idx != BUDDY_NIL);

	/* Zone A has two order-10 blocks: at 2048 and at 3072. */
	z = fresh_copy();
	idx = z->free_list[MAX_PAGE_ORDER];
	if (z->nr_free[MAX_PAGE_ORDER] == 2)
		z->map[z->map[idx].next].prev = BUDDY_NIL;
	expect_broken("a broken back link", z->nr_free[MAX_PAGE_ORDER] == 2);

	z = fresh_copy();
	idx = z->free_list[MAX_PAGE_ORDER];
	if (idx != BUDDY_NIL)
		z->map[idx].next = idx;
	expect_broken("a free list looping on itself", idx != BUDDY_NIL);

	z = fresh_copy();
	z->map[0].flags = PG_reserved | PG_head;
	expect_broken("a reserved page with other flags", true);

	/* Hand-split the order-10 block at 2048 into two free order-9 halves, not merged. */
	z = fresh_copy();
	idx = 2048 - BASE_A;
	z->map[idx].order = 9;
	z->map[idx + 512].flags = PG_buddy;
	z->map[idx + 512].order = 9;
	expect_broken("two free buddies left unmerged", buddy_block_order(&za, 2048) == 10);

	tap_ok(a >= 0 && buddy_free(&za, (u64)a, 2) == 0 && counts_are(&za, baseline_a) &&
		       zone_ok(&za),
	       "checker: the real zone was never touched");
}

/* ---------------------------------------------------------------------------------------- */
/* Random alloc/free against the shadow model */

struct live {
	u64 pfn;
	unsigned int order;
};

static struct live live[SPAN_A];
static u64 nr_live;
static u64 rng_state;
static char bad[512]; /* first problem found by the random test */

static struct {
	u64 allocs, alloc_fails, frees, errors[4], checks;
	unsigned int max_order;
} st;

/* xorshift64: a fixed seed gives the same run every time. */
static u64 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Mostly small orders, as a kernel would ask, with a few big and a few invalid ones. */
static unsigned int random_order(void)
{
	unsigned int r = rnd() % 32;

	if (r < 14)
		return 0;
	if (r < 20)
		return 1;
	if (r < 24)
		return 2;
	if (r < 28)
		return 3 + rnd() % 3;
	if (r < 31)
		return 6 + rnd() % 5;
	return rnd() % 13; /* 11 and 12 are invalid */
}

/*
 * After alloc(order), given the free blocks per order before it: the smallest free block big
 * enough (order j) was taken, and halving it left one free block of each order from order to
 * j - 1. Returns false, with the reason in bad, if the counts say otherwise.
 */
static bool split_as_expected(u64 step, unsigned int order, const u64 before[NR_PAGE_ORDERS])
{
	unsigned int j = order, k;

	while (j <= MAX_PAGE_ORDER && !before[j])
		j++;
	for (k = 0; k <= MAX_PAGE_ORDER; k++) {
		u64 want = before[k] - (k == j) + (k >= order && k < j);

		if (buddy_nr_free_blocks(&za, k) != want) {
			snprintf(bad, sizeof(bad),
				 "step %llu: alloc(%u) should split the smallest free block big "
				 "enough (order %u) and leave one free block of each order in "
				 "between: "
				 "order %u has %llu free blocks, expected %llu",
				 (unsigned long long)step, order, j, k,
				 (unsigned long long)buddy_nr_free_blocks(&za, k),
				 (unsigned long long)want);
			return false;
		}
	}
	return true;
}

static void step_alloc(u64 step)
{
	unsigned int order = random_order(), k;
	u64 before[NR_PAGE_ORDERS];
	s64 pfn;

	for (k = 0; k <= MAX_PAGE_ORDER; k++)
		before[k] = buddy_nr_free_blocks(&za, k);
	pfn = buddy_alloc(&za, order);
	if (pfn == BUDDY_NO_PAGE) {
		st.alloc_fails++;
		if (order <= MAX_PAGE_ORDER && shadow_fits(order))
			snprintf(bad, sizeof(bad), "step %llu: alloc(%u) failed, yet a block fits",
				 (unsigned long long)step, order);
		return;
	}
	if (order > MAX_PAGE_ORDER || !shadow_take((u64)pfn, order)) {
		snprintf(bad, sizeof(bad),
			 "step %llu: alloc(%u) gave pfn %lld: misaligned or overlapping",
			 (unsigned long long)step, order, (long long)pfn);
		return;
	}
	if (!split_as_expected(step, order, before))
		return;
	live[nr_live].pfn = (u64)pfn;
	live[nr_live].order = order;
	nr_live++;
	st.allocs++;
	st.max_order = MAX(st.max_order, order);
}

static void forget_live(u64 i)
{
	shadow_release(live[i].pfn, live[i].order);
	live[i] = live[--nr_live];
	st.frees++;
}

static void step_free(u64 step)
{
	u64 i = rnd() % nr_live;
	int err = buddy_free(&za, live[i].pfn, live[i].order);

	if (err) {
		snprintf(bad, sizeof(bad), "step %llu: free(%llu, %u) of a live block: %s",
			 (unsigned long long)step, (unsigned long long)live[i].pfn, live[i].order,
			 buddy_strerror(err));
		return;
	}
	forget_live(i);
}

/* A free the caller should not make: check that the result is exactly what the model says. */
static void step_bad_free(u64 step)
{
	static u64 last_freed_pfn = BASE_A;
	static unsigned int last_freed_order;
	u64 pfn, i;
	unsigned int order;
	int want, err;

	switch (rnd() % 4) {
	case 0: /* anywhere, a little outside the zone included */
		pfn = BASE_A - 3 + rnd() % (SPAN_A + 6);
		order = rnd() % 13;
		break;
	case 1: /* a live block with the wrong order, or one of its tail pages */
		if (nr_live == 0)
			return;
		i = rnd() % nr_live;
		pfn = live[i].pfn;
		order = live[i].order;
		if (rnd() % 2)
			order ^= 1 + rnd() % 3;
		else
			pfn += rnd() % pages(order);
		break;
	case 2: /* the block freed last time: a double free, unless reused since */
		pfn = last_freed_pfn;
		order = last_freed_order;
		break;
	default: /* inside the pinned kernel image or the holes */
		pfn = (rnd() % 2) ? 100 + rnd() % 200 : 640 + rnd() % 384;
		order = rnd() % 4;
		break;
	}

	want = shadow_predict_free(pfn, order);
	err = buddy_free(&za, pfn, order);
	if (err != want) {
		snprintf(bad, sizeof(bad), "step %llu: free(%llu, %u) returned %d, model says %d",
			 (unsigned long long)step, (unsigned long long)pfn, order, err, want);
		return;
	}
	st.errors[-err]++;
	if (err == 0) {
		for (i = 0; live[i].pfn != pfn; i++)
			;
		forget_live(i);
		last_freed_pfn = pfn;
		last_freed_order = order;
	}
}

/* The free blocks per order are those of a fully merged zone holding the model's free pages. */
static void model_blocks_agree(u64 step)
{
	u64 want[NR_PAGE_ORDERS];
	unsigned int order;

	shadow_expected_blocks(want);
	for (order = 0; order <= MAX_PAGE_ORDER; order++) {
		if (buddy_nr_free_blocks(&za, order) != want[order]) {
			snprintf(bad, sizeof(bad),
				 "step %llu: order %u has %llu free blocks; fully merged, the "
				 "model's "
				 "free pages make %llu",
				 (unsigned long long)step, order,
				 (unsigned long long)buddy_nr_free_blocks(&za, order),
				 (unsigned long long)want[order]);
			return;
		}
	}
}

static void test_random(void)
{
	u64 seed = getenv("BUDDY_SEED") ? strtoull(getenv("BUDDY_SEED"), NULL, 0) : 20240601;
	u64 step;
	bool phases_ok;

	setup_zone_a();
	rng_state = seed * 0x9e3779b97f4a7c15ull | 1;
	tap_diag("random: seed %llu, %d steps", (unsigned long long)seed, RANDOM_STEPS);

	for (step = 0; step < RANDOM_STEPS && !bad[0]; step++) {
		/* Alternate phases that fill the zone up and drain it, to reach both extremes. */
		unsigned int alloc_pct = (step / 5000) % 2 ? 30 : 75;
		unsigned int r = rnd() % 100;

		if (r < 4)
			step_bad_free(step);
		else if (nr_live == 0 || r < alloc_pct)
			step_alloc(step);
		else
			step_free(step);

		if (!bad[0] && buddy_free_pages(&za) != sh_free)
			snprintf(bad, sizeof(bad), "step %llu: %llu free pages, the model has %llu",
				 (unsigned long long)step,
				 (unsigned long long)buddy_free_pages(&za),
				 (unsigned long long)sh_free);
		if (!bad[0] && step % MODEL_PERIOD == 0)
			model_blocks_agree(step);
		if (!bad[0] && (step < CHECK_EVERY_STEP || step % CHECK_PERIOD == 0)) {
			st.checks++;
			if (buddy_check(&za, why, sizeof(why)))
				snprintf(bad, sizeof(bad), "step %llu: buddy_check: %s",
					 (unsigned long long)step, why);
		}
	}
	if (bad[0])
		tap_diag("random: %s", bad);
	tap_ok(!bad[0], "random: %d steps agree with the model and pass buddy_check (%llu checks)",
	       RANDOM_STEPS, (unsigned long long)st.checks);

	tap_diag("random: %llu allocs, %llu failed allocs, %llu frees, errors: %llu ENOTALLOC, "
		 "%llu EDOUBLE, %llu EORDER",
		 (unsigned long long)st.allocs, (unsigned long long)st.alloc_fails,
		 (unsigned long long)st.frees, (unsigned long long)st.errors[1],
		 (unsigned long long)st.errors[2], (unsigned long long)st.errors[3]);
	phases_ok = st.alloc_fails > 1000 && st.max_order == MAX_PAGE_ORDER && st.errors[1] &&
		    st.errors[2] && st.errors[3];
	tap_ok(phases_ok, "random: the run exhausted the zone, used order 10 and hit every error");

	while (nr_live && !bad[0]) {
		if (buddy_free(&za, live[nr_live - 1].pfn, live[nr_live - 1].order))
			snprintf(bad, sizeof(bad), "final free of a live block failed");
		else
			forget_live(nr_live - 1);
	}
	tap_ok(!bad[0] && counts_are(&za, baseline_a) && buddy_free_pages(&za) == MANAGED_A &&
		       zone_ok(&za),
	       "random: after freeing everything the free blocks match the baseline");
}

static void test_split(void)
{
	test_init();
	test_hand_zone();
	test_every_order();
	test_split_merge();
	test_split_allocated();
	test_exhaustion();
	test_checker();
}

static void test_frees(void)
{
	test_errors();
	test_park();
}

/* Each group and its number of results. */
static const struct group {
	const char *name;
	void (*run)(void);
	int plan;
} groups[] = {
	{ "split", test_split, 52 },
	{ "frees", test_frees, 24 },
	{ "model", test_random, 3 },
};

/* Is the group named in the comma-separated list (none or empty: all groups)? */
static bool chosen(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *s;

	if (!list || !*list)
		return true;
	for (s = list; (s = strstr(s, name)); s += n)
		if ((s == list || s[-1] == ',') && (s[n] == ',' || s[n] == '\0'))
			return true;
	return false;
}

int main(void)
{
	const char *list = getenv("BUDDY_TESTS");
	int plan = 1;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(groups); i++)
		plan += chosen(list, groups[i].name) ? groups[i].plan : 0;
	if (plan == 1) {
		fprintf(stderr, "BUDDY_TESTS=%s: no such group (split, frees, model)\n", list);
		return 2;
	}
	tap_plan(plan);
	/* The baseline comes from the model alone: no group depends on another having run. */
	shadow_reset();
	shadow_expected_blocks(baseline_a);
	for (i = 0; i < ARRAY_SIZE(groups); i++)
		if (chosen(list, groups[i].name))
			groups[i].run();
	tap_ok(tap_count == plan - 1, "ran the %d planned checks (%d before this one)", plan,
	       tap_count);
	return tap_done();
}
