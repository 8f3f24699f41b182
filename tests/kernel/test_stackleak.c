/*
 * Stack erasing (kernel/user/stackleak.c): the scan finds the deepest point, a new process's
 * stack starts poisoned, the info leak of user/stackleak shows the secret only with erasing off,
 * and lkdtm STACKLEAK_ERASING passes with it on and fails with it off.
 */
#include "kernel/debug/ktest.h"
#include "kernel/debug/lkdtm.h"
#include "kernel/task.h"
#include "kernel/user/initrd.h"
#include "kernel/user/process.h"
#include "kernel/user/stackleak.h"

#define P STACKLEAK_POISON

static bool have_stackleak(void)
{
	const void *img;
	size_t len;

	if (!initrd_find("stackleak", &img, &len))
		return true;
	ktest_skip("no initrd with user/stackleak");
	return false;
}

/* Spawn prog with args, with erasing on or off, and wait: its exit code (-1: none, or killed). */
static int run_with_erasing(bool on, const char *prog, const char *args)
{
	bool was = kstack_erase_enabled;
	int pid, status = -1;

	kstack_erase_enabled = on;
	pid = process_spawn(prog, args);
	if (pid < 0 || process_wait(pid, &status) != pid)
		status = -1;
	kstack_erase_enabled = was;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

KTEST(stackleak, the_scan_stops_at_the_first_run_of_sixteen_poison_words)
{
	u64 w[64], low = (u64)w, top = (u64)(w + 64);
	bool found;
	int i;

	for (i = 0; i < 64; i++)
		w[i] = i >= 48 ? 1 : P; /* used above w[48], poison below */
	KT_EXPECT(stackleak_find_top_of_poison(low, top, &found) == (u64)&w[48] && found);
	w[40] = 2; /* a gap of 7 poison words is no run: the scan goes on below it */
	KT_EXPECT(stackleak_find_top_of_poison(low, top, &found) == (u64)&w[40] && found);
	for (i = 0; i < 40; i++)
		w[i] = i < 20 ? 3 : P; /* 20 poison words at w[20..39]: the scan stops there */
	KT_EXPECT(stackleak_find_top_of_poison(low, top, &found) == (u64)&w[40] && found);
	for (i = 20; i < 40; i++)
		w[i] = 4; /* no run at all: the bottom, not found */
	KT_EXPECT(stackleak_find_top_of_poison(low, top, &found) == low && !found);
	/* Starting below a poison stretch (a tracked point) skips it. */
	for (i = 0; i < 64; i++)
		w[i] = i >= 60 ? 5 : i >= 40 ? P : i >= 20 ? 6 : P;
	KT_EXPECT(stackleak_find_top_of_poison(low, top, &found) == (u64)&w[60] && found);
	KT_EXPECT(stackleak_find_top_of_poison(low, (u64)&w[40], &found) == (u64)&w[20] && found);
}

KTEST(stackleak, a_new_process_stack_is_poison_below_its_first_frame)
{
	bool was = kstack_erase_enabled;
	struct task *t;
	const u64 *p;
	u64 bad = 0;
	int pid, status;

	if (!have_stackleak())
		return;
	kstack_erase_enabled = true;
	pid = process_create("exit42", "");
	kstack_erase_enabled = was;
	KT_ASSERT(pid > 0);
	t = find_task(pid);
	KT_ASSERT(t);
	for (p = (const u64 *)stackleak_stack_low(&t->stack); p < (const u64 *)t->rsp; p++)
		bad += *p != STACKLEAK_POISON;
	KT_EXPECT_MSG(!bad, "%lu words not poison", bad);
	/* Poison is not use: the high-water mark sees only the first frame. */
	KT_EXPECT_MSG(stack_high_water(&t->stack) < 256, "high water %lu",
		      stack_high_water(&t->stack));
	wake_up_process(t);
	KT_EXPECT(process_wait(pid, &status) == pid && status == W_EXITCODE(42, 0));
}

KTEST(stackleak, the_info_leak_shows_the_secret_only_with_erasing_off)
{
	if (!have_stackleak())
		return;
	/* user/stackleak exits 0 if it read no secret, 1 if it did. */
	KT_EXPECT(run_with_erasing(true, "stackleak", "4") == 0);
	KT_EXPECT(run_with_erasing(true, "stackleak", "16") == 0);
	KT_EXPECT(run_with_erasing(false, "stackleak", "4") == 1);
}

KTEST(stackleak, lkdtm_stackleak_erasing_passes_on_and_fails_off)
{
	const struct lkdtm_test *lt = lkdtm_find("STACKLEAK_ERASING");
	bool was = kstack_erase_enabled;
	int status = -1, pid;

	KT_ASSERT(lt);
	if (!have_stackleak())
		return;
	KT_EXPECT(run_with_erasing(true, "stackleak", "check") == 0);
	KT_EXPECT(run_with_erasing(false, "stackleak", "check") == 1);
	kstack_erase_enabled = true;
	KT_EXPECT(lkdtm_run(lt, &status, &pid) == 0 && status == 0);
	kstack_erase_enabled = was;
}

KTEST(stackleak, the_erase_after_a_shallow_call_leaves_deeper_words_alone)
{
	if (!have_stackleak())
		return;
	/* user/stackleak depth exits 0 if its marker 4 KiB deep outlived a shallow call's erase. */
	KT_EXPECT(run_with_erasing(true, "stackleak", "depth") == 0);
}
