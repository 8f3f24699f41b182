# shellcheck shell=bash
# The boot menu, as on a PC without a keyboard, read from the serial port. Each menu entry of
# scripts/mkiso is booted by making it the default, with nothing typed at all (QEMU's PS/2
# controller is there but idle). Pauses are off (pause=0). The entries read from the screen are
# in screen.sh.

# shellcheck source=tests/scenarios/lib/menu.sh
. tests/scenarios/lib/menu.sh
# shellcheck source=tests/scenarios/lib/stress.sh
. tests/scenarios/lib/stress.sh

# The demo and the self-test under BIOS.
job menu.demo.bios --needs build.test,build.novmap menu_serial menu.demo.bios 1 0 "poweroff=0" \
	"${demo_res[@]}" \
	'^demo: the sibling counter \(pid [0-9]+\) is still counting: [0-9]+ -> [0-9]+$' \
	'^demo: powering off in 0 s$'
# The "before" kernel: every overrun unnoticed, the summary, then the crash it is kept for.
novmap_demo() {
	menu_serial "menu.novmap_demo.$1" 3 1 "poweroff=0" '^demo: this kernel: VMAP_STACK=n' \
		'^FAIL: accessed the page below the stack' '^FAIL: accessed the page above the stack' \
		'^FAIL: a frame larger than the guard went unnoticed' \
		'^demo: summary: 3 crash tests, 0 caught and killed, 3 not caught$' \
		'^demo: the sibling counter counted through all of them' \
		'^demo: done: as expected for VMAP_STACK=n$' \
		'Kernel panic - not syncing: corrupted stack end detected inside scheduler'
}
job menu.novmap_demo.bios --needs build.test,build.novmap novmap_demo bios
job menu.novmap_demo.uefi --needs build.test,build.novmap eval 'UEFI=1 novmap_demo uefi'

# tap_verdicts LOG: "name ok", "name skip" or "name fail" for each KTAP result of LOG, sorted.
tap_verdicts() {
	sed -nE -e 's/^ok [0-9]+ ([^ ]+) *# *SKIP.*/\1 skip/p;t' -e 's/^ok [0-9]+ ([^ ]+).*/\1 ok/p;t' \
		-e 's/^not ok [0-9]+ ([^ ]+).*/\1 fail/p' "$1" | sort
}

# not_stress: the test names on stdin that no exclusion of STRESS_TESTS picks.
not_stress() {
	local name x
	local -a excl
	IFS=, read -r -a excl <<<"$STRESS_TESTS"
	while read -r name; do
		for x in "${excl[@]}"; do
			# shellcheck disable=SC2053 # a glob
			[[ $name != ${x#!} ]] || continue 2
		done
		echo "$name"
	done
}

# selftest_check NAME: the self-test's summary says what its own TAP lines say, names each
# failure, and each test ends as it did in ktest.all (test=*) when that ran in this run. The
# stress tests are left out (selftest=<glob>): ktest.all runs them, and under OVMF they were
# two thirds of the job's CPU.
selftest_check() {
	local name=$1 ok=1 sum names want differ missing
	EXIT_DEVICE=0 menu_serial "$name.boot" 2 0 "poweroff=0 selftest=*,$STRESS_TESTS" \
		'^selftest: [0-9]+ passed, [0-9]+ failed$' '^selftest: powering off in 0 s$' \
		'^selftest: running the [0-9]+ in-kernel tests of \*,!'
	tap_count "$log"
	sum=$(grep -m1 -E '^selftest: [0-9]+ passed, [0-9]+ failed$' "$log")
	if [ "$sum" != "selftest: $tap_ok passed, $tap_notok failed" ] ||
		[ -z "$tap_plan" ] || [ $((tap_ok + tap_skip + tap_notok)) -ne "$tap_plan" ]; then
		echo "     $name: summary '$sum', but the TAP lines: $tap_ok ok, $tap_skip skipped, $tap_notok not ok, plan ${tap_plan:-none}"
		ok=0
	fi
	names=$(sed -n 's/^selftest: failed: //p' "$log" | sort | tr '\n' ' ')
	want=$(sed -n 's/^not ok [0-9]* //p' "$log" | sort | tr '\n' ' ')
	if [ "$names" != "$want" ]; then
		echo "     $name: failures named '$names', the TAP lines say '$want'"
		ok=0
	fi
	if [ -z "$tap_plan" ] || [ "$tap_plan" -eq 0 ]; then
		echo "     $name: the self-test ran no test"
		ok=0
	fi
	if [ -s "$LOGS/ktest.all.log" ] && [ "$LOGS/ktest.all.log" -nt "$K" ]; then
		differ=$(comm -23 <(tap_verdicts "$log") <(tap_verdicts "$LOGS/ktest.all.log") |
			head -n 5 | tr '\n' ' ')
		if [ -n "$differ" ]; then
			echo "     $name: ended otherwise than in test=* (ktest.all): $differ"
			ok=0
		fi
		# What it left out of ktest.all's tests is the stress tests, and only those.
		missing=$(comm -13 <(tap_verdicts "$log" | cut -d' ' -f1) \
			<(tap_verdicts "$LOGS/ktest.all.log" | cut -d' ' -f1) | not_stress | head -n 5 |
			tr '\n' ' ')
		if [ -n "$missing" ]; then
			echo "     $name: did not run tests that ktest.all ran: $missing"
			ok=0
		fi
	fi
	verdict "$name" "$ok" "$log"
}
# Under UEFI only: under BIOS, ktest.all boots every test through GRUB and multiboot2 already.
job menu.selftest.uefi --needs build.test,build.novmap --after ktest.all \
	eval 'UEFI=1 EXIT_DEVICE=0 selftest_check menu.selftest.uefi'
