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

		KT_EXPECT_MSG(p, "the pool gave no object");
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

/*
 * The tests below count on the pool's order: the rest of the kernel is kept out of it while they
 * run (no sampling, kfence=all suspended), and only their own kfence_alloc() calls take slots.
 */
struct pool_quiet {
	u64 interval;
	bool all;
};

static bool pool_quiet_begin(struct pool_quiet *q)
{
	struct kfence_stats st;

	kfence_get_stats(&st);
	if (!st.objects) {
		ktest_skip("the KFENCE pool is off (kfence.sample_interval=0)");
		return false;
	}
	q->interval = st.interval_ms;
	q->all = st.all;
	kfence_set_guard_all(false);
	kfence_set_sample_interval(0);
	__atomic_store_n(&kfence_allocation_gate, 1, __ATOMIC_RELAXED);
	return true;
}

static void pool_quiet_end(const struct pool_quiet *q)
{
	kfence_set_sample_interval(q->interval);
	kfence_set_guard_all(q->all);
	if (q->all)
		__atomic_store_n(&kfence_allocation_gate, 0, __ATOMIC_RELAXED);
}

static const size_t test_sizes[] = { 1, 7, 8, 9, 29, 32, 100, 1000, 4088, 4095, 4096 };

static bool placed_right(const u8 *p)
{
	return !IS_ALIGNED((u64)p, PAGE_SIZE);
}

/* An object placed by the rules: at its page's start, or 8-aligned with under 8 bytes after it. */
static void check_placement(const u8 *p, size_t size)
{
	u64 end = ALIGN_DOWN((u64)p, PAGE_SIZE) + PAGE_SIZE;

	if (!placed_right(p))
		return;
	KT_EXPECT_MSG(IS_ALIGNED((u64)p, 8), "size %zu at %p: not 8-aligned", size, p);
	KT_EXPECT_MSG((u64)p + size <= end, "size %zu at %p: runs %lu bytes past its page", size, p,
		      (u64)p + size - end);
	KT_EXPECT_MSG((u64)p + size > end - 8, "size %zu at %p: %lu bytes of slack after it", size,
		      p, end - ((u64)p + size));
}

/* Two allocations in a row: one against its page's end, the other against its start. */
KTEST(kfence, placement_alternates_end_and_start)
{
	struct pool_quiet q;
	unsigned int i;

	if (!pool_quiet_begin(&q))
		return;
	for (i = 0; i < ARRAY_SIZE(test_sizes); i++) {
		size_t size = test_sizes[i];
		u8 *a = kfence_alloc(size), *b = kfence_alloc(size);

		KT_EXPECT_MSG(a && b, "size %zu: the pool gave no object", size);
		if (a && b) {
			check_placement(a, size);
			check_placement(b, size);
			/* Past PAGE_SIZE - 8 bytes, the end's place is the page's start. */
			if (size <= PAGE_SIZE - 8)
				KT_EXPECT_MSG(placed_right(a) != placed_right(b),
					      "size %zu: two in a row at %p and %p, both at the %s",
					      size, a, b, placed_right(a) ? "end" : "start");
		}
		kfree(a);
		kfree(b);
	}
	pool_quiet_end(&q);
}

/*
 * Objects of every kind of size, both placements: the pattern is around each at the allocation,
 * the whole object can be written, and its free finds nothing wrong.
 */
KTEST(kfence, clean_objects_have_the_pattern_and_free_quietly)
{
	struct kfence_stats a, b;
	struct pool_quiet q;
	unsigned int i, k;

	if (!pool_quiet_begin(&q))
		return;
	kfence_get_stats(&a);
	for (i = 0; i < ARRAY_SIZE(test_sizes); i++) {
		for (k = 0; k < 2; k++) {
			size_t size = test_sizes[i];
			u8 *p = kfence_alloc(size);
			u64 page = ALIGN_DOWN((u64)p, PAGE_SIZE), x, bad = 0;

			KT_EXPECT_MSG(p, "size %zu: the pool gave no object", size);
			if (!p)
				continue;
			for (x = page; x < page + PAGE_SIZE && !bad; x++) {
				if ((x < (u64)p || x >= (u64)p + size) &&
				    *(u8 *)x != kfence_canary(x))
					bad = x;
			}
			KT_EXPECT_MSG(!bad,
				      "size %zu at %p: the slack at %#lx is %#x, not the pattern",
				      size, p, bad, bad ? *(u8 *)bad : 0);
			memset(p, 0x5a, size);
			kfree(p);
		}
	}
	kfence_get_stats(&b);
	KT_EXPECT_MSG(b.corruptions == a.corruptions, "%lu clean objects reported corrupted",
		      b.corruptions - a.corruptions);
	KT_EXPECT(b.frees == a.frees + 2 * ARRAY_SIZE(test_sizes));
	pool_quiet_end(&q);
}

