# shellcheck shell=bash
# Reading the screen: screendumps taken through QEMU's monitor, read back through the console's
# own font (scripts/screen-text.c, built by build.test). Sourced by screen.sh and firmware.sh.
[ -z "${SCREEN_LIB_READ:-}" ] || return 0
SCREEN_LIB_READ=1

# shellcheck source=tests/scenarios/lib/menu.sh
. tests/scenarios/lib/menu.sh

SCREEN_TEXT=build/test/screen-text

# Count the bytes that are not black in rows [first, first + count) of a binary PPM (P6).
ppm_lit_bytes() {
	local file=$1 first=$2 count=$3 width header
	width=$(head -n 2 "$file" | tail -n 1 | cut -d' ' -f1)
	header=$(head -n 3 "$file" | wc -c)
	tail -c +$((header + 1 + first * width * 3)) "$file" | head -c $((count * width * 3)) |
		tr -d '\000' | wc -c
}

# screen_wait DIR PID RE OUT: take a screendump once a second (QEMU's monitor on fd 4) until a
# line of the screen's text matches RE; the text is left in OUT, the screendump in OUT.ppm.
# A screendump still being written reads as cut short (screen-text fails): the next try reads
# a whole one. Only a matching line ends the wait with 0; QEMU ending or the timeout with 1.
screen_wait() {
	local dir=$1 pid=$2 re=$3 out=$4 i shot
	for ((i = 0; i < TIMEOUT; i++)); do
		shot=$dir/shot$((i % 2)).ppm
		echo "screendump $shot" >&4
		sleep 1
		if "$SCREEN_TEXT" "$shot" >"$dir/text" 2>/dev/null && grep -qE -- "$re" "$dir/text"; then
			cp "$dir/text" "$out"
			cp "$shot" "$out.ppm"
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
	done
	cp "$dir/text" "$out" 2>/dev/null
	return 1
}

# menu_screen NAME ENTRY END_RE [QEMU options...]: boot a menu entry (its command line with
# WORDS added, if set) with nothing typed and read
# the screen until a line of it matches END_RE: screen_ok=1 if it did before TIMEOUT, the text
# in $LOGS/NAME.screen.txt, the serial log (if any) in $LOGS/NAME.log. Then, if SCREEN_KEYS is
# set, those keys are pressed (QEMU sendkey) and the screen read until a line matches
# SCREEN_AFTER: after_ok=1, the text in $LOGS/NAME.after.txt. QEMU is then stopped.
# shellcheck disable=SC2034 # after_ok: read by the callers that set SCREEN_KEYS (screen.sh)
menu_screen() {
	local name=$1 entry=$2 end=$3 dir=build/test-screen/$1 pid drain key
	shift 3
	screen_ok=0
	after_ok=0
	log=$LOGS/$name.log
	screen=$LOGS/$name.screen.txt
	rm -rf "$dir" && mkdir -p "$dir"
	: >"$screen"
	menu_iso "$name" "$entry" "${WORDS:-}" || { echo "     $name: mkiso failed"; return; }
	mkfifo "$dir/mon.in" "$dir/mon.out"
	exec 4<>"$dir/mon.in" 5<>"$dir/mon.out"
	cat <&5 >"$dir/monitor.log" &
	drain=$!
	timeout "$TIMEOUT" scripts/qemu-run "build/test-iso/$name.iso" -monitor "pipe:$dir/mon" \
		"$@" </dev/null >"$log" 2>&1 &
	pid=$!
	screen_wait "$dir" "$pid" "$end" "$screen" && screen_ok=1
	if [ "$screen_ok" = 1 ] && [ -n "${SCREEN_KEYS:-}" ]; then
		for key in $SCREEN_KEYS; do
			echo "sendkey $key" >&4
			sleep 0.2
		done
		screen_wait "$dir" "$pid" "$SCREEN_AFTER" "$LOGS/$name.after.txt" && after_ok=1
	fi
	[ -f "$screen.ppm" ] && mv "$screen.ppm" "$LOGS/$name.ppm"
	echo quit >&4
	wait "$pid"
	kill "$drain" 2>/dev/null
	exec 4>&- 5>&-
	sed -i 's/\r$//' "$log"
}

# demo_fb WxHxD: the demo on a framebuffer GRUB set to that mode: the console says it has it,
# and the demo's end reads back from the screen glyph for glyph.
demo_fb() {
	local gfx=$1 name=menu.demo.fb_$1 ok=1 w rest
	GFX=$gfx menu_screen "$name" 1 '^demo: power the machine off when done\.$'
	[ "$screen_ok" = 1 ] || { echo "     $name: the screen never showed the demo's end"; ok=0; }
	w=${gfx%%x*} rest=${gfx#*x}
	check_lines "$name" "$log" "^fbcon: ${w}x${rest%x*} framebuffer at 0x[0-9a-f]+, ${gfx##*x} bpp, "
	check_lines "$name" "$screen" '^demo: summary: 8 crash tests, 8 caught and killed, 0 not caught$' \
		'^demo: the sibling counter counted through all of them \([0-9]+\)$' \
		'^demo: done: as expected for VMAP_STACK=y$'
	verdict "$name" "$ok" "$screen" "" 40
}
