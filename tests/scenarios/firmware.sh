# shellcheck shell=bash
# What the firmware and the boot image see: the image's MBR, and poweroff on a machine that
# cannot be switched off. Sourced by scripts/run-tests ($K, $LOGS, job, check_cmd). Each check
# is a function that says why it fails and returns non-zero, run by check_cmd: what it looks at
# (bytes of the image, a machine that never ends) is not a session's.

# shellcheck source=tests/scenarios/lib/screen.sh
. tests/scenarios/lib/screen.sh

# The hybrid image's MBR marks a partition active (mkiso: --mbr-force-bootable), for the BIOSes
# that boot only such a USB stick; the protective 0xEE entry stays at 0x00, as UEFI asks.
iso_mbr_active() {
	local dir iso b status=0
	dir=$(mktemp -d) || return 1
	iso=$dir/mbr.iso
	if ! scripts/mkiso "$K" "$iso" ""; then
		rm -rf "$dir"
		return 1
	fi
	# The four 16-byte entries at byte 446 (status first, type at +4), then 0x55 0xaa.
	read -ra b <<<"$(od -An -v -tx1 -j446 -N66 "$iso" | tr -s ' \n' '  ')"
	rm -rf "$dir"
	if [ "${b[64]}${b[65]}" != 55aa ]; then
		echo "no MBR signature" >&2
		status=1
	fi
	if [ "${b[4]}" != ee ] || [ "${b[0]}" != 00 ]; then
		echo "entry 1 is not the protective 0xEE entry with status 0x00" >&2
		status=1
	fi
	if ! printf '%s\n' "${b[0]}" "${b[16]}" "${b[32]}" "${b[48]}" | grep -qx 80; then
		echo "no MBR entry is marked active (0x80)" >&2
		status=1
	fi
	echo "MBR: statuses ${b[0]} ${b[16]} ${b[32]} ${b[48]}, types ${b[4]} ${b[20]} ${b[36]} ${b[52]}"
	return $status
}
job iso.mbr_marks_a_partition_active --needs build.test check_cmd \
	iso.mbr_marks_a_partition_active "$LOGS/iso.mbr_marks_a_partition_active.log" iso_mbr_active

