/*
 * libFuzzer harness for the buddy allocator (mm/buddy.c). Build and run:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. tests/fuzz_buddy.c mm/buddy.c \
 *       -o /tmp/fuzz_buddy && /tmp/fuzz_buddy -max_total_time=20
 *
 * Each input is a list of operations on a small zone with holes and pinned pages: allocate,
 * free a live block, free a garbage pfn/order, free something already free or a tail page.
 * A shadow model (one state per page) predicts every result; after each operation the
 * harness compares, runs buddy_check() and abort()s on the first disagreement.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "kernel/lib/types.h"
#include "mm/buddy.h"

/*
 * Zone [1000, 2400): usable [1000, 2100) minus the pinned [1005, 1020), [2200, 2203) and
 * [2210, 2400). [1024, 2048) is whole, so order 10 can be allocated once.
 */
#define BASE 1000
#define SPAN 1400

enum { SH_HOLE, SH_FREE, SH_HEAD, SH_TAIL };

struct live {
	u64 pfn;
	unsigned int order;
};

static struct page map[SPAN];
static struct buddy_zone zone;
static u8 sh_state[SPAN];
static u8 sh_order[SPAN];
static struct live live[SPAN];
static size_t nr_live;
static u64 last_pfn;
static unsigned int last_order;
static char why[256];

static void die(const char *what, u64 pfn, unsigned int order, int got, int want)
{
	fprintf(stderr, "fuzz_buddy: %s (pfn %llu, order %u, got %d, expected %d)\n", what,
		(unsigned long long)pfn, order, got, want);
	abort();
}

static bool usable(u64 pfn)
{
	if (pfn >= 1005 && pfn < 1020)
		return false;
	return pfn < 2100 || (pfn >= 2200 && pfn < 2203) || pfn >= 2210;
}

static void setup(void)
{
	u64 i;

	buddy_init(&zone, map, BASE, SPAN);
	buddy_reserve_range(&zone, 1005, 15);
	buddy_add_range(&zone, 1000, 1100);
	buddy_add_range(&zone, 2200, 3);
	buddy_add_range(&zone, 2210, 190);
	for (i = 0; i < SPAN; i++)
		sh_state[i] = usable(BASE + i) ? SH_FREE : SH_HOLE;
	nr_live = 0;
	last_pfn = BASE;
	last_order = 0;
}

static bool all_free(u64 pfn, u64 n)
{
	u64 i;

	if (pfn < BASE || pfn + n > BASE + SPAN)
		return false;
	for (i = 0; i < n; i++)
		if (sh_state[pfn - BASE + i] != SH_FREE)
			return false;
	return true;
}

/* Is there an aligned run of 2^order free pages, so that buddy_alloc(order) must succeed? */
static bool fits(unsigned int order)
{
	u64 n = (u64)1 << order;
	u64 pfn;

	for (pfn = ALIGN_UP(BASE, n); pfn + n <= BASE + SPAN; pfn += n)
		if (all_free(pfn, n))
			return true;
	return false;
}

static int predict_free(u64 pfn, unsigned int order)
{
	if (pfn < BASE || pfn >= BASE + SPAN)
		return BUDDY_ENOTALLOC;
	switch (sh_state[pfn - BASE]) {
	case SH_FREE:
		return BUDDY_EDOUBLE;
	case SH_HEAD:
		return sh_order[pfn - BASE] == order ? 0 : BUDDY_EORDER;
	default:
		return BUDDY_ENOTALLOC;
	}
}

static void do_alloc(unsigned int order)
{
	s64 pfn = buddy_alloc(&zone, order);
	u64 i, n;

	if (pfn == BUDDY_NO_PAGE) {
		if (order <= MAX_PAGE_ORDER && fits(order))
			die("alloc failed although a block fits", 0, order, -1, 0);
		return;
	}
	if (order > MAX_PAGE_ORDER)
		die("alloc of an invalid order succeeded", (u64)pfn, order, 0, -1);
	n = (u64)1 << order;
	if ((u64)pfn % n || !all_free((u64)pfn, n))
		die("alloc returned a misaligned or busy block", (u64)pfn, order, 0, 0);
	for (i = 0; i < n; i++)
		sh_state[(u64)pfn - BASE + i] = i ? SH_TAIL : SH_HEAD;
	sh_order[(u64)pfn - BASE] = (u8)order;
	live[nr_live].pfn = (u64)pfn;
	live[nr_live].order = order;
	nr_live++;
}

/* Free (pfn, order), whatever it is, and check the result against the model. */
static void do_free(u64 pfn, unsigned int order)
{
	int want = predict_free(pfn, order);
	int got = buddy_free(&zone, pfn, order);
	size_t i;
	u64 k;

	if (got != want)
		die("free returned the wrong result", pfn, order, got, want);
	if (got)
		return;
	for (i = 0; live[i].pfn != pfn; i++)
		;
	for (k = 0; k < ((u64)1 << order); k++)
		sh_state[pfn - BASE + k] = SH_FREE;
	live[i] = live[--nr_live];
	last_pfn = pfn;
	last_order = order;
}

static void check(void)
{
	if (buddy_check(&zone, why, sizeof(why))) {
		fprintf(stderr, "fuzz_buddy: buddy_check: %s\n", why);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	u64 baseline[NR_PAGE_ORDERS];
	size_t pos = 0;
	unsigned int order;

	setup();
	for (order = 0; order <= MAX_PAGE_ORDER; order++)
		baseline[order] = buddy_nr_free_blocks(&zone, order);

	while (pos + 3 <= size) {
		u8 op = data[pos], a = data[pos + 1], b = data[pos + 2];
		struct live *l = nr_live ? &live[a % nr_live] : NULL;

		pos += 3;
		switch (op % 6) {
		case 0:
		case 1: /* allocate, sometimes an invalid order */
			do_alloc(a % (NR_PAGE_ORDERS + 1));
			break;
		case 2: /* free a live block */
			if (l)
				do_free(l->pfn, l->order);
			break;
		case 3: /* garbage: anywhere near the zone, any order */
			do_free(BASE - 8 + (a | (u64)b << 8) % (SPAN + 16), b % 16);
			break;
		case 4: /* the block freed last: a double free unless it was reused */
			do_free(last_pfn, last_order);
			break;
		default: /* a live block: a tail page, or the wrong order */
			if (l && b % 2)
				do_free(l->pfn + b % ((u64)1 << l->order), 0);
			else if (l)
				do_free(l->pfn, (l->order + 1 + b % 3) % (NR_PAGE_ORDERS + 2));
			break;
		}
		check();
	}

	/* Free everything: the zone must be exactly as it started. */
	while (nr_live)
		do_free(live[nr_live - 1].pfn, live[nr_live - 1].order);
	check();
	for (order = 0; order <= MAX_PAGE_ORDER; order++)
		if (buddy_nr_free_blocks(&zone, order) != baseline[order])
			die("free blocks differ from the start", 0, order,
			    (int)buddy_nr_free_blocks(&zone, order), (int)baseline[order]);
	return 0;
}