/* One byte written anywhere in the slack - its first and last bytes, next to the object - is found.
 */
KTEST(kfence, slack_corruption_anywhere_is_found)
{
	struct kfence_stats a, b;
	struct pool_quiet q;
	int k, where;

	if (!pool_quiet_begin(&q))
		return;
	for (where = 0; where < 2; where++) {
		for (k = 0; k < 2; k++) {
			u8 *p = kfence_alloc(100);
			u64 page = ALIGN_DOWN((u64)p, PAGE_SIZE), x;

			KT_EXPECT_MSG(p, "the pool gave no object");
			if (!p)
				goto out;
			if (placed_right(p))
				x = where ? (u64)p - 1 : page;
			else
				x = where ? page + PAGE_SIZE - 1 : (u64)p + 100;
			kfence_get_stats(&a);
			*(u8 *)x ^= 0xff;
			kfree(p);
			kfence_get_stats(&b);
			KT_EXPECT_MSG(b.corruptions == a.corruptions + 1,
				      "a byte written at %#lx (the object at %p) was not found", x,
				      p);
		}
	}
out:
	pool_quiet_end(&q);
}

/* Freed in the order A, B, C: the pool hands them out again in that order, after the rest. */
KTEST(kfence, quarantine_is_fifo)
{
	struct kfence_stats st;
	struct pool_quiet q;
	u8 *obj[3], **all;
	int i, n = 0, seen[3] = { -1, -1, -1 };

	if (!pool_quiet_begin(&q))
		return;
	all = kmalloc(KFENCE_NUM_OBJECTS * sizeof(*all));
	for (i = 0; i < 3; i++)
		obj[i] = kfence_alloc(16);
	KT_EXPECT_MSG(all && obj[0] && obj[1] && obj[2], "the pool gave no object");
	for (i = 0; i < 3; i++)
		kfree(obj[i]);
	if (!all || !obj[0] || !obj[1] || !obj[2])
		goto out;
	kfence_get_stats(&st);
	while (n < KFENCE_NUM_OBJECTS && (all[n] = kfence_alloc(16))) {
		for (i = 0; i < 3; i++) {
			if (ALIGN_DOWN((u64)all[n], PAGE_SIZE) ==
			    ALIGN_DOWN((u64)obj[i], PAGE_SIZE))
				seen[i] = n;
		}
		n++;
	}
	for (i = 0; i < n; i++)
		kfree(all[i]);
	KT_EXPECT_MSG(n == (int)(st.objects - st.in_use), "the pool gave %d objects, %lu were free",
		      n, st.objects - st.in_use);
	KT_EXPECT_MSG(seen[0] >= n - 3 && seen[0] < seen[1] && seen[1] < seen[2],
		      "freed A, B, C; of %d allocations A came back %d-th, B %d-th, C %d-th", n,
		      seen[0] + 1, seen[1] + 1, seen[2] + 1);
out:
	kfree(all);
	pool_quiet_end(&q);
}

/* Every slot can be taken, and after they all come back, taken again: the FIFO loses none. */
KTEST(kfence, every_slot_is_used_and_comes_back)
{
	struct kfence_stats st, end;
	struct pool_quiet q;
	u8 **all;
	int round, i, n;

	if (!pool_quiet_begin(&q))
		return;
	all = kmalloc(KFENCE_NUM_OBJECTS * sizeof(*all));
	KT_EXPECT(all);
	if (!all)
		goto out;
	kfence_get_stats(&st);
	for (round = 0; round < 2; round++) {
		n = 0;
		while (n < KFENCE_NUM_OBJECTS && (all[n] = kfence_alloc(8)))
			n++;
		KT_EXPECT_MSG(n == (int)(st.objects - st.in_use),
			      "round %d: the pool gave %d objects, %lu were free", round + 1, n,
			      st.objects - st.in_use);
		for (i = 0; i < n; i++) {
			KT_EXPECT_MSG(i == 0 || ALIGN_DOWN((u64)all[i], PAGE_SIZE) !=
							ALIGN_DOWN((u64)all[i - 1], PAGE_SIZE),
				      "one page handed out twice in a row: %p", all[i]);
			kfree(all[i]);
		}
	}
	kfree(all);
	kfence_get_stats(&end);
	KT_EXPECT(end.in_use == st.in_use);
out:
	pool_quiet_end(&q);
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
