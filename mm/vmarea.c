/*
 * Virtual-area allocator: hands out page-aligned address ranges of the vmalloc space.
 */
/*
 * Spans and guards. Every area owns guard pages on both sides of its usable pages; together
 * they form the area's span. Guard pages are never mapped, so running off either end of a
 * vmalloc buffer hits an absent PTE and faults instead of corrupting a neighbour:
 *
 *  prev span end span_start       addr                   addr + npages        span end
 *         |          |              |                              |              |
 *  ...----+          +--------------+------------------------------+--------------+ ...
 *  guard  |  free    | guard pages  |     npages usable pages      | guard pages  | next
 *  ...----+          +--------------+------------------------------+--------------+ ...
 *         |<- gap -->|<----------- span_pages = guard + npages + guard ---------->|
 *
 * Spans never overlap, so two neighbouring areas with the same guard are separated by at
 * least 2 * guard unmapped pages, and the first (last) area has at least `guard` unmapped
 * pages before (after) it. The free pages in front of a span are its `gap`; the free pages
 * after the last span up to the end of the space are the tail gap.
 */

/*
 * The tree. All areas of a space live in one AVL tree keyed by span_start (AVL because its
 * invariant, subtree heights differ by at most 1, is easy to state and to check). Each node caches
 * max_gap, the largest gap of any area in its subtree: a subtree whose max_gap is smaller than
 * a span holds no hole for it, so a search for room need not look inside (Linux's vmap_area
 * tree caches subtree_max_size for the same reason).
 *
 * Inserting or erasing an area changes exactly one other gap: that of the next area (its
 * successor). So every update is: change the tree shape (rebalancing as we walk up), then fix
 * the successor's gap and recompute max_gap on its path to the root. Both are O(log n).
 *
 * No locks and no memory allocation here: the caller provides every struct vmarea, keeps it
 * alive while it is in the tree, and serialises calls on a space.
 */
#include "mm/vmarea.h"

static u64 pages_between(u64 lo, u64 hi)
{
	return (hi - lo) >> PAGE_SHIFT;
}

/* Where the free hole in front of va begins. (Inline: a tree without a search may not use it.) */
static inline u64 gap_start(const struct vmarea *va)
{
	return va->span_start - va->gap * PAGE_SIZE;
}

/* ---------------------------------------------------------------- AVL tree */

static u32 height(const struct vmarea *n)
{
	return n ? n->height : 0;
}

static u64 max_gap(const struct vmarea *n)
{
	return n ? n->max_gap : 0;
}

/*
 * Recompute n's cached height and max_gap from its own gap and its children. Returns whether
 * either changed: if neither did, nothing above n can change either. Inline: each rotation and
 * each level of update_path() calls it, on every vmalloc(): a call shows in a stack's cost.
 */
static inline bool update(struct vmarea *n)
{
	u32 h = 1 + MAX(height(n->left), height(n->right));
	u64 m = MAX(n->gap, MAX(max_gap(n->left), max_gap(n->right)));
	bool changed = h != n->height || m != n->max_gap;

	n->height = h;
	n->max_gap = m;
	return changed;
}

/* Make `new` take the place of `old` below `parent` (or as the root). */
static void replace_child(struct vmarea_space *s, struct vmarea *parent, struct vmarea *old,
			  struct vmarea *new)
{
	if (!parent)
		s->root = new;
	else if (parent->left == old)
		parent->left = new;
	else
		parent->right = new;
	if (new)
		new->parent = parent;
}

/*
 *     x                y
 *    / \              / \
 *   a   y     ->     x   c
 *      / \          / \
 *     b   c        a   b
 */
static struct vmarea *rotate_left(struct vmarea_space *s, struct vmarea *x)
{
	struct vmarea *y = x->right;

	x->right = y->left;
	if (y->left)
		y->left->parent = x;
	replace_child(s, x->parent, x, y);
	y->left = x;
	x->parent = y;
	update(x);
	update(y);
	return y;
}

/* The mirror image of rotate_left(). */
static struct vmarea *rotate_right(struct vmarea_space *s, struct vmarea *x)
{
	struct vmarea *y = x->left;

	x->left = y->right;
	if (y->right)
		y->right->parent = x;
	replace_child(s, x->parent, x, y);
	y->right = x;
	x->parent = y;
	update(x);
	update(y);
	return y;
}

/*
 * Restore |height(left) - height(right)| <= 1 at n, whose subtrees are balanced. Returns the
 * node now at n's place. If the taller child leans the other way (a zig-zag), one rotation
 * would just move the imbalance across, so that child is first rotated to lean outward.
 */
