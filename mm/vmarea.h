/*
 * Virtual-area allocator for the vmalloc range: pure logic, no locking, no memory allocation.
 * The caller owns every struct vmarea; see mm/vmarea.c for the layout and the tree.
 * The kernel uses one space for the vmalloc range (0xffffc90000000000, 32 TiB, as on Linux);
 * the range itself is passed to vmarea_space_init() so that tests can use small spaces.
 */
#ifndef MM_VMAREA_H
#define MM_VMAREA_H

#include "kernel/lib/types.h"

struct vmarea {
	u64 span_start; /* first byte of the leading guard */
	u64 span_pages; /* guard + npages + guard */
	u64 addr;	/* first usable byte: span_start + guard * PAGE_SIZE */
	u64 npages;	/* usable pages */
	u32 guard;	/* guard pages on each side */

	/* Tree links + augmentation; private to mm/vmarea.c. */
	struct vmarea *left, *right, *parent;
	u32 height;  /* AVL height: 1 for a leaf, 0 when not in a tree */
	u64 gap;     /* free pages between the previous span (or space start) and ours */
	u64 max_gap; /* largest gap in this subtree */

	void *owner; /* free for the caller; never touched here */
};

struct vmarea_space {
	u64 start, end; /* byte addresses, page aligned, start <= end */
	struct vmarea *root;
	u64 nr_areas;
	u64 used_pages;	     /* sum of npages */
	u64 span_pages_used; /* sum of span_pages (usable + guards) */
};

static inline u64 vmarea_span_end(const struct vmarea *va)
{
	return va->span_start + va->span_pages * PAGE_SIZE;
}

static inline u64 vmarea_addr_end(const struct vmarea *va)
{
	return va->addr + va->npages * PAGE_SIZE;
}

void vmarea_space_init(struct vmarea_space *s, u64 start, u64 end);
/*
 * Give va an area of npages usable pages with guard unmapped pages on each side, its usable
 * pages at a multiple of align pages (a power of two), at the lowest address where the span
 * fits. 0, or -1 (va untouched) if there is no room or the request makes no sense.
 */
int vmarea_alloc_aligned(struct vmarea_space *s, struct vmarea *va, u64 npages, u32 guard,
			 u64 align);
static inline int vmarea_alloc(struct vmarea_space *s, struct vmarea *va, u64 npages, u32 guard)
{
	return vmarea_alloc_aligned(s, va, npages, guard, 1);
}
void vmarea_free(struct vmarea_space *s, struct vmarea *va);
struct vmarea *vmarea_find(const struct vmarea_space *s, u64 addr);
struct vmarea *vmarea_lookup(const struct vmarea_space *s, u64 addr);
bool vmarea_in_guard(const struct vmarea *va, u64 addr);
struct vmarea *vmarea_first(const struct vmarea_space *s);
struct vmarea *vmarea_next(const struct vmarea *va);
int vmarea_check(const struct vmarea_space *s, char *why, size_t why_len);
/*
 * Draw the tree of s into buf (NUL-terminated, cut to size), one line per area in pre-order -
 * an area, then its left subtree, then its right one - indented two spaces per level:
 * "0x<span_start, hex> pages=<span_pages> h=<height> max_gap=<max_gap>". Returns the length of
 * the whole text, like snprintf: size or more means it was cut.
 */
size_t vmarea_show_tree(const struct vmarea_space *s, char *buf, size_t size);

#endif
