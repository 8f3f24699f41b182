# shellcheck shell=bash
# The labs (docs/labs/): the grader gives full marks to this tree, the reference solution, lab
# by lab; each lab's student tree builds, boots, and fails its grader for the reason the lab is
# about; and a kernel without guard pages fails the guard checks.

# The kernels the grader boots, built once by the build jobs (scripts/grade: GRADE_PREBUILT).
LAB_KERNELS=$TEST_KERNELS

# grade_run NAME LOG [make arguments...]: `make grade` with these arguments; sets status and
# lists the checks that failed in grade_fails ("lab3 guard pages|lab4 big frame|").
grade_run() {
	local log=$2
	shift 2
	make --no-print-directory "$@" grade >"$log" 2>&1
	status=$?
	grade_fails=$(grep -E '^== Test .*: FAIL ' "$log" | sed -E 's/^== Test (.*) == .*/\1/' |
		tr '\n' '|')
}

# grade_lab N: the grader passes lab N on this tree: each of its checks counts, and the lab's
# score must be full.
grade_lab() {
	local name=grade.lab$1 log=$LOGS/grade.lab$1.log line
	GRADE_OUT=build/test-grade/lab$1 GRADE_PREBUILT=$LAB_KERNELS scripts/grade "$1" >"$log" 2>&1
	status=$?
	while read -r line; do
		if [[ "$line" == *": OK "* ]]; then
			pass
		else
			fail "grade: ${line#== Test }"
		fi
	done < <(grep -E '^== Test ' "$log")
	if [ $status -ne 0 ] || ! grep -qE '^Score: ([0-9]+)/\1$' "$log"; then
		fail "$name: scripts/grade $1 exited with $status ($(grep '^Score' "$log"))"
		show_tail "$log"
	else
		echo "ok   $name ($(grep '^Score' "$log"))"
	fi
}
for lab in 1 2 3 4 6 7 8; do
	job "grade.lab$lab" --needs build.test,build.novmap,build.guard2 grade_lab "$lab"
done
# Lab 5 grades make stackcheck's kernel: make test's own (builds.sh), which the stackcheck job
# checks first.
job grade.lab5 --needs build.test --after stackcheck grade_lab 5
job grade.lab9 --needs build.test grade_lab 9

# want_failed NAME CHECK...: each of these grader checks failed in the last grade_run.
want_failed() {
	local name=$1 check ok=1
	shift
	if [ "$status" -eq 0 ]; then
		echo "     $name: make grade passed; it should have failed"
		ok=0
	fi
	for check; do
		if [[ "|$grade_fails" != *"|$check|"* ]]; then
			echo "     $name: the check '$check' did not fail"
			ok=0
		fi
	done
	return $((1 - ok))
}