static struct vmarea *balance(struct vmarea_space *s, struct vmarea *n)
{
	int bf = (int)height(n->left) - (int)height(n->right);

	if (bf > 1) {
		if (height(n->left->left) < height(n->left->right))
			rotate_left(s, n->left);
		return rotate_right(s, n);
	}
	if (bf < -1) {
		if (height(n->right->right) < height(n->right->left))
			rotate_right(s, n->right);
		return rotate_left(s, n);
	}
	return n;
}

/*
 * n's subtree changed shape: rebalance and recompute caches from n up towards the root. The walk
 * stops at the first node that neither changed nor rotated: above it, every cache still holds
 * (Linux's augmented rbtree stops its propagation the same way). The caller makes sure n's own
 * caches do not look unchanged by accident: see tree_insert() and tree_erase().
 *
 * A node that needs a rotation gets its caches from the rotation (rotate_*() update both nodes
 * they move), so the children's heights are read once per level, for both questions: is n out
 * of balance, and did its caches change. This walk runs on every vmalloc() and every purge.
 */
static void rebalance_up(struct vmarea_space *s, struct vmarea *n)
{
	while (n) {
		u32 hl = height(n->left), hr = height(n->right);
		u64 m;

		if (hl > hr + 1 || hr > hl + 1) {
			n = balance(s, n)->parent;
			continue;
		}
		m = MAX(n->gap, MAX(max_gap(n->left), max_gap(n->right)));
		if (n->height == 1 + MAX(hl, hr) && n->max_gap == m)
			return;
		n->height = 1 + MAX(hl, hr);
		n->max_gap = m;
		n = n->parent;
	}
}

/* n's gap changed: recompute the cached max_gap of n and its ancestors, while it changes. */
static void update_path(struct vmarea *n)
{
	for (; n; n = n->parent) {
		if (!update(n))
			return;
	}
}

static struct vmarea *leftmost(struct vmarea *n)
{
	while (n && n->left)
		n = n->left;
	return n;
}

static struct vmarea *rightmost(struct vmarea *n)
{
	while (n && n->right)
		n = n->right;
	return n;
}

/*
 * Put va into the tree as a leaf. `last` is the rightmost node when va goes after every area (the
 * common case: a new area past all others), which spares a second walk from the root; NULL to
 * search for va's place by its key.
 */
static void tree_insert(struct vmarea_space *s, struct vmarea *va, struct vmarea *last)
{
	struct vmarea **link = &s->root;
	struct vmarea *parent = NULL;

	if (last) {
		parent = last;
		link = &last->right;
	}
	while (*link) {
		parent = *link;
		link = va->span_start < parent->span_start ? &parent->left : &parent->right;
	}
	va->left = NULL;
	va->right = NULL;
	va->parent = parent;
	/* A leaf's caches, set here: the walk starts at its parent, whose child is new. */
	va->height = 1;
	va->max_gap = va->gap;
	*link = va;
	rebalance_up(s, parent);
}

static void tree_erase(struct vmarea_space *s, struct vmarea *x)
{
	struct vmarea *fix; /* lowest node whose subtree lost a node */

	if (x->left && x->right) {
		/*
		 * Two children: x's successor y (leftmost in x->right, so y has no left child)
		 * is moved into x's place. The nodes are the caller's, so we relink them
		 * rather than copy keys.
		 */
		struct vmarea *y = leftmost(x->right);

		if (y->parent == x) {
			fix = y;
		} else {
			fix = y->parent;
			replace_child(s, y->parent, y, y->right);
			y->right = x->right;
			y->right->parent = y;
		}
		y->left = x->left;
		y->left->parent = y;
		replace_child(s, x->parent, x, y);
		/*
		 * y's caches were for its old place. The walk from fix may stop below y, so y
		 * gets a walk of its own; its height of 0 makes it look changed, and that walk
		 * goes on to x's old parent, whose child y now is.
		 */
		y->height = 0;
		rebalance_up(s, fix);
		rebalance_up(s, y);
		return;
	}
	fix = x->parent;
	replace_child(s, x->parent, x, x->left ? x->left : x->right);
	rebalance_up(s, fix);
}

/* ---------------------------------------------------------------- allocator */

void vmarea_space_init(struct vmarea_space *s, u64 start, u64 end)
{
	/* Shrink a misaligned range inward rather than hand out a partial page. */
	s->start = ALIGN_UP(start, PAGE_SIZE);
	s->end = ALIGN_DOWN(end, PAGE_SIZE);
	if (s->end < s->start)
		s->end = s->start;
	s->root = NULL;
	s->nr_areas = 0;
	s->used_pages = 0;
	s->span_pages_used = 0;
}

