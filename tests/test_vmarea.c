/*
 * Host unit test for mm/vmarea.c, the vmalloc virtual-area allocator.
 *
 * gcc -std=gnu11 -g -O1 -Wall -Wextra -Werror -fsanitize=address,undefined \
 *     -fno-sanitize-recover=all -I. tests/test_vmarea.c mm/vmarea.c -o /tmp/test_vmarea
 *
 * What is checked is behaviour, not code: hand-written cases first (layout, guards, find/lookup,
 * lowest-fit reuse, alignment, exhaustion and sizes that would wrap, a space at the top of the
 * address space, order), then a search that must trust the max_gap caches, then a seeded random
 * run checked against a simple model after every step, then a 10,000-area tree whose height
 * must stay within the AVL bound.
 */
// host-test-sources: mm/vmarea.c
#include "kernel/lib/types.h"
#include "mm/vmarea.h"
#include "tests/tap.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define VMALLOC_START 0xffffc90000000000UL
#define VMALLOC_SIZE  (32UL << 40)
#define PG(n)	      ((u64)(n)*PAGE_SIZE)

static char why[128];
static bool group_failed;

/*
 * The checks come in groups, one per property (a TAP result each, so a grader's points follow
 * properties, not the number of lines that test one). A failed check is a diagnostic line and
 * fails its group, which stops there: what follows would build on a tree that is not what the
 * test thinks (an area inserted twice, say), and could loop.
 */
