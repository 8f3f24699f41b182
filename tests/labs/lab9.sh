# shellcheck shell=bash
# Lab 9 (a guarded heap): its graded checks, sourced by scripts/grade. lab9() lists them
# (run_test LAB NAME POINTS FUNCTION [given]); the helpers they use are in scripts/lib/grade.sh.

# KFENCE_LKDTM_INPUT and KFENCE_LKDTM_LINES: the heap crash tests, shared with make test.
# shellcheck source=scripts/lib/kfence_report.sh
. scripts/lib/kfence_report.sh

# The answer under another name (extended regular expressions; make test's
# grading.handout_hides.lab9 greps the handout for them): the placement against the page's end,
# the alternation, a FIFO linked at its tail, the page taken away at the free, and the pattern
# eight bytes at a time.
# shellcheck disable=SC2034 # read by make test (tests/scenarios/grading.sh)
LAB9_NOT_IN_HANDOUT=(
	'PAGE_SIZE - size, KFENCE_ALIGN'
	'nr_placed\+\+'
	'\[fifo_tail\]\.next'
	'set_kernel_page_present\(.*, false\)'
	'kfence_canary\([a-z]+\) << '
)

# Both checks boot with every kmalloc() sent to the pool while it has room (kfence=all), so the
# whole kernel runs on the student's placement and quarantine, and with freed pages poisoned
# (page_poison=1).
LAB9_BOOT_ARGS="kfence=all page_poison=1"

# The pool's own tests (tests/kernel/test_kfence.c), one boot: placement (out_of_bounds_*,
# placement_*), the slack pattern (slack_*, clean_objects_*), the page taken away at the free and
# the quarantine (use_after_free_*, freed_object_*, quarantine_*, every_slot_*), bad frees
# refused, and heaptorture's short run. allocation_sampled_once skips under kfence=all.
lab9_in_kernel() {
	kernel main || return
	BOOT_ARGS=$LAB9_BOOT_ARGS
	ktest "kfence.*!kfence.allocation_sampled_once"
}

# The heap's crash tests and a seeded heaptorture on a running system (one boot): each bad
# access kills only its task with KFENCE's report, each bad free is refused, each slack write is
# found at the free, and the system runs on, its pool whole.
lab9_running_system() {
	kernel main || return
	BOOT_ARGS=$LAB9_BOOT_ARGS
	session "spawn 1\n${KFENCE_LKDTM_INPUT}heaptorture 40 0x1ab9\nkfenceinfo\nps\necho alive\npoweroff\n" 0
	expect "${KFENCE_LKDTM_LINES[@]}" \
		'^heaptorture-done: system whole after every round: [0-9]+ killed' \
		'^corruptions: +[1-9][0-9]* ' '^ +2 counter +(sleeping|runnable) ' '^alive$'
	expect_not '^FAIL: ' 'heaptorture: FAIL' 'Kernel panic' 'BUG: page_poison' \
		'BUG: KFENCE: (memory corruption|invalid (read|write)) in (kfence|fill|slack|first)'
}

lab9() {
	run_test 9 "kfence in-kernel tests" 35 lab9_in_kernel
	run_test 9 "heap bugs on a running system" 15 lab9_running_system
}
