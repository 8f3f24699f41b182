# shellcheck shell=bash
# Lab 5 (stack budgets): its graded checks, sourced by scripts/grade. lab5() lists them
# (run_test LAB NAME POINTS FUNCTION [given]); the helpers they use are in scripts/lib/grade.sh.

# Names of the reference solution that the handout must not hold (checked by make test): the
# size of the explicit stack is the student's to work out and argue for.
LAB5_NOT_IN_HANDOUT=(TREE_STACK)

# stackcheck_run: `make stackcheck` on the kernel under test, once; its report in $LOG.
stackcheck_run() {
	local sc
	sc=$(prebuilt sc) || sc=$OUT/sc
	LOG=$OUT/stackcheck.log
	if [ -z "${built[stackcheck]:-}" ]; then
		seed_kernel sc "$sc"
		# shellcheck disable=SC2086
		make -s -j"$JOBS" BUILD="$sc" STACKCHECK_BUILD="$sc" $KOPTS stackcheck \
			>"$LOG" 2>&1
		built[stackcheck]=$?
	fi
	cat "$LOG" >>"$T"
}

# The shell's task (init_main) runs vmtree: its proven bound must leave the 1 KiB margin, and
# the whole report must hold no error (no root too deep, no recursion left unbounded).
lab5_budget() {
	local verdict
	stackcheck_run
	item_start
	if ! grep -qE '^== init_main: task stack' "$LOG"; then
		reasons+=("make stackcheck did not report init_main: $(grep -m1 -iE 'error' "$LOG")")
	else
		# The line after the header: "bound N ...: ok", "... TOO DEEP" or "no bound (why)".
		verdict=$(grep -A1 -E '^== init_main: task stack' "$LOG" | grep -m1 -E '^   (no )?bound')
		[[ "$verdict" == *": ok" ]] ||
			reasons+=("init_main (the shell, which runs vmtree): ${verdict#   }")
	fi
	item_start
	[ "${built[stackcheck]}" = 0 ] ||
		reasons+=("make stackcheck failed (exit ${built[stackcheck]}): $(grep -m3 '^stackcheck: error' "$LOG" | tr '\n' ' ')")
	# A recursion in the drawing would need a 'recursion' line: the solution needs none.
	item_start
	! grep -qE '^ +[0-9]+ +[0-9]+ +[0-9]+ x \(.*show_subtree' "$LOG" ||
		reasons+=("the deepest chain still recurses in the drawing of the tree: $(grep -m1 -E 'x \(.*show_subtree' "$LOG")")
}

# The drawing: the exact text of a tree of known shape, cut short and empty; every area of a
# tree of 300; and the deepest tree the vmalloc range could hold, drawn whole.
lab5_ktests() {
	kernel main || return
	ktest "mm.vmarea_show_tree*"
}

lab5_vmtree() {
	kernel main || return
	session "spawn 2\nvmtree\npoweroff\n" 0
	expect '^0x[0-9a-f]+ pages=[0-9]+ h=[0-9]+ max_gap=[0-9]+$' \
		'^  0x[0-9a-f]+ pages=[0-9]+ h=[0-9]+ max_gap=[0-9]+$' \
		'^    0x[0-9a-f]+ pages=[0-9]+ h=[0-9]+ max_gap=[0-9]+$'
	expect_not '^\(cut: '
}

lab5() {
	run_test 5 "stack budget" 15 lab5_budget
	run_test 5 "vmtree in-kernel tests" 15 lab5_ktests
	run_test 5 "vmtree command" 5 lab5_vmtree given
}
