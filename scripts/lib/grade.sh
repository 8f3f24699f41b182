# shellcheck shell=bash
# The grader's library, sourced by scripts/grade: kernels, boots, in-kernel tests, scripted
# sessions, host tests, and the scoring of one check (run_test). The labs' checks use it from
# tests/labs/lab<n>.sh.


# prebuilt NAME: the directory GRADE_PREBUILT gives for kernel NAME; false if none.
prebuilt() {
	local kv
	for kv in ${GRADE_PREBUILT:-}; do
		[ "${kv%%=*}" != "$1" ] || { echo "${kv#*=}" && return 0; }
	done
	return 1
}

# seed_kernel NAME DIR: the grader's build directory DIR of kernel NAME starts as a copy of the
# build that seed_builds (scripts/lib/trees.sh) listed for NAME, if there is one and DIR is not
# there yet.
seed_kernel() {
	local name from named
	[ ! -e "$2" ] && [ -f "$OUT/seeds" ] || return 0
	read -r name from named < <(grep "^$1 " "$OUT/seeds") || return 0
	# Kernel sc is make stackcheck's: it stays a stackcheck build (Makefile: stackcheck-build).
	KEEP_STACKCHECK=$([ "$1" = sc ] && echo 1) copy_build "$from" "$2" "$2" "$named" \
		2>>"$OUT/$1.seed.log"
}

declare -A built
# kernel NAME [make variables...]: build $OUT/NAME/kernel.elf (once) with the options under
# test and then these, or take it from GRADE_PREBUILT; sets K. Records a failure and returns 1
# if it does not build.
kernel() {
	local name=$1 dir
	shift
	K=$OUT/$name/kernel.elf
	if dir=$(prebuilt "$name"); then
		K=$dir/kernel.elf
		[ -f "$K" ] && return 0
		reasons+=("the kernel $K was to be built already (GRADE_PREBUILT), and is not")
		return 1
	fi
	if [ -z "${built[$name]:-}" ]; then
		seed_kernel "$name" "$OUT/$name"
		# shellcheck disable=SC2086
		if make -s -j"$JOBS" BUILD="$OUT/$name" $KOPTS "$@" all >"$OUT/$name.build.log" 2>&1
		then
			built[$name]=ok
		else
			built[$name]=failed
		fi
	fi
	if [ "${built[$name]}" != ok ]; then
		reasons+=("the kernel did not build: $(grep -m1 -E 'error|Error' "$OUT/$name.build.log")")
		reasons+=("the build's output: $OUT/$name.build.log")
		tail -n 20 "$OUT/$name.build.log" >>"$T"
		return 1
	fi
}

# kernel_symbols: $K's symbols, as `nm -n -S --defined-only` lists them: the list its link
# wrote beside it (kernel.syms, the Makefile), or nm's.
kernel_symbols() {
	if [ "${K%/*}/kernel.syms" -nt "$K" ]; then
		cat "${K%/*}/kernel.syms"
	else
		nm -n -S --defined-only "$K"
	fi
}

# Address of a kernel symbol, as 16 hex digits.
symbol() {
	kernel_symbols | awk -v s="$1" '$NF == s { print $1; exit }'
}