/* LAB3: BEGIN find room for a span and its guards in the augmented tree, aligned, and place it */
/*
 * A request for room: the span's size in pages, and where its usable pages may start (the
 * guard pages below them, a multiple of align pages). Page numbers, not addresses: a page
 * number of the 64-bit address space is below 2^52, so sums of one and a u32 cannot wrap.
 */
struct request {
	u64 npages, span, align;
	u32 guard;
};

/*
 * Where the usable pages go in the free hole [lo, hi): the lowest multiple of align pages that
 * leaves room for the leading guard above lo, if the rest of the span still ends by hi.
 */
static bool place_in_hole(const struct request *r, u64 lo, u64 hi, u64 *addr)
{
	u64 first = (lo >> PAGE_SHIFT) + r->guard, last = hi >> PAGE_SHIFT;

	/* -first & (align - 1) is below align: with first < 2^53 the sum fits in 64 bits. */
	first += -first & (r->align - 1);
	if (first > last || last - first < r->npages + r->guard)
		return false;
	*addr = first << PAGE_SHIFT;
	return true;
}

/*
 * The area in front of the lowest hole in the tree that takes the span, or NULL (then only the
 * tail may). An in-order walk that never enters a subtree whose max_gap is below the span: with
 * align 1 every gap of the span's size fits, so the first node whose own gap is big enough
 * is the answer, and the walk is one path from the root, O(log n). With alignment a big-enough
 * gap may still be too small once aligned; the walk then goes on to the next candidate.
 * Iterative, with the parent links, because the stack of a task is small (lab 5).
 */
static struct vmarea *find_hole(const struct vmarea_space *s, const struct request *r, u64 *addr)
{
	struct vmarea *n = s->root;

	if (max_gap(n) < r->span)
		return NULL;
	for (;;) {
		/* Down to the lowest node of this subtree whose left subtree cannot hold it. */
		while (max_gap(n->left) >= r->span)
			n = n->left;
		for (;;) {
			if (n->gap >= r->span &&
			    place_in_hole(r, gap_start(n), n->span_start, addr))
				return n;
			if (max_gap(n->right) >= r->span) {
				n = n->right;
				break;
			}
			/* Up to the first ancestor not yet visited: we were on its left. */
			while (n->parent && n == n->parent->right)
				n = n->parent;
			n = n->parent;
			if (!n)
				return NULL;
		}
	}
}

int vmarea_alloc_aligned(struct vmarea_space *s, struct vmarea *va, u64 npages, u32 guard,
			 u64 align)
{
	struct request r = { .npages = npages, .align = align, .guard = guard };
	struct vmarea *next, *last = NULL;
	u64 lo, addr;

	/* The span must be countable: npages + 2 * guard may not wrap. */
	if (npages == 0 || npages > UINT64_MAX - 2 * (u64)guard || !align || (align & (align - 1)))
		return -1;
	r.span = npages + 2 * (u64)guard;

	next = find_hole(s, &r, &addr);
	if (next) {
		lo = gap_start(next);
	} else {
		last = rightmost(s->root);
		lo = last ? vmarea_span_end(last) : s->start;
		if (!place_in_hole(&r, lo, s->end, &addr))
			return -1;
	}

	va->span_start = addr - (u64)guard * PAGE_SIZE;
	va->span_pages = r.span;
	va->guard = guard;
	va->npages = npages;
	va->addr = addr;
	/* The hole is split in two: below the span (va's gap), and above it (next's). */
	va->gap = pages_between(lo, va->span_start);
	tree_insert(s, va, last);
	if (next) {
		next->gap -= va->gap + r.span;
		update_path(next);
	}

	s->nr_areas++;
	s->used_pages += npages;
	s->span_pages_used += r.span;
	return 0;
}
/* LAB3: END */

void vmarea_free(struct vmarea_space *s, struct vmarea *va)
{
	struct vmarea *next;

	/* A node in a tree always has height >= 1; this catches a plain double free. */
	if (va->height == 0)
		return;

	next = vmarea_next(va);
	tree_erase(s, va);
	/* The freed span and the hole in front of it merge into the hole before next. */
	if (next) {
		next->gap += va->gap + va->span_pages;
		update_path(next);
	}
	va->left = NULL;
	va->right = NULL;
	va->parent = NULL;
	va->height = 0;

	s->nr_areas--;
	s->used_pages -= va->npages;
	s->span_pages_used -= va->span_pages;
}

