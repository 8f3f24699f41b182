# shellcheck shell=bash
# The checks of scripts/run-tests: count a check as passed or failed, boot a kernel for in-kernel
# tests (ktest), a scripted shell session (session) or a dialogue, and judge the output. Used by
# the scenario files (tests/scenarios/*.sh), each check inside a job (scripts/lib/jobs.sh).
# Sourced, not run; needs scripts/lib/qemu.sh and scripts/lib/trees.sh, and LOGS and TIMEOUT set.
#
# Every result line counts: "ok   NAME" or "FAIL: NAME"; a skipped test ("ok N name # SKIP
# why") counts as neither, and is listed at the end.

passed=0
failed=0
skipped=0
failures=()
skips=()

pass() { passed=$((passed + 1)); }
fail() {
	failed=$((failed + 1))
	failures+=("$1")
	echo "FAIL: $1"
}
show_tail() {
	echo "---- last lines of $1 ----"
	tail -n "${2:-25}" "$1" | sed 's/^/    /'
	echo "----"
}
# count_skips NAME LOG: after tap_count on LOG, count and remember its skipped tests.
count_skips() {
	skipped=$((skipped + tap_skip))
	while read -r line; do
		skips+=("$1: $line")
	done < <(grep -iE '^ok [0-9]+ .*# SKIP' "$2" | sed -E 's/^ok [0-9]+ //')
}
skip_note() { [ "$tap_skip" -eq 0 ] || printf ', %s skipped' "$tap_skip"; }
# verdict NAME OK LOG [DETAIL [LINES]]: count the check NAME: "ok   NAME DETAIL" if OK is 1,
# else a failure shown with the last LINES (default 25) lines of LOG.
verdict() {
	if [ "$2" = 1 ]; then
		pass
		echo "ok   $1${4:+ $4}"
	else
		fail "$1"
		show_tail "$3" "${5:-25}"
	fi
}
# check_cmd NAME LOG COMMAND...: a check that passes when COMMAND exits with 0; its output is
# kept in LOG and its last line, without "tool: ", is the detail.
check_cmd() {
	local name=$1 log=$2
	shift 2
	"$@" >"$log" 2>&1
	verdict "$name" "$([ $? -eq 0 ] && echo 1)" "$log" "($(tail -n 1 "$log" | sed 's/^[a-z-]*: //'))"
}
# check_tap NAME LOG COMMAND...: a program that prints TAP: each result counts, and the check
# NAME says whether it exited with 0 and ran its whole plan.
check_tap() {
	local name=$1
	log=$2
	shift 2
	"$@" >"$log" 2>&1
	status=$?
	tap_count "$log"
	passed=$((passed + tap_ok))
	failed=$((failed + tap_notok))
	count_skips "$name" "$log"
	if [ $status -ne 0 ] || [ -z "$tap_plan" ] ||
		[ $((tap_ok + tap_skip + tap_notok)) -ne "$tap_plan" ]; then
		fail "$name: exit status $status, plan ${tap_plan:-none}, ran $((tap_ok + tap_skip + tap_notok))"
		show_tail "$log"
	else
		echo "ok   $name ($tap_ok checks$(skip_note))"
	fi
	while read -r line; do
		failures+=("$name: $line")
	done < <(grep -E '^not ok' "$log")
}