# lost_already: with GRADE_FIRST_LOSS=1 (scripts/grade-selftest: it needs to know only that a
# check loses points), the check has lost some already, so the rest of it need not run.
lost_already() {
	[ "${GRADE_FIRST_LOSS:-0}" = 1 ] && [ ${#reasons[@]} -gt 0 ]
}

# boot CMDLINE INPUT [QEMU options...]: boot $K with this command line (and BOOT_ARGS, kernel
# parameters a check may set for all its boots, e.g. page_poison=1) and INPUT typed on the
# serial port. The console goes to $LOG (and is added to the transcript $T); status is that of
# scripts/qemu-run: 0 powered off, 1 panic or failed tests, 2 CPU reset, 124 timed out. No boot
# if the check has lost already (an empty log, status 0).
boot() {
	local cmdline=$1${BOOT_ARGS:+ $BOOT_ARGS} input=$2
	shift 2
	LOG=$OUT/boot.log
	if lost_already; then
		: >"$LOG"
		status=0
		return
	fi
	qemu_boot "$K" "$cmdline" "$input" "$LOG" "$@"
	{
		echo "#### boot: command line '$cmdline', QEMU options '$*', exit status $status"
		cat "$LOG"
	} >>"$T"
	[ "$status" -ne 124 ] || reasons+=("QEMU timed out after ${TIMEOUT}s")
	[ "$status" -ne 99 ] || reasons+=("could not make an ISO (scripts/mkiso; its output is in the transcript)")
}

# Credit is per item: a check's points are shared evenly by its items, and each item passes or
# fails on its own. An item is one in-kernel test, one host unit test result, or one scripted
# session together with the expect/expect_not lines about it. item_start opens an item,
# item_close ends it: it passed if it added no reason.
item_open=0
item_start() {
	item_close
	item_open=1
	item_reasons=${#reasons[@]}
}
item_close() {
	[ "$item_open" = 1 ] || return 0
	item_open=0
	item_result $(( ${#reasons[@]} == item_reasons ))
}
# item_result OK: count one item, passed if OK is 1; the first failure keeps its boot's tail.
item_result() {
	items_total=$((items_total + 1))
	if [ "$1" = 1 ]; then
		items_ok=$((items_ok + 1))
	elif [ -z "$fail_tail" ] && [ -n "${LOG:-}" ] && [ -f "$LOG" ]; then
		fail_tail=$(tail -n 8 "$LOG")
	fi
}

# ktest_names GLOB[,GLOB...]: the names of $K's in-kernel tests that a GLOB matches (from the
# symbols KTEST() makes: ktest_desc_<suite>_<name>; suite names have no underscore).
ktest_names() {
	local name g
	local -a globs
	IFS=, read -r -a globs <<<"$1"
	kernel_symbols | awk '$NF ~ /^ktest_desc_/ { n = substr($NF, 12); i = index(n, "_");
		print substr(n, 1, i - 1) "." substr(n, i + 1) }' | sort -u | while read -r name; do
		for g in "${globs[@]}"; do
			# shellcheck disable=SC2053
			if [[ $name == $g ]]; then
				echo "$name"
				break
			fi
		done
	done
}

# ktest GLOB[!EXCLUDE...] [QEMU options...]: run the in-kernel tests matching GLOB (but none
# matching an EXCLUDE glob: tests that skip by design on this kernel), each one an item. A
# skipped test earns nothing (it ran nothing). If the kernel dies inside a test, that test
# fails and the tests after it run in a fresh boot (test=<name>,<name>,...), so one crash
# costs one test.
ktest() {
	local glob=${1%%!*} what problem run_glob died line name why n boots=0 x
	local -a names left excl=()
	local -A ran=()
	[[ "$1" != *!* ]] || IFS='!' read -r -a excl <<<"${1#*!}"
	shift
	what=$glob
	[[ "$glob" != *,* ]] || what="the tests"
	what=$what${*:+ ($*)}
	item_close
	if lost_already; then
		reasons+=("$what: not run: the check has lost points already (GRADE_FIRST_LOSS)")
		item_result 0
		return
	fi
	mapfile -t names < <(ktest_names "$glob")
	run_glob=$glob
	if [ ${#excl[@]} -gt 0 ]; then
		left=()
		for name in "${names[@]}"; do
			for x in "${excl[@]}"; do
				# shellcheck disable=SC2053
				[[ $name != $x ]] || continue 2
			done
			left+=("$name")
		done
		names=("${left[@]}")
		run_glob=$(IFS=,; echo "${names[*]}")
	fi
	if [ ${#names[@]} -eq 0 ]; then
		reasons+=("$what: no in-kernel test of this kernel matches")
		item_result 0
		return
	fi
	while :; do
		boot "test=$run_glob" "" "$@"
		boots=$((boots + 1))
		tap_count "$LOG"
		while read -r line; do
			if [[ "$line" =~ ^ok\ [0-9]+\ ([^ ]+)\ *#\ *[Ss][Kk][Ii][Pp]\ *(.*)$ ]]; then
				name=${BASH_REMATCH[1]} why=${BASH_REMATCH[2]}
				reasons+=("$what: $name skipped (${why:-no reason given}): a skipped test earns no points")
				item_result 0
			elif [[ "$line" =~ ^ok\ [0-9]+\ ([^ ]+) ]]; then
				name=${BASH_REMATCH[1]}
				item_result 1
			else
				[[ "$line" =~ ^not\ ok\ [0-9]+\ ([^ ]+) ]]
				name=${BASH_REMATCH[1]}
				reasons+=("$what: $line")
				item_result 0
			fi
			ran[$name]=1
		done < <(grep -aE '^(not )?ok [0-9]+ ' "$LOG")
		problem=$(tap_problem)
		[ -n "$problem" ] || break
		# A timeout or a missing ISO is already a reason of its own (boot).
		[ "$status" -eq 124 ] || [ "$status" -eq 99 ] || reasons+=("$what: $problem")
		died=$(tap_running "$LOG")
		if [ -n "$died" ] && [ -z "${ran[$died]:-}" ]; then
			ran[$died]=1
			item_result 0
		elif [ "$tap_notok" -eq 0 ] && [ $((tap_ok + tap_skip)) -eq "${tap_plan:-0}" ]; then
			item_result 0 # every test ran, but the boot did not end well
		fi
		left=()
		for name in "${names[@]}"; do
			[ -n "${ran[$name]:-}" ] || left+=("$name")
		done
		if [ -z "$died" ] || [ ${#left[@]} -eq 0 ] || [ "$boots" -ge "${GRADE_MAX_BOOTS:-6}" ] ||
			lost_already; then
			# What never ran fails; with no names (no symbols) the plan says how many.
			n=${#left[@]}
			[ ${#names[@]} -gt 0 ] || n=$((${tap_plan:-1} - tap_ok - tap_skip - tap_notok))
			while [ "$n" -gt 0 ]; do
				item_result 0
				n=$((n - 1))
			done
			[ ${#left[@]} -eq 0 ] || reasons+=("$what: never ran: ${left[*]}")
			break
		fi
		echo "#### the kernel died in $died: a fresh boot for the ${#left[@]} tests after it" >>"$T"
		run_glob=$(IFS=,; echo "${left[*]}")
	done
}

# session INPUT WANT_STATUS [QEMU options...]: a scripted shell session that must end with
# this exit status; check its output with expect and expect_not afterwards.
session() {
	local input=$1 want=$2
	shift 2
	item_start
	# A session that must end in a panic ends with a power-off typed after it: a kernel that
	# wrongly lives on then says so in a second (status 0) instead of idling to the timeout.
	# The shell waits for each crash test's task, so a panic comes before it reads the line.
	[ "$want" = 0 ] || [[ "$input" == *poweroff* ]] || input+='poweroff\n'
	boot "" "$input" "$@"
	[ "$status" -eq "$want" ] || [ "$status" -eq 124 ] ||
		reasons+=("QEMU exit status $status, expected $want (0 power-off, 1 panic, 2 reset)")
}

# expect RE...: some line of the last boot's output matches each extended regular expression.
expect() {
	local re
	[ "$item_open" = 1 ] || item_start
	while read -r re; do
		reasons+=("MISSING /$re/")
	done < <(missing_lines "$LOG" "$@")
}

# expect_not RE...: no line matches.
expect_not() {
	local re
	[ "$item_open" = 1 ] || item_start
	for re; do
		if grep -aqE -- "$re" "$LOG"; then
			reasons+=("UNEXPECTED /$re/: $(grep -a -m1 -E -- "$re" "$LOG")")
		fi
	done
}

# host_test NAME: build and run the host unit test tests/test_<name>.c (ASan, UBSan); each TAP
# result is an item, and the plan must be complete.
host_test() {
	local b=$OUT/host-build bin line n
	item_close
	if lost_already; then
		reasons+=("test_$1: not run: the check has lost points already (GRADE_FIRST_LOSS)")
		item_result 0
		return
	fi
	bin=$b/host/test_$1
	if ! make -s BUILD="$b" "$bin" >"$OUT/host-build.log" 2>&1; then
		cat "$OUT/host-build.log" >>"$T"
		reasons+=("tests/test_$1.c did not build: $(grep -m1 -E 'error' "$OUT/host-build.log")")
		LOG=$OUT/host-build.log
		item_result 0
		return
	fi
	LOG=$OUT/host.log
	"$bin" >"$LOG" 2>&1
	status=$?
	cat "$LOG" >>"$T"
	tap_count "$LOG"
	n=0
	while read -r line; do
		if [[ "$line" =~ ^not\ ok ]]; then
			n=$((n + 1))
			[ "$n" -gt 5 ] || reasons+=("test_$1: $line")
			item_result 0
		elif [[ "$line" =~ \#\ *[Ss][Kk][Ii][Pp] ]]; then
			reasons+=("test_$1: skipped, so no points: $line")
			item_result 0
		else
			item_result 1
		fi
	done < <(grep -E '^(not )?ok [0-9]+' "$LOG")
	[ "$n" -le 5 ] || reasons+=("test_$1: and $((n - 5)) more 'not ok' (the transcript has them all)")
	[ "$status" -eq 0 ] || reasons+=("test_$1 exited with status $status")
	n=$((${tap_plan:-1} - tap_ok - tap_skip - tap_notok))
	if [ -z "$tap_plan" ] || [ "$n" -ne 0 ]; then
		reasons+=("test_$1: plan ${tap_plan:-none} but $((tap_ok + tap_skip + tap_notok)) results$(tap_died)")
		while [ "$n" -gt 0 ]; do
			item_result 0
			n=$((n - 1))
		done
	fi
}

hex() {
	printf '%016x' "$1"
}

# run_test LAB NAME POINTS FUNCTION [given]: one graded check. Its points are shared by its
# items (item_start); "given" marks a check that passes without any code of the student's
# (it checks what the lab builds on), which the result line says.
run_test() {
	local lab=$1 name=$2 points=$3 fn=$4 given=${5:-} t0 t1 secs line got note="" detail
	[ -z "${GRADE_ONLY:-}" ] || [[ ",$GRADE_ONLY," == *",lab$lab $name,"* ]] || return 0
	if [ "${GRADE_LIST:-0}" = 1 ]; then
		printf 'lab%s %s\t%s\n' "$lab" "$name" "$points"
		return
	fi
	total=$((total + points))
	lab_total=$((lab_total + points))
	T=$OUT/lab$lab-${name// /-}.log
	T=${T//=/-}
	reasons=()
	items_total=0
	items_ok=0
	item_open=0
	fail_tail=""
	LOG=""
	BOOT_ARGS=""
	[ -z "$given" ] || note=" (needs no code of yours)"
	: >"$T"
	printf '== Test lab%s %s == ' "$lab" "$name"
	t0=${EPOCHREALTIME//[!0-9]/}
	"$fn"
	item_close
	t1=${EPOCHREALTIME//[!0-9]/}
	printf -v secs '%d.%d' $(((t1 - t0) / 1000000)) $(((t1 - t0) / 100000 % 10))
	if [ ${#reasons[@]} -eq 0 ]; then
		echo "lab$lab $name: OK ($secs s) [$points/$points]$note"
		score=$((score + points))
		lab_score=$((lab_score + points))
		rm -f "$T"
		result_add "lab$lab $name" "$points" "$points" "OK [$points/$points]$note"
		return
	fi
	got=0
	[ "$items_total" -eq 0 ] || got=$((points * items_ok / items_total))
	[ "$got" -lt "$points" ] || got=$((points - 1))
	score=$((score + got))
	lab_score=$((lab_score + got))
	[ "$items_total" -eq 0 ] || note="$note ($items_ok of $items_total parts passed)"
	echo "lab$lab $name: FAIL ($secs s) [$got/$points]$note"
	nfailed=$((nfailed + 1))
	# The tail of the boot that failed first, not of the last boot of the check.
	[ -n "$fail_tail" ] || fail_tail=$(tail -n 8 "$T")
	detail=$(
		printf '%s\n' "$fail_tail" | sed 's/^/    | /'
		for line in "${reasons[@]}"; do
			echo "    $line"
		done
		echo "    transcript saved to $T"
	)
	[ "${GRADE_QUIET:-0}" = 1 ] || printf '%s\n' "$detail"
	result_add "lab$lab $name" "$got" "$points" \
		"FAIL [$got/$points]$note"$'\n'"$detail"
}

# The results of the checks run, in order, for GRADE_FORMAT=json (result_add NAME SCORE MAX
# OUTPUT).
result_names=()
result_scores=()
result_maxes=()
result_outputs=()
result_add() {
	result_names+=("$1")
	result_scores+=("$2")
	result_maxes+=("$3")
	result_outputs+=("$4")
}

# json_string TEXT: TEXT as a JSON string. Only printable ASCII, tab and newline are kept: a
# console may print escape sequences or stray bytes, and JSON must be valid UTF-8.
json_string() {
	local s
	s=$(printf '%s' "$1" | LC_ALL=C tr -cd '\11\12\40-\176')
	s=${s//\\/\\\\}
	s=${s//\"/\\\"}
	s=${s//$'\t'/\\t}
	s=${s//$'\n'/\\n}
	printf '"%s"' "$s"
}

# write_json FILE OUTPUT SECONDS: the results in Gradescope's results.json format (its
# autograder specification): one test per check with its name, score, max_score, status and
# output, and the total score.
write_json() {
	local i sep="" status
	{
		printf '{\n  "score": %d,\n  "execution_time": %d,\n' "$score" "$3"
		printf '  "output": %s,\n  "stdout_visibility": "hidden",\n  "tests": [' \
			"$(json_string "$2")"
		for i in "${!result_names[@]}"; do
			status=failed
			[ "${result_scores[i]}" != "${result_maxes[i]}" ] || status=passed
			printf '%s\n    {"name": %s, "score": %d, "max_score": %d, "status": "%s",' "$sep" \
				"$(json_string "${result_names[i]}")" "${result_scores[i]}" \
				"${result_maxes[i]}" "$status"
			printf ' "visibility": "visible", "output": %s}' \
				"$(json_string "${result_outputs[i]}")"
			sep=,
		done
		printf '\n  ]\n}\n'
	} >"$1.tmp" && mv "$1.tmp" "$1"
}

# answers_note LAB: say whether the written answers are there (answers-lab<n>.md at the top of
# the tree, from the template docs/labs/answers-lab<n>.md that the handout copies). Not scored:
# the instructor reads them.
answers_note() {
	local f=answers-lab$1.md total left
	if [ ! -f "$f" ]; then
		echo "lab$1: written answers: $f is missing (cp docs/labs/$f .)"
		return
	fi
	total=$(grep -cE '^### Q[0-9]+' "$f")
	left=$(grep -c '^(your answer)$' "$f")
	echo "lab$1: written answers: $f, $((total - left)) of $total questions answered (not scored here)"
}
