/*
 * Waiting for processes: wait(-1) returns whichever child ends first, not the first child
 * found, and a parent never misses a child's end however the CPUs interleave.
 */
#include "kernel/debug/ktest.h"
#include "kernel/lib/errno.h"
#include "kernel/task.h"
#include "kernel/user/initrd.h"
#include "kernel/user/process.h"

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
		KT_EXPECT_MSG(found && status == 42, "wait %d: pid %d, status %d", i, pid, status);
	}
	KT_EXPECT(process_wait(-1, &status) == -ECHILD);
}
