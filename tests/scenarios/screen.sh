# shellcheck shell=bash
# What a user sees: the screen, read back through the console's own font (scripts/screen-text),
# under UEFI and on framebuffers of several depths, with the keyboard, the scrollback, and on a
# PC with neither serial port nor PS/2 controller.

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

# uefi_session NAME ELF: boot the ISO under OVMF on q35, wait for the shell, type a command
# with the keyboard (QEMU monitor sendkey), take a screendump, then a serial session.
# The firmware reads the serial port too, so input is sent only once the prompt is there.
uefi_session() {
	local name=$1 elf=$2 dir=build/test-uefi pid ok=1 lit iso
	if [ ! -e /usr/share/OVMF/OVMF_CODE_4M.fd ]; then
		fail "$name: OVMF is not installed (apt-get install ovmf)"
		return
	fi
	rm -rf "$dir" && mkdir -p "$dir"
	log=$LOGS/$name.log
	iso=$(iso_for "$elf" "") || { fail "$name: mkiso: $iso"; return; }
	mkfifo "$dir/serial" "$dir/mon.in" "$dir/mon.out"
	exec 3<>"$dir/serial" 4<>"$dir/mon.in" 5<>"$dir/mon.out"
	cat <&5 >"$dir/monitor.log" &
	local drain=$!
	# Written unfiltered (a pipe through tr would hold the prompt back in its buffer).
	UEFI=1 DISPLAY_MODE=none timeout "$TIMEOUT" scripts/qemu-run "$iso" \
		-monitor "pipe:$dir/mon" <&3 >"$log" 2>&1 &
	pid=$!
	if wait_for "$log" '^\$ ' "$TIMEOUT"; then
		for key in e c h o spc k b d shift-1 ret; do
			echo "sendkey $key" >&4
			sleep 0.2
		done
		wait_for "$log" '^kbd!.?$' "$TIMEOUT" ||
			{ echo "     $name: keyboard input did not reach the shell"; ok=0; }
		# The monitor runs its commands in order: once info version answers, the screendump
		# before it is written whole.
		echo "screendump $dir/screen.ppm" >&4
		echo "info version" >&4
		wait_for "$dir/monitor.log" '^[0-9]+\.[0-9]+\.[0-9]+' "$TIMEOUT"
		printf 'bootinfo\nmeminfo\npoweroff\n' >&3
	else
		echo "     $name: no shell prompt within $TIMEOUT s"
		ok=0
	fi
	wait $pid
	status=$?
	kill $drain 2>/dev/null
	sed -i 's/\r$//' "$log"
	exec 3>&- 4>&- 5>&-
	grep -q '^fbcon: [0-9]*x[0-9]* framebuffer' "$log" || { echo "     $name: no framebuffer console"; ok=0; }
	grep -q '^UEFI: yes' "$log" || { echo "     $name: bootinfo does not say UEFI"; ok=0; }
	grep -q '^MemTotal:' "$log" || { echo "     $name: meminfo did not answer"; ok=0; }
	grep -q '^Power down' "$log" && [ "$status" = 0 ] ||
		{ echo "     $name: no clean power-off (status $status)"; ok=0; }
	if [ -s "$dir/screen.ppm" ]; then
		lit=$(ppm_lit_bytes "$dir/screen.ppm" 0 32)
		echo "     $name: $lit bytes lit in the banner rows of the screendump"
		[ "$lit" -gt 1000 ] || { echo "     $name: the screen is blank where the banner is"; ok=0; }
		cp "$dir/screen.ppm" "$LOGS/$name.ppm"
	else
		echo "     $name: no screendump"
		ok=0
	fi
	verdict "$name" "$ok" "$log"
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

# menu_screen NAME ENTRY END_RE [QEMU options...]: boot a menu entry with nothing typed and read
# the screen until a line of it matches END_RE: screen_ok=1 if it did before TIMEOUT, the text
# in $LOGS/NAME.screen.txt, the serial log (if any) in $LOGS/NAME.log. Then, if SCREEN_KEYS is
# set, those keys are pressed (QEMU sendkey) and the screen read until a line matches
# SCREEN_AFTER: after_ok=1, the text in $LOGS/NAME.after.txt. QEMU is then stopped.
menu_screen() {
	local name=$1 entry=$2 end=$3 dir=build/test-screen/$1 pid drain key
	shift 3
	screen_ok=0
	after_ok=0
	log=$LOGS/$name.log
	screen=$LOGS/$name.screen.txt
	rm -rf "$dir" && mkdir -p "$dir"
	: >"$screen"
	menu_iso "$name" "$entry" || { echo "     $name: mkiso failed"; return; }
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

job uefi.boot_fb_keyboard --needs build.test uefi_session uefi.boot_fb_keyboard "$K"

# Under UEFI (OVMF): the demo read from the screen as well as from the serial port.
demo_uefi() {
	local ok=1
	UEFI=1 menu_screen menu.demo.uefi 1 '^demo: power the machine off when done\.$'
	[ "$screen_ok" = 1 ] || { echo "     menu.demo.uefi: the screen never showed the demo's end"; ok=0; }
	check_lines menu.demo.uefi "$log" "${demo_res[@]}"
	check_lines menu.demo.uefi "$screen" '^demo: summary: 8 crash tests, 8 caught and killed, 0 not caught$' \
		'^demo: the sibling counter counted through all of them \([0-9]+\)$' \
		'^demo: memory is back at its baseline$' '^demo: done: as expected for VMAP_STACK=y$'
	verdict menu.demo.uefi "$ok" "$screen" "" 40
}
job menu.demo.uefi --needs build.test,build.novmap demo_uefi

# The demo on framebuffers of 16, 24 and 32 bits per pixel, at three sizes (the last with the
# glyphs drawn 16x32): GRUB set the mode asked for, and the screen reads back glyph for glyph.
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
for gfx in 640x480x16 1024x768x32 1600x1200x24; do
	job "menu.demo.fb_$gfx" --needs build.test,build.novmap demo_fb "$gfx"
done

# The screen's scrollback: after the demo, Shift+PgUp twice shows the report of step 7 again
# (no longer on the live screen), and the demo's end is then out of view.
demo_scrollback() {
	local ok=1
	SCREEN_KEYS="shift-pgup shift-pgup" SCREEN_AFTER='^demo: \[7/8\] EXHAUST_STACK: pid [0-9]+ killed' \
		menu_screen menu.demo.scrollback 1 '^demo: power the machine off when done\.$'
	if [ "$screen_ok" != 1 ] || grep -qE '^demo: \[7/8\] EXHAUST_STACK: pid' "$screen"; then
		echo "     menu.demo.scrollback: no live screen with the demo's end (or step 7 still on it)"
		ok=0
	elif [ "$after_ok" != 1 ] || grep -q '^demo: power the machine off' "$LOGS/menu.demo.scrollback.after.txt"; then
		echo "     menu.demo.scrollback: Shift+PgUp did not bring step 7's report back into view"
		ok=0
	fi
	verdict menu.demo.scrollback "$ok" "$LOGS/menu.demo.scrollback.after.txt" "" 40
}
job menu.demo.scrollback --needs build.test,build.novmap demo_scrollback

# A PC with neither a serial port nor a PS/2 controller: the demo runs to its end all the same,
# and says so on the screen, the only place left to look.
demo_no_serial_no_ps2() {
	local ok=1
	SERIAL=none menu_screen menu.demo.no_serial_no_ps2 1 '^demo: power the machine off when done\.$' \
		-machine q35,i8042=off
	[ "$screen_ok" = 1 ] || { echo "     menu.demo.no_serial_no_ps2: the screen never showed the demo's end"; ok=0; }
	check_lines menu.demo.no_serial_no_ps2 "$screen" \
		'^demo: summary: 8 crash tests, 8 caught and killed, 0 not caught$' \
		'^demo: the sibling counter counted through all of them \([0-9]+\)$' \
		'^demo: memory is back at its baseline$' '^demo: done: as expected for VMAP_STACK=y$' \
		'^demo: finished\. No serial port, no PS/2 keyboard: nothing can be typed\.$'
	verdict menu.demo.no_serial_no_ps2 "$ok" "$screen" "" 40
}
job menu.demo.no_serial_no_ps2 --needs build.test,build.novmap demo_no_serial_no_ps2
