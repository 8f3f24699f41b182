/*
 * vmarea_show_tree() (lab 5): the drawing of the tree of areas is right - pre-order, two spaces
 * per level, the fields of each area - for a tree whose shape is known, for an empty one, when
 * the buffer is too small, and for a tree deep enough to have many levels.
 */
#include "arch/x86_64/paging.h"
#include "kernel/debug/ktest.h"
#include "kernel/lib/string.h"
#include "kernel/lib/vsprintf.h"
#include "kernel/printk/printk.h"
#include "mm/vmarea.h"

/* A private space, far from anything mapped: the tree only does arithmetic on it. */
#define SPACE_START 0x100000000UL
#define SPACE_END   0x200000000UL
#define MANY	    300

static struct vmarea areas[MANY];
static char text[MANY * 80];

static int fill(struct vmarea_space *s, int n)
{
	int i;

	vmarea_space_init(s, SPACE_START, SPACE_END);
	memset(areas, 0, sizeof(areas));
	for (i = 0; i < n; i++) {
		if (vmarea_alloc(s, &areas[i], 1, 0))
			return -1;
	}
	return 0;
}

/* Append the line vmarea_show_tree() must write for area i at this depth. */
static size_t expect_line(char *buf, size_t len, int i, int depth)
{
	const struct vmarea *va = &areas[i];

	return len + snprintf(buf + len, sizeof(text) - len,
			      "%*s0x%lx pages=%lu h=%u max_gap=%lu\n", 2 * depth, "",
			      va->span_start, va->span_pages, va->height, va->max_gap);
}

/*
 * Seven areas inserted in address order make a perfect AVL tree: the 4th at the root, the 2nd and
 * 6th below it, the others leaves. Pre-order draws 4, 2, 1, 3, 6, 5, 7.
 */
KTEST(mm, vmarea_show_tree_draws_the_tree_in_preorder)
{
	static const int order[] = { 3, 1, 0, 2, 5, 4, 6 };
	static const int depth[] = { 0, 1, 2, 2, 1, 2, 2 };
	static char want[1024];
	struct vmarea_space s;
	size_t len = 0, got;
	unsigned int i;

	KT_ASSERT(fill(&s, 7) == 0);
	KT_ASSERT(s.root == &areas[3] && areas[3].left == &areas[1] && areas[3].right == &areas[5]);
	for (i = 0; i < ARRAY_SIZE(order); i++)
		len = expect_line(want, len, order[i], depth[i]);
	got = vmarea_show_tree(&s, text, sizeof(text));
	KT_EXPECT_MSG(got == len, "returned %zu, the text has %zu bytes", got, len);
	KT_EXPECT_MSG(strcmp(text, want) == 0, "drew:\n%s\nexpected:\n%s", text, want);

	/* Cut short: NUL-terminated inside the buffer, and the length of the whole text. */
	memset(text, 'x', 16);
	got = vmarea_show_tree(&s, text, 10);
	KT_EXPECT(got == len);
	KT_EXPECT(strlen(text) == 9 && strncmp(text, want, 9) == 0);
	KT_EXPECT(text[10] == 'x');

	/* An empty tree draws nothing. */
	vmarea_space_init(&s, SPACE_START, SPACE_END);
	text[0] = 'x';
	KT_EXPECT(vmarea_show_tree(&s, text, sizeof(text)) == 0 && text[0] == '\0');
}

/*
 * Many areas, a tree of many levels: one line per area, every area once, and the indentation
 * says the depth: a line is at most one level deeper than the line before it, and its h= is
 * one less than its parent's, or two (AVL).
 */
KTEST(mm, vmarea_show_tree_draws_every_area_of_a_deep_tree)
{
	static u8 seen[MANY];
	struct vmarea_space s;
	char *line = text, *nl;
	int lines = 0, prev_depth = -1;
	size_t got;

	KT_ASSERT(fill(&s, MANY) == 0);
	/* Free every third area: the gaps make max_gap differ from area to area. */
	for (int i = 0; i < MANY; i += 3)
		vmarea_free(&s, &areas[i]);
	got = vmarea_show_tree(&s, text, sizeof(text));
	KT_ASSERT(got < sizeof(text));
	memset(seen, 0, sizeof(seen));
	while ((nl = strchr(line, '\n'))) {
		int depth = 0;
		u64 start = 0;
		char *p = line;

		while (*p == ' ')
			p++, depth++;
		KT_ASSERT(depth % 2 == 0 && p[0] == '0' && p[1] == 'x');
		depth /= 2;
		KT_EXPECT_MSG(depth <= prev_depth + 1, "line %d: depth %d after %d", lines, depth,
			      prev_depth);
		for (p += 2; *p != ' '; p++)
			start = start * 16 + (*p <= '9' ? *p - '0' : *p - 'a' + 10);
		KT_ASSERT(start >= SPACE_START && (start - SPACE_START) / PAGE_SIZE < MANY);
		seen[(start - SPACE_START) / PAGE_SIZE]++;
		prev_depth = depth;
		lines++;
		line = nl + 1;
	}
	KT_EXPECT_MSG((u64)lines == s.nr_areas, "%d lines for %lu areas", lines, s.nr_areas);
	KT_EXPECT(*line == '\0');
	for (int i = 0; i < MANY; i++)
		KT_EXPECT_MSG(seen[i] == (i % 3 != 0), "area %d drawn %u times", i, seen[i]);
	printk("# %d areas, %zu bytes of text\n", lines, got);
}

