/*
 * Waiting for processes: wait(-1) returns whichever child ends first, not the first child
 * found, and a parent never misses a child's end however the CPUs interleave.
 */
#include "kernel/debug/ktest.h"
#include "kernel/lib/errno.h"
#include "kernel/task.h"
#include "kernel/user/initrd.h"
#include "kernel/user/process.h"
#include "kernel/time.h"
#include "arch/x86_64/asm/msr.h"
#include "mm/test_hooks.h"
#include "mm/user_mm.h"
#include "user/lib/syscall_nr.h"

/* spawnloop's arguments to wait, in wait(), for a child that never ends. */
#define BLOCKED_FOREVER "1 sibling 0 60000"

static bool have_programs(void)
{
	const void *img;
	size_t len;

	if (!initrd_find("spawnloop", &img, &len) && !initrd_find("exit42", &img, &len) &&
	    !initrd_find("sibling", &img, &len))
		return true;
	ktest_skip("no initrd with the user programs");
	return false;
}

/*
 * One child ends after a few sleeps; the other, started after it (so found first), never ends
 * by itself: it waits for a child of its own that prints a line a minute forever. wait(-1) must
 * come back with the one that ends, whenever.
 */
KTEST(process, wait_for_any_child_returns_the_first_to_end)
{
	int blocked, quick, status = -1;

	if (!have_programs())
		return;
	quick = process_spawn("sibling", "3 20");
	blocked = process_spawn("spawnloop", BLOCKED_FOREVER);
	KT_ASSERT(blocked > 0 && quick > 0);
	KT_EXPECT_MSG(process_wait(-1, &status) == quick, "wait(-1) did not return sibling's pid");
	KT_EXPECT(status == 0);
	KT_EXPECT(kill(blocked) == 0);
	KT_EXPECT(process_wait(-1, &status) == blocked);
	KT_EXPECT(process_wait(-1, &status) == -ECHILD);
}

/* Many children ending in any order on any CPU: each wait(-1) returns one, none is lost. */
KTEST(process, wait_for_any_child_collects_every_child)
{
	int pids[16], i, j, pid, status, found;

	if (!have_programs())
		return;
	for (i = 0; i < 16; i++) {
		pids[i] = process_spawn("exit42", "");
		KT_ASSERT(pids[i] > 0);
	}
	for (i = 0; i < 16; i++) {
		pid = process_wait(-1, &status);
		for (j = 0, found = 0; j < 16; j++) {
			if (pids[j] == pid) {
				pids[j] = 0;
				found = 1;
			}
		}
		KT_EXPECT_MSG(found && status == W_EXITCODE(42, 0), "wait %d: pid %d, status %d", i,
			      pid, status);
	}
	KT_EXPECT(process_wait(-1, &status) == -ECHILD);
}

/* A small fixed sequence of delays in microseconds, 0 to 3 ms (xorshift64), the same each run. */
static u64 next_delay_us(u64 *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x % 3000;
}

/*
 * Spin for us microseconds by the TSC. Not pause: under QEMU's TCG each pause is a trip through
 * its main loop: up to 300,000 of them a round cost 11-21 s of host CPU a run.
 */
static void delay_us(u64 us)
{
	u64 until = rdtsc_ordered() + us * tsc_khz / 1000;

	while (rdtsc_ordered() < until)
		;
}

/* In process_wait(), between claim and reap: give the CPU away, a kill may come in. */
static void yield_in_wait(void)
{
	yield();
}

/*
 * A parent killed at any point of its spawn-wait-reap cycle: between claiming a child and
 * waiting for it, or between the child's task being reaped and the child's process being
 * freed. Whatever the point, the parent's reaper gets every process back - the parent's own
 * child included - and nothing is left over. (A kill that took effect in those gaps, at a
 * preemption, left the child claimed by nobody: seen once in a dozen SMP boots.) The parents
 * yield inside that gap, so that many kills land in it: with the gap open to kills, 12 to 20
 * processes were left over on 2 CPUs, 25 to 63 on 4. Each kill comes 0-3 ms (by the TSC) after
 * a sleep until the next tick: many points of the spawn-wait-reap cycle, cheaply.
 */
KTEST(process, a_parent_killed_anywhere_in_its_wait_leaves_no_process_behind)
{
	int before = nr_processes(), i, pid, status, bad = 0;
	u64 pt_before = user_pt_pages(), rng = 0x9e3779b97f4a7c15;

	if (!have_programs())
		return;
	process_wait_test_hook = yield_in_wait;
	for (i = 0; i < 200; i++) {
		/* Half of them kill a parent whose child is still alive: an orphan to reap. */
		pid = process_spawn("spawnloop", i & 1 ? "1 sibling 0 60000" : "100000 exit42");
		KT_EXPECT(pid > 0);
		if (pid <= 0)
			break;
		/* Let it get into its loop (on any CPU), then stop it somewhere in it. */
		sleep_ms(i % 3);
		delay_us(next_delay_us(&rng));
		KT_EXPECT(kill(pid) == 0);
		if (process_wait(pid, &status) != pid || status != KILLED_BY_KILL)
			bad++;
	}
	process_wait_test_hook = NULL;
	KT_EXPECT_MSG(!bad, "%d of 200 parents not reaped as killed", bad);
	KT_EXPECT_MSG(nr_processes() == before, "%d processes, %d before", nr_processes(), before);
	KT_EXPECT_MSG(user_pt_pages() == pt_before, "page-table pages %lu, %lu before",
		      user_pt_pages(), pt_before);
}
