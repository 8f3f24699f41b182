# shellcheck shell=bash
# What a user sees: the screen, read back through the console's own font (scripts/screen-text),
# under UEFI and on framebuffers of several depths, with the keyboard, the scrollback, and on a
# PC with neither serial port nor PS/2 controller.

# shellcheck source=tests/scenarios/lib/screen.sh
. tests/scenarios/lib/screen.sh

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
# glyphs drawn 16x32); 1 bpp is in firmware.sh.
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