# build_kernel [--from DIR] DIR [make variables...]: build DIR/kernel.elf with those options,
# starting from a copy of the build DIR if given (copy_build).
build_kernel() {
	local from=""
	[ "$1" != --from ] || { from=$2 && shift 2; }
	local dir=$1 log=$LOGS/build-${1//\//-}.log
	shift
	[ -z "$from" ] || [ -f "$dir/kernel.elf" ] || copy_build "$from" "$dir"
	if make -s -j"$JOBS" BUILD="$dir" "$@" all >"$log" 2>&1; then
		pass
		echo "ok   build: $dir${*:+ ($*)}"
	else
		fail "build: $dir $*"
		show_tail "$log"
	fi
}

# boot NAME ELF CMDLINE INPUT [QEMU options...]: boot an ISO made for this command line with
# INPUT on the serial port; sets status and log.
boot() {
	local name=$1 elf=$2 cmdline=$3 input=$4
	shift 4
	log=$LOGS/$name.log
	qemu_boot "$elf" "$cmdline" "$input" "$log" "$@"
}

# ktest NAME ELF GLOB [QEMU options...]: run the in-kernel tests matching GLOB (with the words
# of KTEST_CMDLINE, if set, on the kernel command line too).
ktest() {
	local name=$1 elf=$2 glob=$3 problem
	shift 3
	boot "$name" "$elf" "test=$glob${KTEST_CMDLINE:+ $KTEST_CMDLINE}" "" "$@"
	tap_count "$log"
	passed=$((passed + tap_ok))
	failed=$((failed + tap_notok))
	count_skips "$name" "$log"
	while read -r line; do
		failures+=("$name: $line")
		echo "     $name: $line"
	done < <(grep -E '^not ok' "$log")
	problem=$(tap_problem)
	if [ -n "$problem" ]; then
		fail "$name: $problem"
		show_tail "$log"
	else
		[ "$tap_notok" -eq 0 ] && echo "ok   $name ($tap_ok tests passed$(skip_note))"
		return 0
	fi
}

# check_lines NAME FILE RE...: each regular expression must match a line of FILE; sets ok=0 if not.
check_lines() {
	local name=$1 file=$2 pat
	shift 2
	while read -r pat; do
		echo "     $name: no line matches /$pat/"
		ok=0
	done < <(missing_lines "$file" "$@")
}

# session NAME ELF INPUT EXPECTED_STATUS PATTERN...: a scripted shell session; every extended
# regular expression must match some line of the output.
session() {
	local name=$1 elf=$2 input=$3 want=$4 ok=1
	shift 4
	boot "$name" "$elf" "" "$input"
	if [ "$status" -ne "$want" ]; then
		echo "     $name: exit status $status, expected $want"
		ok=0
	fi
	check_lines "$name" "$log" "$@"
	verdict "$name" "$ok" "$log"
}

# wait_for FILE REGEX SECONDS: poll until a line of FILE matches (the last one may have no
# newline yet: a prompt), four times a second. The nap is bash's own read on a pipe that no one
# writes: a grep and a sleep ten times a second cost a waiting job a tenth of a core.
wait_for() {
	local i nap
	exec {nap}<> <(:)
	for ((i = 0; i < $3 * 4; i++)); do
		grep -qE -- "$2" "$1" 2>/dev/null && break
		read -r -t 0.25 -u "$nap"
	done
	exec {nap}<&-
	((i < $3 * 4))
}

# dialogue NAME ELF STEP... -- PATTERN...: boot ELF's shell with the serial port on a fifo and
# talk to it in turns: a step '> text' types text (printf escapes), a step '? regex' waits until
# a line of the output matches (at most TIMEOUT seconds; a step that never comes fails the scenario).
# Needed where the kernel must see a byte only after something happened (Ctrl-C during run).
# Then every PATTERN after -- must match a line, and the run must end with status 0.
dialogue() {
	local name=$1 elf=$2 dir=build/test-dialogue/$1 pid ok=1 step image
	shift 2
	rm -rf "$dir" && mkdir -p "$dir"
	log=$LOGS/$name.log
	boot_image "$elf" "" || { fail "$name: mkiso: $image"; return; }
	mkfifo "$dir/serial"
	exec 3<>"$dir/serial"
	DISPLAY_MODE=none timeout "$TIMEOUT" scripts/qemu-run "$image" <&3 >"$log" 2>&1 &
	pid=$!
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		step=$1
		shift
		case $step in
		'> '*) printf "${step#> }" >&3 ;;
		'? '*)
			wait_for "$log" "${step#? }" "$TIMEOUT" && continue
			echo "     $name: no line matched /${step#? }/ within $TIMEOUT s"
			ok=0
			kill "$pid" 2>/dev/null
			break
			;;
		esac
	done
	while [ $# -gt 0 ] && [ "$1" != -- ]; do shift; done
	[ "${1:-}" = -- ] && shift
	wait "$pid"
	status=$?
	exec 3>&-
	sed -i 's/\r$//' "$log"
	[ "$ok" = 0 ] || [ "$status" = 0 ] || { echo "     $name: exit status $status"; ok=0; }
	check_lines "$name" "$log" "$@"
	verdict "$name" "$ok" "$log"
}