# QEMU without ACPI (-no-acpi: no tables, no power-management device) and without the exit
# device cannot be switched off: poweroff must end in the fallback - the message on the serial
# port and on the screen, and the CPU halted with interrupts off - and QEMU must stay up (a
# reset would end it under -no-reboot).
poweroff_without_acpi_halts() {
	local dir pid i status=0 text rfl
	dir=$(mktemp -d) || return 1
	if ! scripts/mkiso "$K" "$dir/shell.iso" ""; then
		rm -rf "$dir"
		return 1
	fi
	printf 'poweroff\n' | EXIT_DEVICE=0 QEMU_ARGS=-no-acpi timeout 120 scripts/qemu-run \
		"$dir/shell.iso" -monitor "unix:$dir/monitor,server,nowait" >"$dir/serial" 2>&1 &
	pid=$!
	for ((i = 0; i < 60; i++)); do
		grep -q 'It is now safe to switch off' "$dir/serial" && break
		sleep 1
	done
	sleep 2 # halted means still there a while later
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "QEMU ended: the machine reset or powered off" >&2
		status=1
	fi
	grep -aE '^(poweroff|System halted)' "$dir/serial"
	grep -q '^System halted: every CPU stopped\. It is now safe to switch off the machine\.' \
		"$dir/serial" || { echo "no halt message on the serial port" >&2; status=1; }
	# The monitor: the screen, and the CPU's state (HLT=1, and IF clear in RFL).
	python3 - "$dir/monitor" "$dir/screen.ppm" >"$dir/cpu" 2>&1 <<'PY' || status=1
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
def cmd(c):
    s.sendall((c + "\n").encode())
    time.sleep(1)
    return s.recv(1 << 16).decode(errors="replace")
time.sleep(0.5)
s.recv(1 << 16)
cmd("screendump " + sys.argv[2])
print(cmd("info registers"))
cmd("quit")
PY
	rfl=$(sed -nE 's/.*RFL=([0-9a-f]+) .*/\1/p' "$dir/cpu" | head -1)
	if ! grep -q 'HLT=1' "$dir/cpu" || [ -z "$rfl" ] || ((16#$rfl & 0x200)); then
		echo "the CPU is not halted with interrupts off:" >&2
		grep -E 'RIP|RFL' "$dir/cpu" >&2
		status=1
	fi
	wait "$pid"
	# The screen read back through the console's own font (scripts/screen-text.c).
	if ${HOSTCC:-cc} -O2 -I. -I"$(dirname "$K")" scripts/screen-text.c \
		"$(dirname "$K")/font8x8.c" -o "$dir/screen-text" 2>&1 &&
		text=$("$dir/screen-text" "$dir/screen.ppm"); then
		grep -q 'It is now safe to switch off the machine' <<<"$text" ||
			{ echo "no halt message on the screen" >&2; status=1; }
	else
		echo "no screendump to read" >&2
		status=1
	fi
	rm -rf "$dir"
	return $status
}
job power.poweroff_without_acpi_halts --needs build.test check_cmd \
	power.poweroff_without_acpi_halts "$LOGS/power.poweroff_without_acpi_halts.log" \
	poweroff_without_acpi_halts

# Piped input reaches the shell under both firmwares, as make run and make run-uefi boot it:
# under UEFI, GRUB reads the serial port too, and scripts/qemu-run holds the input back until
# the kernel is up. After make.run_follows_cmdline: both remake build/test/kernel.iso.
run_piped() {
	local name=make.run_piped ok=1 target want status
	log=$LOGS/$name.log
	: >"$log"
	for target in run run-uefi; do
		want=no
		[ "$target" = run-uefi ] && want=yes
		echo "== make $target" >>"$log"
		printf 'bootinfo\npoweroff\n' |
			timeout "$TIMEOUT" make -s "$target" BUILD=build/test CMDLINE= MENU_TIMEOUT=0 2>&1 |
			tr -d '\r' >"$log.$target"
		status=${PIPESTATUS[1]}
		cat "$log.$target" >>"$log"
		if ! grep -q "^UEFI: $want\$" "$log.$target" || ! grep -q '^Power down' "$log.$target" ||
			[ "$status" != 0 ]; then
			echo "     $name: make $target: the piped bootinfo and poweroff did not run (status $status)"
			ok=0
		fi
		rm -f "$log.$target"
	done
	verdict "$name" "$ok" "$log"
}
job make.run_piped --needs build.test,build.novmap --after make.run_follows_cmdline run_piped

# The 640x480 framebuffer of 1 bit per pixel GRUB gives Bochs, here under QEMU: still a
# console on the screen (monochrome), from which the demo's end reads back.
job menu.demo.fb_640x480x1 --needs build.test,build.novmap demo_fb 640x480x1

# An indexed framebuffer of 8 bits per pixel, as VBE offers on old cards and Bochs: the console
# draws with the palette entries nearest its colours, and the demo's end reads back. GRUB 2.06
# crashes handing a multiboot2 kernel an 8 bpp mode (kernel/drivers/vbe_dispi.c), so GRUB sets
# 640x480x32 and the kernel switches the VGA to 8 bpp with a palette of its own (vbe_8bpp).
demo_fb8() {
	local name=menu.demo.fb_640x480x8 ok=1
	GFX=640x480x32 WORDS=vbe_8bpp menu_screen "$name" 1 '^demo: power the machine off when done\.$'
	[ "$screen_ok" = 1 ] || { echo "     $name: the screen never showed the demo's end"; ok=0; }
	check_lines "$name" "$log" '^vbe_8bpp: the 640x480 framebuffer switched to 8 bpp, 256 colours$' \
		'^fbcon: 640x480 framebuffer at 0x[0-9a-f]+, 8 bpp, pitch 640: 80x30 text$'
	check_lines "$name" "$screen" '^demo: summary: 8 crash tests, 8 caught and killed, 0 not caught$' \
		'^demo: the sibling counter counted through all of them \([0-9]+\)$' \
		'^demo: done: as expected for VMAP_STACK=y$'
	verdict "$name" "$ok" "$screen" "" 40
}
job menu.demo.fb_640x480x8 --needs build.test,build.novmap demo_fb8
