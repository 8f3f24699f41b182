/*
 * KFENCE, the guarded heap (mm/kfence.c): the cases of Linux's kfence_test that apply here.
 * Each bad access is made under ktest_expect_fault(): kernel/fault.c reports it in Linux's words,
 * then hands it back to the test instead of killing the task.
 */
#include "arch/x86_64/idt.h"
#include "kernel/debug/ktest.h"
#include "kernel/debug/torture.h"
#include "kernel/lib/string.h"
#include "kernel/lib/vsprintf.h"
#include "kernel/printk/printk.h"
#include "mm/kfence.h"
#include "mm/pgtable.h"
#include "mm/slab.h"

static void write_byte(void *addr)
{
	*(volatile u8 *)addr = 0x42;
}

/*
 * An object from the pool against the end of its page (right) or its start (left): placements
 * alternate, so one of two allocations in a row has it. Skips the test if the pool is off
 * (kfence.sample_interval=0); fails it if no placement comes out right.
 */
static u8 *test_alloc(size_t size, bool right)
{
	struct kfence_stats st;
	int tries;

	kfence_get_stats(&st);
	if (!st.objects) {
		ktest_skip("the KFENCE pool is off (kfence.sample_interval=0)");
		return NULL;
	}
	for (tries = 0; tries < 2; tries++) {
		u8 *p = kfence_alloc(size);

		KT_EXPECT_MSG(p, "the pool is full");
		if (!p)
			return NULL;
		if (right == !IS_ALIGNED((u64)p, PAGE_SIZE))
			return p;
		kfree(p);
	}
	ktest_fail(__FILE__, __LINE__, "two allocations in a row, none placed at the %s",
		   right ? "end of its page" : "start of its page");
	return NULL;
}

/* One bad access at addr: it must fault there and be reported as `title` with `detail`. */
static void expect_report(void (*access)(void *), void *addr, const char *title, const char *detail)
{
	u64 mark = printk_log_mark();
	struct fault_record rec;
	struct kfence_stats before, after;

	kfence_get_stats(&before);
	KT_ASSERT(ktest_expect_fault(access, addr, &rec));
	kfence_get_stats(&after);
	KT_EXPECT(rec.vector == X86_TRAP_PF && rec.cr2 == (u64)addr);
	KT_EXPECT_MSG(printk_log_contains(mark, title), "no '%s' in the log", title);
	KT_EXPECT_MSG(printk_log_contains(mark, detail), "no '%s' in the log", detail);
	KT_EXPECT(printk_log_contains(mark, "allocated by CPU"));
	KT_EXPECT(after.faults == before.faults + 1);
}

static void check_oob(bool right, bool write)
{
	u8 *p = test_alloc(32, right);
	u8 *bad = right ? p + 32 : p - 1;
	char title[64];

	if (!p)
		return;
	snprintf(title, sizeof(title), "BUG: KFENCE: out-of-bounds %s in %s",
		 write ? "write" : "read", write ? "write_byte" : "ktest_read_byte");
	expect_report(write ? write_byte : ktest_read_byte, bad, title,
		      right ? "(1B right of kfence-#" : "(1B left of kfence-#");
	kfree(p);
}

KTEST(kfence, out_of_bounds_read_right)
{
	check_oob(true, false);
}

KTEST(kfence, out_of_bounds_read_left)
{
	check_oob(false, false);
}

KTEST(kfence, out_of_bounds_write_right)
{
	check_oob(true, true);
}

KTEST(kfence, out_of_bounds_write_left)
{
	check_oob(false, true);
}

static void check_uaf(bool write)
{
	u8 *p = test_alloc(64, true);

	if (!p)
		return;
	kfree(p);
	KT_EXPECT(!lookup_kernel_page((u64)p, NULL, NULL));
	expect_report(write ? write_byte : ktest_read_byte, p + 8,
		      write ? "BUG: KFENCE: use-after-free write"
			    : "BUG: KFENCE: use-after-free read",
		      "freed by CPU");
}

KTEST(kfence, use_after_free_read)
{
	check_uaf(false);
}

KTEST(kfence, use_after_free_write)
{
	check_uaf(true);
}

/* The quarantine: a freed object's page stays unmapped while other objects come and go. */
KTEST(kfence, freed_object_stays_quarantined)
{
	u8 *p = test_alloc(16, false), *q[8];
	int i;

	if (!p)
		return;
	kfree(p);
	for (i = 0; i < 8; i++) {
		q[i] = kfence_alloc(16);
		KT_EXPECT(q[i] && ALIGN_DOWN((u64)q[i], PAGE_SIZE) != (u64)p);
	}
	KT_EXPECT(!lookup_kernel_page((u64)p, NULL, NULL));
	for (i = 0; i < 8; i++)
		kfree(q[i]);
}

