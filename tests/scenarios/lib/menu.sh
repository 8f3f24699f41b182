# shellcheck shell=bash
# What menu.sh and screen.sh share: an ISO whose menu boots one entry at once, and what the
# demo prints. Sourced by both.
[ -z "${MENU_LIB_READ:-}" ] || return 0
MENU_LIB_READ=1

# What the demo prints in the VMAP_STACK=y kernel: every step killed, the sibling counting.
DEMO_STEPS="STACK_GUARD_PAGE_LEADING STACK_GUARD_PAGE_TRAILING STACK_BIG_FRAME
	STACK_GUARD_PAGE_LEADING_NEARLY_FULL EXHAUST_STACK_IRQ_ENTRY EXHAUST_STACK_IRQ_DELIVERY
	EXHAUST_STACK EXHAUST_STACK_IRQS_OFF"
demo_patterns() {
	local t
	for t in $DEMO_STEPS; do
		echo "^demo: \[[1-8]/8\] $t: pid [0-9]+ killed: kernel stack overflow \(exit status 0x2\)$"
	done
	echo 'BUG: TASK stack guard page was hit at '
	echo '^demo: summary: 8 crash tests, 8 caught and killed, 0 not caught$'
	echo '^demo: the sibling counter counted through all of them \([0-9]+\)$'
	echo '^demo: memory is back at its baseline$'
	echo '^demo: done: as expected for VMAP_STACK=y$'
}
mapfile -t demo_res < <(demo_patterns)

# menu_iso NAME ENTRY [WORDS]: build/test-iso/NAME.iso whose menu boots ENTRY at once, its
# command line with pause=0 and WORDS; both kernels on it, as make iso makes it. GFX=WxHxD
# has GRUB set that framebuffer mode.
menu_iso() {
	mkdir -p build/test-iso
	scripts/mkiso -d "$2" -n "$N" -x "pause=0${3:+ $3}" ${GFX:+-g "$GFX"} "$K" \
		"build/test-iso/$1.iso" "" >"$LOGS/$1.mkiso.log" 2>&1
}

# menu_serial NAME ENTRY WANT_STATUS WORDS RE...: boot a menu entry with nothing typed; the
# serial log must match every RE, and the boot must end with WANT_STATUS.
menu_serial() {
	local name=$1 entry=$2 want=$3 words=$4 ok=1
	shift 4
	log=$LOGS/$name.log
	menu_iso "$name" "$entry" "$words" || { fail "$name: mkiso"; show_tail "$LOGS/$name.mkiso.log"; return; }
	timeout "$TIMEOUT" scripts/qemu-run "build/test-iso/$name.iso" </dev/null 2>&1 |
		tr -d '\r' >"$log"
	status=${PIPESTATUS[0]}
	if [ "$status" -ne "$want" ]; then
		echo "     $name: exit status $status, expected $want"
		ok=0
	fi
	check_lines "$name" "$log" "$@"
	verdict "$name" "$ok" "$log"
}
