/*
 * heaptorture: heap bugs of random kinds at random places on objects of the KFENCE pool
 * (mm/kfence.h), each followed by a check that the system is whole - stacktorture's idea for the
 * heap. Each round gives a victim task an object of random size and a bug from a seeded
 * generator: a read or write past either end, a use after the free, a double or invalid free, a
 * write into the slack, or none. A bad access must kill the victim and be counted as a fault; a
 * bad free must be refused and counted; a slack write must be found at the free. Then memory
 * must be back where it was (the pool's objects included), and no lock held.
 */
#include "kernel/debug/torture.h"
#include "kernel/debug/ktest.h"
#include "kernel/lib/string.h"
#include "kernel/locking/spinlock.h"
#include "kernel/printk/printk.h"
#include "kernel/task.h"
#include "mm/kfence.h"
#include "mm/slab.h"
#include "kernel/lib/prandom.h"

enum heap_bug {
	BUG_NONE,
	OOB_READ_RIGHT,
	OOB_WRITE_RIGHT,
	OOB_READ_LEFT,
	OOB_WRITE_LEFT,
	UAF_READ,
	UAF_WRITE,
	DOUBLE_FREE,
	INVALID_FREE,
	SLACK_WRITE,
	NR_HEAP_BUGS
};

static const char *const bug_names[] = { "none",	  "oob-read-right", "oob-write-right",
					 "oob-read-left", "oob-write-left", "uaf-read",
					 "uaf-write",	  "double-free",    "invalid-free",
					 "slack-write" };

struct heap_round {
	enum heap_bug bug;
	u8 *obj;
	size_t size;
	u64 off; /* a random distance, for where the bad access lands */
};

static bool bug_faults(enum heap_bug b)
{
	return b >= OOB_READ_RIGHT && b <= UAF_WRITE;
}

static u64 page_of(const u8 *p)
{
	return ALIGN_DOWN((u64)p, PAGE_SIZE);
}

/* Where the bad access of the round lands. */
static volatile u8 *bad_address(const struct heap_round *r)
{
	switch (r->bug) {
	case OOB_READ_RIGHT:
	case OOB_WRITE_RIGHT:
		return (u8 *)(page_of(r->obj) + PAGE_SIZE + r->off % 256);
	case OOB_READ_LEFT:
	case OOB_WRITE_LEFT:
		return (u8 *)(page_of(r->obj) - 1 - r->off % 256);
	case SLACK_WRITE:
		/* The slack is beside the object: before it if placed right, after it if left. */
		if ((u64)r->obj != page_of(r->obj))
			return (u8 *)(page_of(r->obj) + r->off % ((u64)r->obj - page_of(r->obj)));
		return r->obj + r->size + r->off % (PAGE_SIZE - r->size);
	default:
		return r->obj + r->off % r->size;
	}
}

static int victim_main(void *arg)
{
	struct heap_round *r = arg;
	volatile u8 *bad = bad_address(r);

	memset(r->obj, 0x5a, r->size); /* the object's own bytes: always fine */
	switch (r->bug) {
	case OOB_READ_RIGHT:
	case OOB_READ_LEFT:
		(void)*bad;
		break;
	case UAF_READ:
		kfree(r->obj);
		(void)*bad;
		break;
	case UAF_WRITE:
		kfree(r->obj);
		*bad = 0x42;
		break;
	case OOB_WRITE_RIGHT:
	case OOB_WRITE_LEFT:
	case SLACK_WRITE:
		*bad = 0x42;
		break;
	case DOUBLE_FREE:
		kfree(r->obj);
		kfree(r->obj);
		break;
	case INVALID_FREE:
		kfree(r->obj + 1);
		break;
	default:
		break;
	}
	return 0;
}

/* An object of the pool, placed right (against the end of its page) if right. */
static u8 *pool_object(size_t size, bool right)
{
	int tries;

	for (tries = 0; tries < 2; tries++) {
		u8 *p = kfence_alloc(size);

		if (!p || right == ((u64)p != page_of(p)))
			return p;
		kfree(p);
	}
	return NULL;
}