# The student tree of each lab builds, boots to the shell, and its grader fails until the
# stubs are filled in - for the reason the lab is about: the checks of the stubbed code fail
# with test failures (not "did not build"), the grade log says WHY (an extended regular
# expression about the exercise), and the checks that need no student code pass. No line of
# the lab's solution is left in the tree, in the code or in the docs.
handout_fails() {
	local lab=$1 whys=$2 name=handout.lab$1 tree=build/test-handout/lab$1 ok=1 leaked given why
	local -a why_list
	shift 2
	rm -rf "$tree"
	if ! scripts/handout "$lab" "$tree" >"$LOGS/$name.log" 2>&1; then
		fail "$name: scripts/handout failed"
		show_tail "$LOGS/$name.log"
		return
	fi
	# Lab 5 grades make stackcheck's kernel (make test's own; builds.sh).
	seed_builds "$tree" "${LAB_KERNELS% sc=*}$([ "$lab" != 5 ] || echo " sc=${LAB_KERNELS##* sc=}")"
	# Other labs' regions keep their markers (and their solutions): only this lab's go.
	if grep -rqE "LAB$lab: BEGIN|LAB[0-9]+: STUB" "$tree" --include='*.[ch]' --include='*.asm' ||
		grep -rqE '^<!-- LAB[0-9]+: (BEGIN|END)' "$tree" --include='*.md' ||
		! grep -rq "LAB$lab: TODO" "$tree" --include='*.[ch]'; then
		echo "     $name: markers left in the tree, or no TODO for lab $lab"
		ok=0
	fi
	# Lines are compared without their leading and trailing blanks.
	(cd "$tree" && git ls-files -z | xargs -0 sed -e 's/^[ \t]*//' -e 's/[ \t]*$//') 2>/dev/null |
		sort -u >"$LOGS/$name.lines"
	leaked=$(scripts/handout --solution-lines "$lab" | grep -xF -f - "$LOGS/$name.lines" |
		head -n 10)
	if [ -n "$leaked" ]; then
		echo "     $name: solution lines left in the handout:"
		echo "$leaked" | sed 's/^/       /'
		ok=0
	fi
	if [ ! -f "$tree/answers-lab$lab.md" ]; then
		echo "     $name: no answers-lab$lab.md template at the top of the handout"
		ok=0
	fi
	# The handout's failures are known: a second boot after a crash says nothing more.
	GRADE_MAX_BOOTS=2 grade_run "$name" "$LOGS/$name.grade.log" -C "$tree" LAB="$lab"
	want_failed "$name" "$@" || ok=0
	if grep -qE 'did not build' "$LOGS/$name.grade.log"; then
		echo "     $name: $(grep -m1 -E 'did not build' "$LOGS/$name.grade.log")"
		ok=0
	fi
	# The failures say what the exercise is about (in the grader's output or its transcripts).
	IFS=';' read -r -a why_list <<<"$whys"
	for why in "${why_list[@]}"; do
		if ! cat "$LOGS/$name.grade.log" "$tree"/build/grade/lab"$lab"-*.log 2>/dev/null |
			grep -qE -- "$why"; then
			echo "     $name: the grader's failures do not say /$why/"
			ok=0
		fi
	done
	given=$(grep -E '^== Test .*\(needs no code of yours\)' "$LOGS/$name.grade.log" | grep -v ': OK ')
	if [ -n "$given" ]; then
		echo "     $name: a check that needs no student code fails in the handout: $given"
		ok=0
	fi
	# The grader built the handout's kernel (-Werror): it must also boot to the shell. (A kernel
	# that did not build leaves the reference's, seeded, in its place: no boot of that.)
	if [ ! -f "$tree/build/grade/main/kernel.elf" ] ||
		grep -qE 'the kernel did not build' "$LOGS/$name.grade.log"; then
		fail "$name: the handout does not build"
		show_tail "$tree/build/grade/main.build.log"
		return
	fi
	session "$name.boots" "$tree/build/grade/main/kernel.elf" \
		'help\necho the handout boots\npoweroff\n' 0 '^the handout boots$'
	verdict "$name" "$ok" "$LOGS/$name.grade.log" "(make grade fails: ${grade_fails%|})"
}
# Long jobs: they start first. They need the builds they start from (seed_builds).
HANDOUT_JOB="--first --needs build.test,build.novmap,build.guard2"
job handout.lab1 $HANDOUT_JOB handout_fails 1 'ptdump\.[a-z_]+' "lab1 ptdump in-kernel tests" "lab1 ptdump command"
job handout.lab2 $HANDOUT_JOB handout_fails 2 'not ok [0-9]+ - split: ;not ok [0-9]+ - bad free: double free;not merged back' \
	"lab2 split and merge" "lab2 bad frees" "lab2 model check" "lab2 merging in the kernel" "lab2 fragmentation"
job handout.lab3 $HANDOUT_JOB handout_fails 3 'not ok [0-9]+ - layout: spans with their guards;MemFree after each round' \
	"lab3 vmarea unit tests" "lab3 guard pages" "lab3 pagewalk of a guard" "lab3 vfree frees" \
	"lab3 STACK_GUARD_PAGES=2"
job handout.lab4 $HANDOUT_JOB handout_fails 4 'died in lkdtm\.;double fault, not a task stack overflow' "lab4 guard page hits" \
	"lab4 exhaust stack" "lab4 big frame" "lab4 overflow rules" "lab4 lkdtm in-kernel tests" \
	"lab4 overflow holding a lock" "lab4 no task to kill"
job handout.lab5 $HANDOUT_JOB --after stackcheck handout_fails 5 'init_main \(the shell, which runs vmtree\): bound [0-9]+ .*TOO DEEP;died in mm\.vmarea_show_tree_draws_the_deepest_tree_whole' \
	"lab5 stack budget" "lab5 vmtree in-kernel tests"
job handout.lab6 $HANDOUT_JOB handout_fails 6 'a stale TLB entry;not flushed the range;pages waited \(lazy_max_pages' \
	"lab6 lazy purge" "lab6 shootdown, 2 CPUs" "lab6 shootdown, 4 CPUs"
job handout.lab7 $HANDOUT_JOB handout_fails 7 'no __ex_table entry for an instruction of copy_from_user;read a kernel variable: .kernel secret;'\
'wrote a kernel variable;died in user\.uaccess_refuses_;Fatal exception: (page|general protection) fault' \
	"lab7 good copies, with SMAP" "lab7 unmapped pointers and their fixups" \
	"lab7 kernel-half and non-canonical pointers" "lab7 user memory closed after every copy" \
	"lab7 bad pointers from ring 3"
job handout.lab8 $HANDOUT_JOB handout_fails 8 'stackleak: LEAKED the secret;FAIL: the thread stack is NOT properly erased;not ok [0-9]+ stackleak\.' \
	"lab8 erasing in-kernel tests" "lab8 erasing from ring 3" "lab8 VMAP_STACK=n"
job handout.lab9 $HANDOUT_JOB handout_fails 9 'test_kfence\.c:[0-9]+: the pool gave no object;FAIL: the write past the object was not caught' \
	"lab9 kfence in-kernel tests" "lab9 heap bugs on a running system"


# A kernel built without stack guard pages: the guard checks of labs 3 and 4 must fail (only
# those run, each up to its first lost point). Only the main kernel is built so; the VMAP_STACK=n and two-guard kernels are make
# test's.
NO_GUARD_CHECKS="lab3 guard pages,lab4 guard page hits,lab4 exhaust stack,lab4 lkdtm in-kernel tests"
no_guard_pages() {
	local -a checks
	IFS=, read -r -a checks <<<"$NO_GUARD_CHECKS"
	# The grader builds its kernel with STACK_GUARD_PAGES=0 from the default one's objects.
	[ -f build/test-grade-guard0/main/kernel.elf ] || copy_build build/test build/test-grade-guard0/main
	GRADE_QUIET=1 GRADE_OUT=build/test-grade-guard0 GRADE_ONLY=$NO_GUARD_CHECKS GRADE_FIRST_LOSS=1 \
		GRADE_PREBUILT="guard2=build/test-guard2 novmap=build/test/novmap" \
		grade_run grade.no_guard_pages "$LOGS/grade.no_guard_pages.log" LAB="3 4" STACK_GUARD_PAGES=0
	if want_failed grade.no_guard_pages "${checks[@]}"; then
		pass
		echo "ok   grade.no_guard_pages (make grade fails: ${grade_fails%|})"
	else
		fail grade.no_guard_pages
		show_tail "$LOGS/grade.no_guard_pages.log"
	fi
}
job grade.no_guard_pages --first --needs build.test,build.novmap,build.guard2 no_guard_pages