KTEST(kfence, double_free_reported_not_applied)
{
	u64 mark = printk_log_mark();
	struct kfence_stats a, b;
	u8 *p = test_alloc(32, true);

	if (!p)
		return;
	kfree(p);
	kfence_get_stats(&a);
	kfree(p);
	kfence_get_stats(&b);
	KT_EXPECT(printk_log_contains(mark, "BUG: KFENCE: invalid free in"));
	KT_EXPECT(printk_log_contains(mark, "double free: the object was freed already"));
	KT_EXPECT(printk_log_contains(mark, "freed by CPU"));
	KT_EXPECT(b.bad_frees == a.bad_frees + 1);
	KT_EXPECT(b.frees == a.frees && b.in_use == a.in_use);
}

KTEST(kfence, invalid_free_reported_not_applied)
{
	u64 mark = printk_log_mark();
	struct kfence_stats a, b;
	u8 *p = test_alloc(32, true);

	if (!p)
		return;
	kfence_get_stats(&a);
	kfree(p + 1);
	kfence_get_stats(&b);
	KT_EXPECT(printk_log_contains(mark, "BUG: KFENCE: invalid free in"));
	KT_EXPECT(printk_log_contains(mark, "not the start of the object"));
	KT_EXPECT(b.bad_frees == a.bad_frees + 1 && b.in_use == a.in_use);
	/* The object is still whole and still the caller's. */
	p[31] = 1;
	kfree(p);
}

/* A write into the slack stays inside the page: no fault, but the free finds it. */
static void check_corruption(bool right)
{
	u64 mark = printk_log_mark();
	struct kfence_stats a, b;
	u8 *p = test_alloc(29, right); /* right: 3 bytes of slack between it and the guard */

	if (!p)
		return;
	kfence_get_stats(&a);
	if (right)
		p[29] = 0x41;
	else
		p[100] = 0x41;
	kfree(p);
	kfence_get_stats(&b);
	KT_EXPECT(printk_log_contains(mark, "BUG: KFENCE: memory corruption in"));
	KT_EXPECT(printk_log_contains(mark, "Corrupted memory at"));
	KT_EXPECT(b.corruptions == a.corruptions + 1);
	KT_EXPECT(b.frees == a.frees + 1);
}

KTEST(kfence, slack_corruption_right)
{
	check_corruption(true);
}

KTEST(kfence, slack_corruption_left)
{
	check_corruption(false);
}

/* With the gate closed and the interval 0, kmalloc() is the slab's: no sample is taken. */
KTEST(kfence, allocation_not_sampled)
{
	u64 interval = kfence_sample_interval();
	int gate = __atomic_load_n(&kfence_allocation_gate, __ATOMIC_RELAXED);
	struct kfence_stats st;
	void *p;

	kfence_set_sample_interval(0);
	__atomic_store_n(&kfence_allocation_gate, 1, __ATOMIC_RELAXED);
	p = kmalloc(32);
	/* Put the gate back as found: under kfence=all nothing else would open it again. */
	__atomic_store_n(&kfence_allocation_gate, gate, __ATOMIC_RELAXED);
	kfence_set_sample_interval(interval);
	KT_ASSERT(p);
	KT_EXPECT(!is_kfence_address(p));
	kfree(p);
	/* Under kfence=all the next kmalloc() is the pool's again. */
	kfence_get_stats(&st);
	if (st.all) {
		p = kmalloc(32);
		KT_EXPECT_MSG(p && is_kfence_address(p), "kfence=all is off after the test");
		kfree(p);
	}
}

/* The gate open (as the tick leaves it once per interval): the next kmalloc() is the pool's. */
KTEST(kfence, allocation_sampled_once)
{
	struct kfence_stats st;
	u64 interval = kfence_sample_interval();
	void *p, *q;

	kfence_get_stats(&st);
	if (!st.objects || st.all) {
		ktest_skip(st.all ? "kfence=all: every allocation is the pool's"
				  : "the pool is off");
		return;
	}
	kfence_set_sample_interval(0);
	__atomic_store_n(&kfence_allocation_gate, 0, __ATOMIC_RELAXED);
	p = kmalloc(48);
	q = kmalloc(48);
	kfence_set_sample_interval(interval);
	KT_EXPECT(p && is_kfence_address(p));
	KT_EXPECT(q && !is_kfence_address(q));
	KT_EXPECT(__atomic_load_n(&kfence_allocation_gate, __ATOMIC_RELAXED) != 0);
	kfree(p);
	kfree(q);
}

/* heaptorture's short run (make torture runs 1,000 rounds): every kind of bug, the system whole. */
KTEST(kfence, heaptorture_leaves_the_system_whole)
{
	struct kfence_stats st;
	u64 killed;

	kfence_get_stats(&st);
	if (!st.objects) {
		ktest_skip("the KFENCE pool is off (kfence.sample_interval=0)");
		return;
	}
	KT_EXPECT(heaptorture(30, 0x4ea9, &killed));
	printk("# %lu of 30 rounds killed\n", killed);
	KT_EXPECT_MSG(killed >= 10, "only %lu of 30 rounds made a bad access", killed);
}