struct vmarea *vmarea_find(const struct vmarea_space *s, u64 addr)
{
	struct vmarea *n = s->root;

	/* Spans do not overlap, so at most one contains addr and the BST walk finds it. */
	while (n) {
		if (addr < n->span_start)
			n = n->left;
		else if (addr >= vmarea_span_end(n))
			n = n->right;
		else
			return n;
	}
	return NULL;
}

struct vmarea *vmarea_lookup(const struct vmarea_space *s, u64 addr)
{
	struct vmarea *va = vmarea_find(s, addr);

	return va && va->addr == addr ? va : NULL;
}

bool vmarea_in_guard(const struct vmarea *va, u64 addr)
{
	/* LAB3: BEGIN is addr in the leading or the trailing guard of this area? */
	bool leading = addr >= va->span_start && addr < va->addr;
	bool trailing = addr >= vmarea_addr_end(va) && addr < vmarea_span_end(va);

	return leading || trailing;
	/* LAB3: END */
}

struct vmarea *vmarea_first(const struct vmarea_space *s)
{
	return leftmost(s->root);
}

struct vmarea *vmarea_next(const struct vmarea *va)
{
	struct vmarea *p;

	if (va->right)
		return leftmost(va->right);
	/* Climb until we come up from a left child: that parent is the next larger key. */
	for (p = va->parent; p && va == p->right; p = p->parent)
		va = p;
	return p;
}

/* ---------------------------------------------------------------- consistency check */

struct check {
	const struct vmarea_space *s;
	u64 prev_end; /* end of the previous span in address order */
	u64 nr_areas, used_pages, span_pages;
	char *why;
	size_t why_len;
};

/* Record "msg 0x<val>" in why (truncated to fit) and return -1. */
static int fail(struct check *c, const char *msg, u64 val)
{
	static const char hex[] = "0123456789abcdef";
	char buf[96];
	size_t n = 0, i;
	int shift;

	while (*msg && n < sizeof(buf) - 24)
		buf[n++] = *msg++;
	for (msg = " 0x"; *msg; msg++)
		buf[n++] = *msg;
	for (shift = 60; shift >= 0; shift -= 4)
		buf[n++] = hex[(val >> shift) & 0xf];
	for (i = 0; c->why_len && i < c->why_len - 1 && i < n; i++)
		c->why[i] = buf[i];
	if (c->why_len)
		c->why[i] = '\0';
	return -1;
}

/* Check the subtree at n in address order; everything cached must match a recomputation. */
static int check_node(struct check *c, const struct vmarea *n, const struct vmarea *parent)
{
	u32 hl, hr;
	u64 gap;

	if (!n)
		return 0;
	if (n->parent != parent)
		return fail(c, "bad parent link at", n->span_start);
	if (check_node(c, n->left, n))
		return -1;

	/* In order: this span must start at or after the previous one's end (no overlap). */
	if (n->span_start < c->prev_end)
		return fail(c, "span overlaps or is out of order at", n->span_start);
	if (!IS_ALIGNED(n->span_start, PAGE_SIZE))
		return fail(c, "span not page aligned at", n->span_start);
	if (n->npages == 0 || n->span_pages != n->npages + 2 * (u64)n->guard)
		return fail(c, "span_pages != guard + npages + guard at", n->span_start);
	if (n->addr != n->span_start + (u64)n->guard * PAGE_SIZE)
		return fail(c, "addr != span_start + guard pages at", n->span_start);
	if (n->span_start > c->s->end || n->span_pages > pages_between(n->span_start, c->s->end))
		return fail(c, "span runs past the end of the space at", n->span_start);
	gap = pages_between(c->prev_end, n->span_start);
	if (n->gap != gap)
		return fail(c, "cached gap is wrong at", n->span_start);
	c->prev_end = vmarea_span_end(n);
	c->nr_areas++;
	c->used_pages += n->npages;
	c->span_pages += n->span_pages;

	if (check_node(c, n->right, n))
		return -1;

	hl = height(n->left);
	hr = height(n->right);
	if (n->height != 1 + MAX(hl, hr))
		return fail(c, "cached height is wrong at", n->span_start);
	if (hl > hr + 1 || hr > hl + 1)
		return fail(c, "AVL balance violated at", n->span_start);
	if (n->max_gap != MAX(n->gap, MAX(max_gap(n->left), max_gap(n->right))))
		return fail(c, "cached max_gap is wrong at", n->span_start);
	return 0;
}

