/*
 * Crash tests for the heap, with Linux's lkdtm names (drivers/misc/lkdtm/heap.c). The kmalloc
 * ones need their object in the KFENCE pool (mm/kfence.h): with kfence=all every kmalloc() is
 * there; otherwise the test takes one from the pool itself, as a sample would have. A fault ends
 * in the kill of the test's task (kernel/fault.c); a bad free is reported and refused, as Linux's
 * KFENCE does. The buddy tests need page_poison=1 (mm/page_poison.h).
 */
#include "kernel/debug/lkdtm.h"
#include "arch/x86_64/asm/smp.h"
#include "kernel/printk/printk.h"
#include "kernel/task.h"
#include "mm/kfence.h"
#include "mm/page_alloc.h"
#include "mm/page_poison.h"
#include "mm/slab.h"

#define LKDTM_OBJ_SIZE 1024

/*
 * A kmalloc() object in the pool, placed against the end of its page if right (so that the
 * first byte past it is a guard's). Two allocations in a row: placements alternate.
 */
static u32 *pool_object(bool right)
{
	void *p;
	int tries;

	/*
	 * Stay on this CPU: a free flushes only its own CPU's TLB, and a CPU that reached the
	 * object before could still reach it after (a missed catch, never a wrong one).
	 */
	set_cpus_allowed(current, raw_smp_processor_id());
	p = kmalloc(LKDTM_OBJ_SIZE);

	for (tries = 0; tries < 3; tries++) {
		if (p && is_kfence_address(p) && right == !IS_ALIGNED((u64)p, PAGE_SIZE))
			return p;
		kfree(p);
		p = kfence_alloc(LKDTM_OBJ_SIZE);
	}
	kfree(p);
	pr_err("lkdtm: no object in the KFENCE pool (kfence.sample_interval=0?): the slab's\n");
	return kmalloc(LKDTM_OBJ_SIZE);
}

/* As Linux's: write one u32 just past the end of a 1 KiB object. */
int lkdtm_slab_linear_overflow(void *arg)
{
	u32 *data = pool_object(true);

	if (!data)
		return 1;
	pr_info("lkdtm: attempting bad write at %p\n", &data[LKDTM_OBJ_SIZE / 4]);
	((volatile u32 *)data)[LKDTM_OBJ_SIZE / 4] = 0x12345678;
	kfree(data);
	pr_err("FAIL: the write past the object was not caught\n");
	return 1;
}

int lkdtm_read_after_free(void *arg)
{
	u32 *data = pool_object(true);
	u32 val;

	if (!data)
		return 1;
	data[LKDTM_OBJ_SIZE / 8] = 0x12345678;
	kfree(data);
	pr_info("lkdtm: attempting bad read at %p\n", &data[LKDTM_OBJ_SIZE / 8]);
	val = ((volatile u32 *)data)[LKDTM_OBJ_SIZE / 8];
	pr_err("FAIL: the read after the free was not caught (read %#x)\n", val);
	return 1;
}

int lkdtm_write_after_free(void *arg)
{
	u32 *data = pool_object(true);

	if (!data)
		return 1;
	kfree(data);
	pr_info("lkdtm: attempting bad write at %p\n", &data[LKDTM_OBJ_SIZE / 8]);
	((volatile u32 *)data)[LKDTM_OBJ_SIZE / 8] = 0x12345678;
	pr_err("FAIL: the write after the free was not caught\n");
	return 1;
}

/* A second kfree() of the same object: reported and refused; the pool stays whole. */
int lkdtm_slab_free_double(void *arg)
{
	u32 *data = pool_object(true);
	struct kfence_stats a, b;

	if (!data)
		return 1;
	kfree(data);
	kfence_get_stats(&a);
	pr_info("lkdtm: attempting double kfree of %p\n", data);
	kfree(data);
	kfence_get_stats(&b);
	if (b.bad_frees == a.bad_frees + 1 && b.frees == a.frees) {
		pr_info("lkdtm: the double free was refused\n");
		return 0;
	}
	pr_err("FAIL: the double free was not caught\n");
	return 1;
}

/*
 * Linux frees an object to another cache than its own; with one kmalloc here, the nearest bug is
 * a free of an address that is not where an object starts (a pointer into a neighbour).
 */
int lkdtm_slab_free_cross(void *arg)
{
	u8 *data = (u8 *)pool_object(false);
	struct kfence_stats a, b;

	if (!data)
		return 1;
	kfence_get_stats(&a);
	pr_info("lkdtm: attempting kfree of %p, inside the object at %p\n", data + 64, data);
	kfree(data + 64);
	kfence_get_stats(&b);
	kfree(data);
	if (b.bad_frees == a.bad_frees + 1) {
		pr_info("lkdtm: the cross free was refused\n");
		return 0;
	}
	pr_err("FAIL: the free of a pointer inside an object was not caught\n");
	return 1;
}

/* A freed page reads as the poison, not as its stale contents (page_poison=1). */
int lkdtm_read_buddy_after_free(void *arg)
{
	u32 *page = alloc_page(), val;

	if (!page)
		return 1;
	page[16] = 0x12345678;
	free_page(page);
	pr_info("lkdtm: attempting bad read from freed page at %p\n", &page[16]);
	val = ((volatile u32 *)page)[16];
	if (val == 0x12345678) {
		pr_err("FAIL: the freed page still holds its contents (page_poison=1?)\n");
		return 1;
	}
	pr_info("lkdtm: the freed page reads %#x: poisoned\n", val);
	return 0;
}

/* A write to a freed page, found when the page is handed out again (page_poison=1). */
int lkdtm_write_buddy_after_free(void *arg)
{
	u64 errors = page_poison_errors();
	u32 *page = alloc_page(), *again;

	if (!page)
		return 1;
	free_page(page);
	pr_info("lkdtm: attempting bad write to freed page at %p\n", &page[16]);
	((volatile u32 *)page)[16] = 0x12345678;
	again = alloc_page(); /* the page just freed comes first */
	free_page(again);
	if (page_poison_errors() == errors + 1)
		return 0;
	pr_err("FAIL: the write to the freed page was not caught (page_poison=1?)\n");
	return 1;
}
