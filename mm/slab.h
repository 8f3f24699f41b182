/*
 * kmalloc/kfree: small kernel objects (up to KMALLOC_MAX_SIZE bytes) in power-of-two size
 * classes, carved out of whole pages. Bigger things come from alloc_pages() or vmalloc().
 */
#ifndef MM_SLAB_H
#define MM_SLAB_H

#include "kernel/lib/types.h"

#define KMALLOC_MIN_SIZE 16
#define KMALLOC_MAX_SIZE 2048

void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(const void *ptr);

struct kmalloc_stats {
	u64 pages;   /* pages the size classes hold */
	u64 objects; /* objects in use */
};
void kmalloc_stats(struct kmalloc_stats *st);
/*
 * Give back the pages the size classes keep with no object in use (Linux's kmem_cache_shrink()):
 * what to call before counting memory against a baseline.
 */
void kmalloc_shrink(void);

#endif