int vmarea_check(const struct vmarea_space *s, char *why, size_t why_len)
{
	struct check c = {
		.s = s,
		.prev_end = s->start,
		.why = why,
		.why_len = why_len,
	};

	if (!IS_ALIGNED(s->start, PAGE_SIZE) || !IS_ALIGNED(s->end, PAGE_SIZE) || s->end < s->start)
		return fail(&c, "space bounds not page aligned or reversed, start", s->start);
	if (check_node(&c, s->root, NULL))
		return -1;
	if (c.nr_areas != s->nr_areas)
		return fail(&c, "nr_areas does not match the tree, which has", c.nr_areas);
	if (c.used_pages != s->used_pages)
		return fail(&c, "used_pages does not match the tree, which has", c.used_pages);
	if (c.span_pages != s->span_pages_used)
		return fail(&c, "span_pages_used does not match the tree, which has", c.span_pages);
	if (why_len)
		why[0] = '\0';
	return 0;
}

/* ---------------------------------------------------------------- drawing the tree */

/* The longest line vmarea_show_tree() writes, indentation included (the rest is cut). */
#define TREE_LINE_MAX 256

struct tree_text {
	char *buf;
	size_t size;
	size_t len; /* the length of the whole text, even past size */
};

static void line_str(char *line, size_t *n, const char *s)
{
	while (*s && *n < TREE_LINE_MAX - 2)
		line[(*n)++] = *s++;
}

static void line_num(char *line, size_t *n, u64 v, unsigned int base)
{
	char digits[24];
	size_t k = 0;

	do {
		digits[k++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (k && *n < TREE_LINE_MAX - 2)
		line[(*n)++] = digits[--k];
}

/* n's line, two spaces per level of depth, into line[TREE_LINE_MAX]: newline, NUL. */
static void format_node(char *line, const struct vmarea *n, u32 depth)
{
	size_t len = 0;
	u32 i;

	for (i = 0; i < depth; i++)
		line_str(line, &len, "  ");
	line_str(line, &len, "0x");
	line_num(line, &len, n->span_start, 16);
	line_str(line, &len, " pages=");
	line_num(line, &len, n->span_pages, 10);
	line_str(line, &len, " h=");
	line_num(line, &len, n->height, 10);
	line_str(line, &len, " max_gap=");
	line_num(line, &len, n->max_gap, 10);
	line[len++] = '\n';
	line[len] = '\0';
}

static void put_line(struct tree_text *t, const char *line)
{
	for (; *line; line++, t->len++) {
		if (t->len + 1 < t->size)
			t->buf[t->len] = *line;
	}
}

static size_t tree_text_end(struct tree_text *t)
{
	if (t->size)
		t->buf[t->len < t->size ? t->len : t->size - 1] = '\0';
	return t->len;
}

/* LAB5: BEGIN draw the tree with a stack of bounded size, not by recursion */
/*
 * Pre-order without recursion: an explicit stack of the subtrees still to draw. Popping a node
 * pushes its right child, then its left one, so the left subtree is drawn first. While a node
 * at depth d is drawn, the stack holds at most one right subtree waiting for each level from 1
 * to d; pushing its two children makes d + 2, and only a node at depth h - 2 or less has
 * children, so a tree of h levels needs h entries. The vmalloc range holds at most 2^33 areas
 * (one page each, no guard), and an AVL tree of h levels has at least F(h + 2) - 1 nodes (F the
 * Fibonacci numbers), so no tree of areas has more than 47 levels: 48 entries always do. A
 * corrupt, deeper tree is cut short, never written past the array.
 */
#define TREE_STACK 48

size_t vmarea_show_tree(const struct vmarea_space *s, char *buf, size_t size)
{
	const struct vmarea *todo[TREE_STACK];
	u8 level[TREE_STACK];
	char line[TREE_LINE_MAX];
	struct tree_text t = { buf, size, 0 };
	size_t top = 0;

	if (s->root) {
		todo[top] = s->root;
		level[top++] = 0;
	}
	while (top > 0) {
		const struct vmarea *n = todo[--top];
		u8 depth = level[top];

		format_node(line, n, depth);
		put_line(&t, line);
		if (n->right && top < TREE_STACK) {
			todo[top] = n->right;
			level[top++] = depth + 1;
		}
		if (n->left && top < TREE_STACK) {
			todo[top] = n->left;
			level[top++] = depth + 1;
		}
	}
	return tree_text_end(&t);
}
/* LAB5: END */