/* What the round must have moved: one fault, one bad free, one corruption, or nothing. */
static bool counters_as_expected(const struct kfence_stats *a, const struct kfence_stats *b,
				 enum heap_bug bug)
{
	bool bad_free = bug == DOUBLE_FREE || bug == INVALID_FREE;

	return b->faults == a->faults + bug_faults(bug) &&
	       b->bad_frees == a->bad_frees + bad_free &&
	       b->corruptions == a->corruptions + (bug == SLACK_WRITE) && b->in_use == a->in_use;
}

/* A size class's first slab page stays once used: it counts as free (as in stacktorture). */
static void take_baseline(struct ktest_mem *m)
{
	ktest_mem_snapshot(m);
	m->free_pages += m->slab_pages;
	m->slab_pages = 0;
}

static bool memory_as_before(const struct ktest_mem *before)
{
	struct ktest_mem now;

	take_baseline(&now);
	return !ktest_mem_diff(before, &now, "heaptorture: FAIL: ");
}

static bool heap_round(u64 round, u64 seed, u64 *killed)
{
	u64 rng = seed | 1;
	struct heap_round r = { .bug = prandom_u64(&rng) % NR_HEAP_BUGS };
	struct kfence_stats a, b;
	struct ktest_mem before;
	struct task *t;
	int status;
	bool right = r.bug == OOB_READ_RIGHT || r.bug == OOB_WRITE_RIGHT ||
		     (r.bug != OOB_READ_LEFT && r.bug != OOB_WRITE_LEFT && (prandom_u64(&rng) & 1));

	r.size = 1 + prandom_u64(&rng) % KMALLOC_MAX_SIZE;
	r.off = prandom_u64(&rng);
	take_baseline(&before);
	kfence_get_stats(&a);
	r.obj = pool_object(r.size, right);
	if (!r.obj) {
		pr_err("heaptorture: FAIL: round %lu: no object in the pool\n", round);
		return false;
	}
	printk("heaptorture: round %lu: seed %#lx, %s, size %zu, at %p\n", round, seed,
	       bug_names[r.bug], r.size, bad_address(&r));
	t = kthread_create(victim_main, &r, "victim");
	if (!t) {
		kfree(r.obj);
		pr_err("heaptorture: FAIL: round %lu: no memory for the victim\n", round);
		return false;
	}
	/* On the controller's CPU: a free flushes only its own CPU's TLB (mm/kfence.c). */
	set_cpus_allowed(t, 0);
	wake_up_process(t);
	wait(t->pid, &status);
	if (r.bug != UAF_READ && r.bug != UAF_WRITE && r.bug != DOUBLE_FREE)
		kfree(r.obj);
	kfence_get_stats(&b);
	if (status != (bug_faults(r.bug) ? KILLED_OOPS : 0)) {
		pr_err("heaptorture: FAIL: round %lu: the victim ended with status %#x\n", round,
		       status);
		return false;
	}
	if (!counters_as_expected(&a, &b, r.bug)) {
		pr_err("heaptorture: FAIL: round %lu: KFENCE counted faults %lu, bad frees %lu, "
		       "corruptions %lu, in use %lu (before: %lu, %lu, %lu, %lu)\n",
		       round, b.faults, b.bad_frees, b.corruptions, b.in_use, a.faults, a.bad_frees,
		       a.corruptions, a.in_use);
		return false;
	}
	if (nr_held_locks()) {
		pr_err("heaptorture: FAIL: round %lu: lock '%s' still held\n", round,
		       held_lock_name(0));
		return false;
	}
	if (!memory_as_before(&before))
		return false;
	*killed += bug_faults(r.bug);
	printk("heaptorture: round %lu: %s, system whole\n", round,
	       bug_faults(r.bug) ? "killed" : "survived");
	return true;
}

bool heaptorture(u64 rounds, u64 seed, u64 *killed)
{
	int allowed = current->cpu_allowed;
	bool ok = true;
	u64 i;

	/* Every round on CPU 0, the victims too: see heap_round(). */
	set_cpus_allowed(current, 0);
	*killed = 0;
	for (i = 0; i < rounds && ok; i++)
		ok = heap_round(i, seed + i * 0x9e3779b97f4a7c15UL, killed);
	set_cpus_allowed(current, allowed);
	return ok;
}