static bool check(int cond, const char *fmt, ...)
{
	va_list ap;

	if (cond)
		return true;
	group_failed = true;
	printf("# not ok: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return false;
}

static void group(void (*fn)(void), const char *property)
{
	group_failed = false;
	fn();
	tap_ok(!group_failed, "%s", property);
}

/* vmarea_check() as a bool, printing the reason when it fails. */
static bool tree_ok(const struct vmarea_space *s)
{
	if (vmarea_check(s, why, sizeof(why)) == 0)
		return true;
	tap_diag("vmarea_check: %s", why);
	return false;
}

static u64 rng_state;

/* splitmix64: tiny, seedable, good enough to shuffle sizes and operations. */
static u64 rng(void)
{
	u64 z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u64 rng_below(u64 n)
{
	return rng() % n;
}

/* The tallest AVL tree with n nodes: its minimum node count N(h) grows like Fibonacci. */
static u32 avl_max_height(u64 n)
{
	u64 a = 0, b = 1; /* N(h - 1), N(h) */
	u32 h = 1;

	while (1) {
		u64 c = a + b + 1; /* N(h + 1) */

		if (c > n)
			return h;
		a = b;
		b = c;
		h++;
	}
}

static void test_empty(void)
{
	struct vmarea_space s;

	vmarea_space_init(&s, 0x1001, 0x5fff);
	if (!check(s.start == 0x2000 && s.end == 0x5000, "init shrinks a misaligned range inward"))
		return;

	vmarea_space_init(&s, VMALLOC_START, VMALLOC_START + VMALLOC_SIZE);
	if (!check(tree_ok(&s) && s.root == NULL && s.nr_areas == 0 && s.used_pages == 0 &&
			   s.span_pages_used == 0,
		   "empty space: consistent, no areas, zero counts"))
		return;
	if (!check(vmarea_first(&s) == NULL && vmarea_find(&s, VMALLOC_START) == NULL &&
			   vmarea_lookup(&s, VMALLOC_START) == NULL,
		   "empty space: first/find/lookup give NULL"))
		return;
}

static void test_basic(void)
{
	struct vmarea_space s;
	struct vmarea a, b;
	u64 start = VMALLOC_START;

	vmarea_space_init(&s, start, start + VMALLOC_SIZE);
	a.owner = &a;
	if (!check(vmarea_alloc(&s, &a, 4, 1) == 0, "alloc 4 pages + guard 1"))
		return;
	if (!check(a.span_start == start && a.span_pages == 6 && a.addr == start + PG(1) &&
			   a.npages == 4 && a.guard == 1,
		   "first area: span at space start, addr after guard"))
		return;
	if (!check(a.owner == &a, "alloc leaves owner alone"))
		return;
	if (!check(vmarea_alloc(&s, &b, 2, 1) == 0 && b.span_start == vmarea_span_end(&a) &&
			   b.addr == vmarea_span_end(&a) + PG(1),
		   "second area: span right after the first"))
		return;
	if (!check(tree_ok(&s) && s.nr_areas == 2 && s.used_pages == 6 && s.span_pages_used == 10,
		   "two areas: consistent, counts 2 / 6 / 10"))
		return;

	/* Guard pages: the page before addr and the page at addr + npages belong to no one else. */
	if (!check(vmarea_find(&s, b.addr - PG(1)) == &b && vmarea_in_guard(&b, b.addr - PG(1)),
		   "leading guard of b is b's own, in_guard true"))
		return;
	if (!check(vmarea_find(&s, vmarea_addr_end(&b)) == &b &&
			   vmarea_in_guard(&b, vmarea_addr_end(&b)) &&
			   vmarea_in_guard(&b, vmarea_span_end(&b) - 1),
		   "trailing guard of b is b's own, in_guard true up to the last byte"))
		return;
	if (!check(vmarea_find(&s, vmarea_addr_end(&a)) == &a &&
			   vmarea_in_guard(&a, vmarea_addr_end(&a)),
		   "trailing guard of a is a's own, in_guard true"))
		return;
	if (!check(b.addr - vmarea_addr_end(&a) >= PG(2),
		   "a and b usable pages are 2 guards apart"))
		return;
	if (!check(!vmarea_in_guard(&b, b.addr) && !vmarea_in_guard(&b, vmarea_addr_end(&b) - 1) &&
			   !vmarea_in_guard(&b, b.span_start - 1) &&
			   !vmarea_in_guard(&b, vmarea_span_end(&b)),
		   "in_guard false on usable pages and outside the span"))
		return;

	/* find: any byte of the span; lookup: only the exact usable start. */
	if (!check(vmarea_find(&s, a.addr + PG(2) + 123) == &a &&
			   vmarea_find(&s, a.span_start) == &a,
		   "find inside a's usable pages and at a's span start"))
		return;
	if (!check(vmarea_lookup(&s, a.addr) == &a && vmarea_lookup(&s, b.addr) == &b,
		   "lookup of usable addresses"))
		return;
	if (!check(vmarea_lookup(&s, a.addr + PG(1)) == NULL &&
			   vmarea_lookup(&s, a.span_start) == NULL &&
			   vmarea_lookup(&s, b.addr + 1) == NULL,
		   "lookup of non-start addresses gives NULL"))
		return;
	if (!check(vmarea_find(&s, vmarea_span_end(&b)) == NULL &&
			   vmarea_find(&s, start - 1) == NULL &&
			   vmarea_find(&s, start + VMALLOC_SIZE) == NULL &&
			   vmarea_find(&s, 0) == NULL,
		   "find outside every span gives NULL"))
		return;

	vmarea_free(&s, &a);
	if (!check(tree_ok(&s) && s.nr_areas == 1 && s.used_pages == 2 &&
			   vmarea_find(&s, a.addr) == NULL && vmarea_first(&s) == &b,
		   "free a: gone from find, b is first"))
		return;
	vmarea_free(&s, &a);
	if (!check(tree_ok(&s) && s.nr_areas == 1, "double free of a is ignored"))
		return;
	vmarea_free(&s, &b);
	if (!check(tree_ok(&s) && s.root == NULL && s.nr_areas == 0 && s.used_pages == 0 &&
			   s.span_pages_used == 0,
		   "free b: space empty again"))
		return;
}

static void test_first_fit(void)
{
	struct vmarea_space s;
	struct vmarea a, b, c, d, e, f, g;
	u64 start = 0x40000000, hole;

	vmarea_space_init(&s, start, start + PG(1024));
	vmarea_alloc(&s, &a, 4, 1);
	vmarea_alloc(&s, &b, 4, 1);
	vmarea_alloc(&s, &c, 4, 1);
	if (!check(tree_ok(&s) && c.span_start == start + PG(12),
		   "three 6-page spans back to back"))
		return;

	hole = b.span_start;
	vmarea_free(&s, &b);
	if (!check(tree_ok(&s) && vmarea_find(&s, hole) == NULL,
		   "free middle area leaves a 6-page hole"))
		return;
	if (!check(vmarea_alloc(&s, &d, 2, 1) == 0 && d.span_start == hole,
		   "4-page span reuses the bottom of the hole"))
		return;
	if (!check(vmarea_alloc(&s, &e, 1, 0) == 0 && e.span_start == hole + PG(4),
		   "1-page span takes the next page of the hole"))
		return;
	if (!check(vmarea_alloc(&s, &f, 3, 0) == 0 && f.span_start == vmarea_span_end(&c),
		   "3-page span skips the 1-page remainder and goes to the tail"))
		return;
	if (!check(vmarea_alloc(&s, &g, 1, 0) == 0 && g.span_start == hole + PG(5),
		   "1-page span fills the remainder: lowest gap that fits wins"))
		return;
	if (!check(tree_ok(&s) && s.nr_areas == 6, "after refill: consistent, 6 areas"))
		return;

	/* Freeing neighbours merges their spans and holes into one gap. */
	vmarea_free(&s, &d);
	vmarea_free(&s, &e);
	vmarea_free(&s, &g);
	vmarea_free(&s, &a);
	if (!check(tree_ok(&s) && vmarea_first(&s) == &c && c.gap == 12 && c.max_gap == 12,
		   "freeing everything before c merges into one 12-page gap"))
		return;
	if (!check(vmarea_alloc(&s, &a, 10, 1) == 0 && a.span_start == start && c.gap == 0 &&
			   tree_ok(&s),
		   "a 12-page span fits the merged gap exactly"))
		return;
	vmarea_free(&s, &a);
	vmarea_free(&s, &c);
	vmarea_free(&s, &f);
	if (!check(tree_ok(&s) && s.root == NULL, "all freed"))
		return;
}

static void test_exhaustion(void)
{
	struct vmarea_space s;
	struct vmarea a, b;
	u64 start = 0x100000;

	vmarea_space_init(&s, start, start + PG(16));
	if (!check(vmarea_alloc(&s, &a, 16, 0) == 0 && a.span_start == start,
		   "fill a 16-page space"))
		return;
	b.span_start = 0xdead000;
	if (!check(vmarea_alloc(&s, &b, 1, 0) == -1 && b.span_start == 0xdead000,
		   "full space: alloc fails and leaves va untouched"))
		return;
	vmarea_free(&s, &a);
	if (!check(vmarea_alloc(&s, &a, 15, 1) == -1, "15 pages + 2 guards do not fit 16 pages"))
		return;
	if (!check(vmarea_alloc(&s, &a, 14, 1) == 0 && a.span_pages == 16 && tree_ok(&s),
		   "14 pages + 2 guards fit exactly"))
		return;
	vmarea_free(&s, &a);
	if (!check(vmarea_alloc(&s, &a, 0, 0) == -1, "npages == 0 fails"))
		return;
	if (!check(vmarea_alloc(&s, &a, UINT64_MAX, 1) == -1 &&
			   vmarea_alloc(&s, &a, UINT64_MAX - 1, 1) == -1 &&
			   vmarea_alloc(&s, &a, UINT64_MAX, 0) == -1 &&
			   vmarea_alloc(&s, &a, 1, UINT32_MAX) == -1,
		   "overflowing sizes fail"))
		return;
	if (!check(tree_ok(&s) && s.nr_areas == 0, "failed allocs change nothing"))
		return;

	vmarea_space_init(&s, start, start);
	if (!check(vmarea_alloc(&s, &a, 1, 0) == -1, "zero-size space: alloc fails"))
		return;
}

static void test_iteration(void)
{
	struct vmarea_space s;
	struct vmarea v[20], *it;
	u64 prev = 0, n = 0;
	bool sorted = true;
	int i;

	vmarea_space_init(&s, VMALLOC_START, VMALLOC_START + VMALLOC_SIZE);
	for (i = 0; i < 20; i++)
		vmarea_alloc(&s, &v[i], 1 + i % 5, i % 3);
	for (i = 0; i < 20; i += 3)
		vmarea_free(&s, &v[i]);
	vmarea_alloc(&s, &v[0], 2, 0); /* too big for v[0]'s old 1-page hole */
	for (it = vmarea_first(&s); it; it = vmarea_next(it), n++) {
		if (it->span_start < prev)
			sorted = false;
		prev = vmarea_span_end(it);
	}
	if (!check(tree_ok(&s) && sorted && n == s.nr_areas && n == 14,
		   "first/next visit all 14 areas in address order"))
		return;
	if (!check(vmarea_first(&s) == &v[1] && vmarea_next(&v[1]) == &v[2] &&
			   vmarea_next(&v[2]) == &v[0] && vmarea_next(&v[19]) == NULL,
		   "refilled hole shows up in order, last area has no next"))
		return;
}

/* The usable pages start at a multiple of align pages, at the lowest address where it fits. */
static void test_align(void)
{
	struct vmarea_space s;
	struct vmarea a, b, c, d, e, f;
	u64 start = 0x40000000; /* 2^18 pages: aligned for every align below */

	vmarea_space_init(&s, start, start + PG(256));
	if (!check(vmarea_alloc_aligned(&s, &a, 1, 1, 1) == 0 && a.addr == start + PG(1) &&
			   vmarea_alloc_aligned(&s, &b, 3, 1, 4) == 0 && b.addr == start + PG(4) &&
			   b.span_start == start + PG(3) && b.span_pages == 5,
		   "aligned: usable pages at the first multiple of align past the leading guard"))
		return;
	if (!check(vmarea_alloc_aligned(&s, &c, 1, 0, 16) == 0 && c.addr == start + PG(16) &&
			   vmarea_find(&s, start + PG(8)) == NULL && tree_ok(&s),
		   "aligned: the pages skipped below an aligned span stay free (a gap)"))
		return;
	/* [8, 16) is free: 8 pages, but an 8-aligned span with a guard does not fit there. */
	if (!check(vmarea_alloc_aligned(&s, &d, 4, 1, 8) == 0 && d.addr == start + PG(24) &&
			   vmarea_alloc_aligned(&s, &e, 6, 1, 1) == 0 &&
			   e.span_start == start + PG(8) && tree_ok(&s),
		   "aligned: a hole big enough only before alignment is passed over, and kept"))
		return;
	vmarea_free(&s, &e);
	e.span_start = 0x1234000;
	if (!check(vmarea_alloc_aligned(&s, &e, 1, 0, 3) == -1 &&
			   vmarea_alloc_aligned(&s, &e, 1, 0, 0) == -1 &&
			   vmarea_alloc_aligned(&s, &e, 1, 0, 512) == -1 &&
			   vmarea_alloc_aligned(&s, &e, 1, 1, 1UL << 63) == -1 &&
			   vmarea_alloc_aligned(&s, &e, 1, 0, 1UL << 63) == -1 && tree_ok(&s) &&
			   s.nr_areas == 4 && e.span_start == 0x1234000,
		   "aligned: not a power of two, or no aligned room: fails, changes nothing"))
		return;
	/* [8, 16) again: a span at 11..15 leaves 3 free pages below it and 1 above. */
	check(vmarea_alloc_aligned(&s, &f, 2, 1, 4) == 0 && f.addr == start + PG(12) &&
		      f.gap == 3 && c.gap == 1 && tree_ok(&s),
	      "aligned: the hole is cut in two, the gaps below and above the span are right");
}

/*
 * A space that ends at the top of the 64-bit address space: nothing may wrap, and sizes whose
 * byte count wraps must fail however the span is computed.
 */
static void test_top_of_space(void)
{
	struct vmarea_space s;
	struct vmarea a, b;
	u64 end = 0xfffffffffffff000UL, start = end - PG(32);

	vmarea_space_init(&s, start, UINT64_MAX);
	if (!check(s.end == end, "top: the space ends at the last page"))
		return;
	if (!check(vmarea_alloc(&s, &a, 31, 1) == -1 && vmarea_alloc(&s, &a, 30, 1) == 0 &&
			   vmarea_span_end(&a) == end && vmarea_alloc(&s, &b, 1, 0) == -1 &&
			   tree_ok(&s),
		   "top: a span that ends at the last page fits, one page more does not"))
		return;
	vmarea_free(&s, &a);
	if (!check(vmarea_alloc(&s, &a, 1UL << 52, 0) == -1 &&
			   vmarea_alloc(&s, &a, (1UL << 52) + 1, 0) == -1 &&
			   vmarea_alloc(&s, &a, (1UL << 52) - 2, 1) == -1 &&
			   vmarea_alloc(&s, &a, 1, UINT32_MAX) == -1 &&
			   vmarea_alloc(&s, &a, UINT64_MAX - 1, UINT32_MAX) == -1 &&
			   vmarea_alloc(&s, &a, UINT64_MAX, 1) == -1 &&
			   vmarea_alloc_aligned(&s, &a, 1, 0, 1UL << 40) == -1 && s.nr_areas == 0,
		   "top: sizes whose byte count wraps, huge guards and alignments fail"))
		return;
	if (!check(vmarea_alloc(&s, &a, 16, 0) == 0 && vmarea_alloc(&s, &b, 15, 1) == -1 &&
			   vmarea_alloc(&s, &b, 14, 1) == 0 && vmarea_span_end(&b) == end &&
			   tree_ok(&s),
		   "top: the last hole fills exactly"))
		return;
}

/*
 * The search must trust max_gap: a subtree whose cached max_gap is below the span holds no room,
 * so a search that still looks inside it is a walk of every area, O(n). Here one area lies
 * about its own gap (its caches and those above it do not know): a search that reads that
 * gap is caught placing the span where there is no room. The space is thrown away after.
 */
#define LIE_AREAS 64

static struct vmarea lie[LIE_AREAS];

static void test_trusts_max_gap(void)
{
	struct vmarea_space s;
	struct vmarea big;
	u64 start = 0x80000000;
	int i;

	vmarea_space_init(&s, start, start + PG(4 * LIE_AREAS));
	for (i = 0; i < LIE_AREAS; i++)
		vmarea_alloc(&s, &lie[i], 1, 0);
	for (i = 0; i < LIE_AREAS; i += 2)
		vmarea_free(&s, &lie[i]); /* 1-page holes everywhere */
	if (!check(tree_ok(&s) && s.root->max_gap == 1, "lie: %d areas with 1-page holes between",
		   LIE_AREAS / 2))
		return;
	if (!check(vmarea_alloc(&s, &big, 1, 0) == 0 && big.span_start == start,
		   "lie: a 1-page span goes to the lowest hole"))
		return;
	vmarea_free(&s, &big);
	lie[21].gap = 40; /* false, and max_gap above it still says 1 */
	if (!check(vmarea_alloc(&s, &big, 8, 1) == 0 && big.span_start == start + PG(LIE_AREAS),
		   "lie: a 10-page span goes to the tail: no subtree with max_gap 1 is searched"))
		return;
}

/* vmarea_check() must notice corruption, or the random test below proves nothing. */
static void test_check_catches(void)
{
	struct vmarea_space s;
	struct vmarea v[5];
	int i;

	vmarea_space_init(&s, 0x200000, 0x200000 + PG(64));
	for (i = 0; i < 5; i++)
		vmarea_alloc(&s, &v[i], 2, 1);
	vmarea_free(&s, &v[1]);
	v[2].max_gap++;
	if (!check(vmarea_check(&s, why, sizeof(why)) == -1 && strstr(why, "max_gap"),
		   "check catches a stale max_gap (%s)", why))
		return;
	v[2].max_gap--;
	s.used_pages++;
	if (!check(vmarea_check(&s, why, sizeof(why)) == -1 && strstr(why, "used_pages"),
		   "check catches a wrong count (%s)", why))
		return;
	s.used_pages--;
	v[3].span_start -= PG(1);
	if (!check(vmarea_check(&s, why, 8) == -1 && strlen(why) == 7,
		   "check catches an overlap and truncates the reason to fit"))
		return;
	v[3].span_start += PG(1);
	if (!check(tree_ok(&s), "restored tree passes again"))
		return;
}

/*
 * Random alloc/free against two independent models: a sorted array that computes where first
 * fit must put each span (an O(n) reference allocator) and a page map recording which area
 * owns each page, used to check for overlap and to check find/lookup/in_guard.
 */
#define RAND_STEPS 100000
#define RAND_SLOTS 512
#define RAND_PAGES 8192

static struct vmarea_space rs;
static struct vmarea rv[RAND_SLOTS];
static bool rlive[RAND_SLOTS];
static int rorder[RAND_SLOTS], rnlive;		  /* live slots sorted by span start */
static u64 rstart[RAND_SLOTS], rspan[RAND_SLOTS]; /* the model's own copy */
static s16 rowner[RAND_PAGES];			  /* slot owning each page, or -1 */
static const char *rfail;

/*
 * Where the lowest fit must put the span (as a page index of its start) and its rank in rorder;
 * -1 if nowhere. The usable pages start at a multiple of align pages of the address space
 * (rs.start is aligned far more than any align used here).
 */
static s64 model_lowest_fit(u64 npages, u32 guard, u64 align, int *rank)
{
	u64 prev = 0, addr, hole_end;
	int i;

	for (i = 0; i <= rnlive; i++) {
		hole_end = i < rnlive ? rstart[rorder[i]] : RAND_PAGES;
		addr = ALIGN_UP(prev + guard, align);
		if (addr + npages + guard <= hole_end) {
			*rank = i;
			return (s64)(addr - guard);
		}
		if (i < rnlive)
			prev = rstart[rorder[i]] + rspan[rorder[i]];
	}
	return -1;
}

static void model_set(u64 first, u64 n, s16 owner)
{
	u64 p;

	for (p = first; p < first + n; p++) {
		if ((owner < 0) == (rowner[p] < 0))
			rfail = "page map: overlap, or freeing a page that was free";
		rowner[p] = owner;
	}
}

/* The pages around a new area's usable range are its own guards, then somebody else's span. */
static bool guards_ok(struct vmarea *va)
{
	u64 lo = va->addr - PG(va->guard), hi = vmarea_addr_end(va) + PG(va->guard);

	if (va->guard &&
	    (vmarea_find(&rs, va->addr - 1) != va || !vmarea_in_guard(va, lo) ||
	     vmarea_find(&rs, vmarea_addr_end(va)) != va || !vmarea_in_guard(va, hi - 1)))
		rfail = "guard pages do not belong to the new area";
	else if (vmarea_find(&rs, lo - 1) == va || vmarea_find(&rs, hi) == va)
		rfail = "span is larger than guard + npages + guard";
	return !rfail;
}

static void rand_alloc(int slot)
{
	u64 npages = 1 + rng_below(rng_below(50) ? 64 : 1024);
	u32 guard = rng_below(3);
	u64 align = rng_below(4) ? 1 : 1UL << rng_below(6);

	/* Now and then a request whose size wraps around 64 bits: it must fail like any other. */
	if (!rng_below(64)) {
		npages = UINT64_MAX - rng_below(2);
		guard = 1 + rng_below(2);
	}
	u64 span = npages + 2 * guard;
	int rank = 0, ret;
	s64 want = npages > RAND_PAGES ? -1 : model_lowest_fit(npages, guard, align, &rank);

	ret = vmarea_alloc_aligned(&rs, &rv[slot], npages, guard, align);
	if ((ret == 0) != (want >= 0)) {
		rfail = ret ? "alloc failed though the model has room" : "alloc beyond the model";
		return;
	}
	if (ret)
		return;
	if (rv[slot].span_start != rs.start + PG(want)) {
		rfail = align > 1 ? "aligned alloc is not at the lowest address where it fits"
				  : "alloc is not the lowest gap that fits (first fit)";
		return;
	}
	if (!guards_ok(&rv[slot]))
		return;
	memmove(&rorder[rank + 1], &rorder[rank], (rnlive - rank) * sizeof(rorder[0]));
	rorder[rank] = slot;
	rnlive++;
	rlive[slot] = true;
	rstart[slot] = want;
	rspan[slot] = span;
	model_set(want, span, slot);
}

static void rand_free(int slot)
{
	int i;

	vmarea_free(&rs, &rv[slot]);
	for (i = 0; rorder[i] != slot; i++)
		;
	memmove(&rorder[i], &rorder[i + 1], (rnlive - i - 1) * sizeof(rorder[0]));
	rnlive--;
	rlive[slot] = false;
	model_set(rstart[slot], rspan[slot], -1);
}

/* Probe one address (maybe just outside the space) against the page map. */
static void rand_probe(void)
{
	s64 page = (s64)rng_below(RAND_PAGES + 4) - 2;
	u64 addr = rs.start + page * (s64)PAGE_SIZE + rng_below(PAGE_SIZE);
	struct vmarea *want = NULL, *got = vmarea_find(&rs, addr);
	u64 off;

	if (page >= 0 && page < RAND_PAGES && rowner[page] >= 0)
		want = &rv[rowner[page]];
	if (got != want) {
		rfail = "find disagrees with the page map";
		return;
	}
	if (!want)
		return;
	off = page - rstart[rowner[page]];
	if (vmarea_in_guard(want, addr) != (off < want->guard || off >= want->guard + want->npages))
		rfail = "in_guard disagrees with the page map";
	if (vmarea_lookup(&rs, want->addr) != want || vmarea_lookup(&rs, want->addr + 1) != NULL)
		rfail = "lookup of a live area failed";
}

static void test_random(void)
{
	u64 step, allocs = 0, fails = 0, max_live = 0;
	int i;

	rng_state = 42;
	vmarea_space_init(&rs, VMALLOC_START, VMALLOC_START + PG(RAND_PAGES));
	memset(rowner, 0xff, sizeof(rowner));
	for (step = 0; step < RAND_STEPS && !rfail; step++) {
		int slot = rng_below(RAND_SLOTS);
		u64 before = rs.nr_areas;

		if (rlive[slot]) {
			rand_free(slot);
		} else {
			rand_alloc(slot);
			allocs++;
			fails += rs.nr_areas == before;
		}
		max_live = MAX(max_live, rs.nr_areas);
		rand_probe();
		rand_probe();
		if (!rfail && vmarea_check(&rs, why, sizeof(why)))
			rfail = why;
	}
	if (rfail)
		tap_diag("step %llu: %s", (unsigned long long)step - 1, rfail);
	if (!check(!rfail,
		   "random: %d steps agree with the lowest-fit model and the page map, "
		   "vmarea_check after every step",
		   RAND_STEPS))
		return;
	tap_diag("random: %llu allocs, %llu failed for lack of room, up to %llu live areas",
		 (unsigned long long)allocs, (unsigned long long)fails,
		 (unsigned long long)max_live);
	if (!check(fails > 0 && fails < allocs / 2,
		   "random: the space filled up sometimes, not always"))
		return;

	/* Free whatever is left in random order; the space must come back exactly empty. */
	while (rnlive && !rfail) {
		rand_free(rorder[rng_below(rnlive)]);
		if (vmarea_check(&rs, why, sizeof(why)))
			rfail = why;
	}
	if (!check(!rfail && rs.root == NULL && rs.nr_areas == 0 && rs.used_pages == 0 &&
			   rs.span_pages_used == 0,
		   "random: freeing the rest leaves an empty space"))
		return;
	for (i = 0; i < RAND_PAGES && rowner[i] < 0; i++)
		;
	if (!check(i == RAND_PAGES, "random: page map is all free"))
		return;
	if (!check(vmarea_alloc(&rs, &rv[0], RAND_PAGES, 0) == 0 && rv[0].span_start == rs.start &&
			   vmarea_alloc(&rs, &rv[1], 1, 0) == -1,
		   "random: a full-size alloc then fits at start"))
		return;
	vmarea_free(&rs, &rv[0]);
}

/*
 * Scaling sanity: the tree stays O(log n) tall with 10,000 live areas, and the augmentation
 * still steers first fit correctly across thousands of holes. Nothing is timed.
 */
#define SCALE_AREAS 10000

static struct vmarea sv[SCALE_AREAS];

static void test_scaling(void)
{
	struct vmarea_space s;
	struct vmarea big, small, *last;
	u64 hole1 = 0, max_hole = 0;
	bool all = true;
	int i;

	rng_state = 7;
	vmarea_space_init(&s, VMALLOC_START, VMALLOC_START + VMALLOC_SIZE);
	for (i = 0; i < SCALE_AREAS; i++)
		all &= vmarea_alloc(&s, &sv[i], 1 + rng_below(64), 1) == 0;
	if (!check(all && tree_ok(&s) && s.nr_areas == SCALE_AREAS, "scale: 10000 areas allocated"))
		return;
	tap_diag("scale: height %u, AVL bound %u", s.root->height, avl_max_height(SCALE_AREAS));
	if (!check(s.root->height <= avl_max_height(SCALE_AREAS),
		   "scale: height within the AVL bound"))
		return;

	/* Free every other area: 5000 holes of up to 66 pages. */
	for (i = 1; i < SCALE_AREAS; i += 2)
		vmarea_free(&s, &sv[i]);
	hole1 = sv[1].span_start;
	for (i = 1; i < SCALE_AREAS - 1; i += 2)
		max_hole = MAX(max_hole, sv[i + 1].gap);
	if (!check(tree_ok(&s) && s.root->height <= avl_max_height(SCALE_AREAS / 2) &&
			   s.root->max_gap == max_hole,
		   "scale: after freeing half, balanced, max_gap at root"))
		return;
	last = &sv[SCALE_AREAS - 2];
	if (!check(vmarea_alloc(&s, &big, max_hole - 1, 1) == 0 &&
			   big.span_start == vmarea_span_end(last),
		   "scale: span bigger than every hole goes to the tail"))
		return;
	if (!check(vmarea_alloc(&s, &small, 1, 0) == 0 && small.span_start == hole1,
		   "scale: 1-page span goes to the lowest hole"))
		return;
	if (!check(tree_ok(&s), "scale: consistent after the two allocs"))
		return;
}

int main(void)
{
	/* A search that loops (a wrong solution can) ends the run: its plan shows it unfinished. */
	alarm(30);
	tap_plan(11);
	group(test_empty, "an empty space: consistent, nothing found");
	group(test_basic, "layout: spans with their guards, find, lookup, in_guard, free");
	group(test_first_fit, "freed room is reused: the lowest hole that fits, holes merge");
	group(test_exhaustion, "a full space and sizes that would wrap fail, and change nothing");
	group(test_iteration, "first/next visit the areas in address order");
	group(test_align, "alignment: the lowest aligned place that fits");
	group(test_top_of_space, "a space at the top of the address space: nothing wraps");
	group(test_trusts_max_gap, "the search never enters a subtree whose max_gap is too small");
	group(test_check_catches, "vmarea_check() catches corruption");
	group(test_random, "random allocs and frees agree with a simple model at every step");
	group(test_scaling, "10,000 areas: the tree stays within the AVL height bound");
	return tap_done();
}