/*
 * The deepest tree the vmalloc range could hold: 32 TiB of one-page areas with no guard pages,
 * 2^33 areas. An AVL tree of height h has at least F(h + 2) - 1 nodes (F the Fibonacci
 * numbers: the sparsest tree of height h has the sparsest trees of heights h - 1 and h - 2 as
 * subtrees), so the height is at most the largest h with F(h + 2) - 1 <= 2^33.
 */
static u32 deepest_avl_height(u64 max_nodes)
{
	u64 sparsest[2] = { 0, 1 }; /* nodes of the sparsest trees of height h - 1 and h */
	u32 h = 1;

	while (sparsest[0] + sparsest[1] + 1 <= max_nodes) {
		u64 next = sparsest[0] + sparsest[1] + 1;

		sparsest[0] = sparsest[1];
		sparsest[1] = next;
		h++;
	}
	return h;
}

#define DEEPEST 64 /* more than deepest_avl_height() can return for the vmalloc range */

static struct vmarea spine[DEEPEST], leaves[DEEPEST];
static char deep_want[DEEPEST * 2 * (2 * DEEPEST + 80)];

/* Area i of the tree at address order k: one page each, in address order. */
static void deep_node(struct vmarea *va, int k, u32 height, struct vmarea *parent)
{
	va->span_start = SPACE_START + (u64)k * PAGE_SIZE;
	va->span_pages = va->npages = 1;
	va->addr = va->span_start;
	va->height = height;
	va->parent = parent;
}

/*
 * A tree as deep as that: a spine of h areas, each the left child of the one above, and beside
 * each but the last a leaf as its right child. Drawn in pre-order, the whole spine comes first,
 * then the leaves from the bottom up; a walk that keeps the right children still to draw has h
 * of them waiting at the bottom of the spine. Not an AVL tree, but no subtree on the way down
 * waits longer than in the deepest AVL tree of the same height: a drawing that handles any tree
 * the range can hold draws this one whole.
 */
KTEST(mm, vmarea_show_tree_draws_the_deepest_tree_whole)
{
	u32 h = deepest_avl_height(VMALLOC_SIZE / PAGE_SIZE);
	struct vmarea_space s;
	size_t len = 0, got;
	int i;

	printk("# the vmalloc range holds at most %lu areas: an AVL tree of them has at most %u "
	       "levels\n",
	       VMALLOC_SIZE / PAGE_SIZE, h);
	KT_ASSERT(h < DEEPEST);
	memset(spine, 0, sizeof(spine));
	memset(leaves, 0, sizeof(leaves));
	vmarea_space_init(&s, SPACE_START, SPACE_END);
	/* In address order: spine[h-1] < spine[h-2] < leaves[h-2] < ... < spine[0] < leaves[0]. */
	for (i = 0; i < (int)h; i++) {
		deep_node(&spine[i], 2 * ((int)h - 1 - i), h - i, i ? &spine[i - 1] : NULL);
		if (i + 1 < (int)h)
			spine[i].left = &spine[i + 1];
		if (i + 1 < (int)h) {
			deep_node(&leaves[i], 2 * ((int)h - 1 - i) + 1, 1, &spine[i]);
			spine[i].right = &leaves[i];
		}
	}
	s.root = &spine[0];
	s.nr_areas = 2 * h - 1;

	for (i = 0; i < (int)h; i++)
		len += snprintf(deep_want + len, sizeof(deep_want) - len,
				"%*s0x%lx pages=1 h=%u max_gap=0\n", 2 * i, "", spine[i].span_start,
				spine[i].height);
	for (i = (int)h - 2; i >= 0; i--)
		len += snprintf(deep_want + len, sizeof(deep_want) - len,
				"%*s0x%lx pages=1 h=1 max_gap=0\n", 2 * (i + 1), "",
				leaves[i].span_start);
	KT_ASSERT(len < sizeof(deep_want) && len < sizeof(text));
	got = vmarea_show_tree(&s, text, sizeof(text));
	KT_EXPECT_MSG(got == len, "returned %zu, the text has %zu bytes", got, len);
	KT_EXPECT_MSG(strcmp(text, deep_want) == 0, "a tree of %u levels: drew\n%s\nexpected:\n%s",
		      h, text, deep_want);
}
