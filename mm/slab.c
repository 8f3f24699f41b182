/*
 * A deliberately simple slab: each page serves one size class and starts with a header; the
 * rest is cut into equal objects. A free object holds the free-list link and a poison word,
 * which is how a double kfree() is caught. A page whose objects are all free goes back to the
 * page allocator, unless it is the class's only page (so a kmalloc/kfree pair in a loop does not
 * allocate and free a page every time); kmalloc_shrink() gives that one back too.
 *
 *   | slab header | obj | obj | obj | ... |        one 4 KiB page
 */
#include "mm/slab.h"
#include "mm/fail.h"
#include "mm/kfence.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/stacktrace.h"
#include "kernel/printk/printk.h"
#include "kernel/locking/spinlock.h"
#include "kernel/lib/string.h"
#include "mm/page_alloc.h"

#define NR_CLASSES  8 /* 16, 32, ..., 2048 */
#define SLAB_MAGIC  0x51ab51ab
#define FREE_POISON 0xf4eef4eef4eef4eeUL

struct free_obj {
	struct free_obj *next;
	u64 poison;
};

struct slab {
	u32 magic;
	u16 size_class;
	u16 inuse;
	struct slab *next; /* the class's pages, each with at least one free object first */
	struct free_obj *free;
};

struct size_class {
	struct slab *slabs;
	u32 nr_slabs;
};

static struct size_class classes[NR_CLASSES];
static DEFINE_SPINLOCK(slab_lock);
static u64 objects_in_use;

static int class_of(size_t size)
{
	int c = 0;

	while ((size_t)(KMALLOC_MIN_SIZE << c) < size)
		c++;
	return c;
}

static u32 obj_size(int c)
{
	return KMALLOC_MIN_SIZE << c;
}

static u32 first_obj_offset(int c)
{
	return ALIGN_UP(sizeof(struct slab), MIN(obj_size(c), 64));
}

static u32 objs_per_slab(int c)
{
	return (PAGE_SIZE - first_obj_offset(c)) / obj_size(c);
}

static struct slab *new_slab(int c)
{
	struct slab *s = alloc_page();
	u32 i;

	if (!s)
		return NULL;
	s->magic = SLAB_MAGIC;
	s->size_class = c;
	s->inuse = 0;
	s->free = NULL;
	/* Thread the free list from the end, so objects are handed out in address order. */
	for (i = objs_per_slab(c); i-- > 0;) {
		struct free_obj *o =
			(struct free_obj *)((u8 *)s + first_obj_offset(c) + i * obj_size(c));

		o->next = s->free;
		o->poison = FREE_POISON;
		s->free = o;
	}
	s->next = classes[c].slabs;
	classes[c].slabs = s;
	classes[c].nr_slabs++;
	return s;
}

static struct slab *slab_with_room(int c)
{
	struct slab *s;

	for (s = classes[c].slabs; s; s = s->next) {
		if (s->free)
			return s;
	}
	return new_slab(c);
}

void *kmalloc(size_t size)
{
	struct free_obj *o = NULL;
	struct slab *s;
	u64 flags;
	int c;

	if (size == 0 || size > KMALLOC_MAX_SIZE) {
		pr_err("BUG: kmalloc(%zu): sizes are 1..%d (use alloc_pages or vmalloc)\n", size,
		       KMALLOC_MAX_SIZE);
		dump_stack();
		return NULL;
	}
	if (should_fail_alloc())
		return NULL;
	/* KFENCE: one load and a compare unless a sample is due (mm/kfence.h). */
	if (__builtin_expect(!__atomic_load_n(&kfence_allocation_gate, __ATOMIC_RELAXED), 0)) {
		void *p = kfence_sample_alloc(size);

		if (p)
			return p;
	}
	c = class_of(size);
	flags = spin_lock_irqsave(&slab_lock);
	s = slab_with_room(c);
	if (s) {
		o = s->free;
		s->free = o->next;
		s->inuse++;
		objects_in_use++;
		o->poison = 0;
	}
	spin_unlock_irqrestore(&slab_lock, flags);
	return o;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

static void unlink_slab(struct slab *s)
{
	struct slab **pp = &classes[s->size_class].slabs;

	while (*pp != s)
		pp = &(*pp)->next;
	*pp = s->next;
	classes[s->size_class].nr_slabs--;
}

static bool valid_object(const struct slab *s, u64 p)
{
	u64 off = p & (PAGE_SIZE - 1);
	int c = s->size_class;

	return s->magic == SLAB_MAGIC && c < NR_CLASSES && off >= first_obj_offset(c) &&
	       (off - first_obj_offset(c)) % obj_size(c) == 0;
}

void kfree(const void *ptr)
{
	u64 p = (u64)ptr, flags;
	struct slab *s = (struct slab *)ALIGN_DOWN(p, PAGE_SIZE);
	struct free_obj *o = (struct free_obj *)ptr;

	if (!ptr)
		return;
	if (p < PAGE_OFFSET || p >= PAGE_OFFSET + max_phys_addr || !valid_object(s, p)) {
		/* Off the direct map: a KFENCE object is checked here, costing the rest nothing. */
		if (is_kfence_address(ptr)) {
			kfence_free(ptr);
			return;
		}
		pr_err("BUG: kfree(%p): not an object from kmalloc\n", ptr);
		dump_stack();
		return;
	}
	flags = spin_lock_irqsave(&slab_lock);
	if (o->poison == FREE_POISON) {
		spin_unlock_irqrestore(&slab_lock, flags);
		pr_err("BUG: kfree(%p): double free\n", ptr);
		dump_stack();
		return;
	}
	o->poison = FREE_POISON;
	o->next = s->free;
	s->free = o;
	s->inuse--;
	objects_in_use--;
	if (s->inuse == 0 && classes[s->size_class].nr_slabs > 1) {
		unlink_slab(s);
		s->magic = 0;
		free_page(s);
	}
	spin_unlock_irqrestore(&slab_lock, flags);
}

void kmalloc_shrink(void)
{
	u64 flags = spin_lock_irqsave(&slab_lock);
	struct slab *s, *next;
	int c;

	for (c = 0; c < NR_CLASSES; c++) {
		for (s = classes[c].slabs; s; s = next) {
			next = s->next;
			if (s->inuse)
				continue;
			unlink_slab(s);
			s->magic = 0;
			free_page(s);
		}
	}
	spin_unlock_irqrestore(&slab_lock, flags);
}

void kmalloc_stats(struct kmalloc_stats *st)
{
	struct kfence_stats k;
	int c;

	st->pages = 0;
	for (c = 0; c < NR_CLASSES; c++)
		st->pages += classes[c].nr_slabs;
	kfence_get_stats(&k);
	st->objects = objects_in_use + k.in_use; /* the pool's objects are kmalloc's too */
}
