# shellcheck shell=bash
# What scripts/run-tests and scripts/grade share: boot a kernel in QEMU with input typed on the
# serial port, and judge what it printed. Sourced, not run.

# A machine of several CPUs runs them all in one host thread (scripts/qemu-run's TCG_THREAD) unless
# the caller asks for a thread per CPU (TCG_THREAD=multi, QEMU's own default). With a thread each,
# a CPU that spins waiting for another burns host CPU while the other waits for a host core: the
# whole suite on 4 CPUs took 17 s of CPU on an idle 2-core host and 32 s on a busy one, against
# 11 s in one thread either way, so a verdict's cost no longer depends on how busy the host is.
# The runs that are there to find races ask for multi (tests/scenarios/ktest.sh), and a shell
# session that needs every CPU running at once (smp.sh).
export TCG_THREAD=${TCG_THREAD:-single}

# iso_for ELF CMDLINE: make (once) an ISO of this kernel with this command line, and print its
# path. ISOs are kept in ISO_CACHE (default build/iso-cache), named after what went into them -
# the kernel, its initrd, the command line and MKISO_ARGS - so that the many boots of the same
# kernel with the same command line (every shell session) share one: grub-mkrescue takes half a
# second of CPU. Parallel jobs may make the same one at once: each writes its own file first.
iso_for() {
	local elf=$1 cmdline=$2 dir=${ISO_CACHE:-build/iso-cache} key iso tmp out
	key=$({
		sha1sum "$elf" "$(dirname "$elf")/initrd.cpio" 2>/dev/null | cut -c1-40
		printf '%s\n%s\n' "$cmdline" "${MKISO_ARGS:-}"
	} | sha1sum | cut -c1-16)
	iso=$dir/$key.iso
	if [ ! -f "$iso" ]; then
		mkdir -p "$dir"
		tmp=$iso.$BASHPID.tmp
		# shellcheck disable=SC2086
		if ! out=$(scripts/mkiso ${MKISO_ARGS:-} "$elf" "$tmp" "$cmdline" 2>&1); then
			echo "$out"
			rm -f "$tmp"
			return 1
		fi
		mv "$tmp" "$iso"
	fi
	echo "$iso"
}

# boot_image ELF CMDLINE: what scripts/qemu-run is to boot, in image. Tests boot the ELF itself
# through QEMU's -kernel and the PVH entry (boot/pvh.h), with the command line in QEMU_CMDLINE:
# no GRUB and no ISO, about 1.4 s of CPU less per boot. QEMU_BOOT=grub, UEFI=1 (OVMF boots no
# PVH kernel) or MKISO_ARGS take the way a user's machine does: an ISO from iso_for, GRUB,
# multiboot2. Returns 1 with the reason in image if there is no ISO.
boot_image() {
	local elf=$1 cmdline=$2
	if [ "${QEMU_BOOT:-pvh}" = pvh ] && [ "${UEFI:-0}" != 1 ] && [ -z "${MKISO_ARGS:-}" ]; then
		image=$elf
		export QEMU_CMDLINE=$cmdline
		return 0
	fi
	image=$(iso_for "$elf" "$cmdline") && return 0
	# Seen once in a long while: say so, keep its output, and try once more.
	echo "boot_image: note: scripts/mkiso failed ($(echo "$image" | tail -n 1)); trying again" >&2
	image=$(iso_for "$elf" "$cmdline")
}

# qemu_boot ELF CMDLINE INPUT LOG [QEMU options...]: boot ELF with this kernel command line
# (boot_image) and INPUT (printf %b escapes) typed on the serial port, and keep the console,
# without carriage returns, in LOG. Sets status: scripts/qemu-run's (0 powered off, 1 panic or
# failed tests, 2 CPU reset), 124 if it ran past QEMU_TIMEOUT seconds (default 180), 99 if no
# ISO. MKISO_ARGS, if set, are options for scripts/mkiso (e.g. -i FILE: another initrd).
qemu_boot() {
	local elf=$1 cmdline=$2 input=$3 out=$4 image
	shift 4
	if ! boot_image "$elf" "$cmdline"; then
		echo "$image" >"$out"
		status=99
		return
	fi
	# No NUL bytes: a kernel that leaks its memory to the console (lab 7's wrong solutions) would
	# make the log binary to grep and to bash. Stripped from the whole file once QEMU is done:
	# tr on the pipe made a system call of each line.
	: >"$out"
	# A PVH boot has its console on the serial port: no VGA card, whose option ROM was a quarter
	# of such a boot's CPU (SeaBIOS runs it; GRUB's and OVMF's boots keep their card).
	local -a vga=()
	[ "$image" != "$elf" ] || vga=(-vga none)
	printf '%b' "$input" | timeout "${QEMU_TIMEOUT:-180}" scripts/qemu-run "$image" "${vga[@]}" \
		"$@" >"$out.raw" 2>&1
	status=${PIPESTATUS[1]}
	[ "$status" -ne 124 ] || kill_writers "$out.raw"
	tr -d '\r\000' <"$out.raw" >"$out"
	rm -f "$out.raw"
}

# kill_writers FILE: SIGKILL every process whose output is FILE. After a timeout: QEMU may not
# honour timeout's SIGTERM (seen: a guest of 255 CPUs in one host thread, spinning, ran on
# orphaned for 20 minutes after its test had failed, and took a core from what ran next).
kill_writers() {
	local p f
	f=$(realpath "$1") || return 0
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/fd/1" 2>/dev/null)" != "$f" ] || kill -KILL "${p#/proc/}" 2>/dev/null
	done
}

# tap_count LOG: the TAP (KTAP) results in LOG: sets tap_ok (passed), tap_skip ("ok N name
# # SKIP why": ran nothing, so never a pass), tap_notok and tap_plan (empty if no plan line).
tap_count() {
	tap_log=$1
	tap_skip=$(grep -aciE '^ok [0-9]+ .*# SKIP' "$1")
	tap_ok=$(($(grep -acE '^ok [0-9]+' "$1") - tap_skip))
	tap_notok=$(grep -acE '^not ok [0-9]+' "$1")
	tap_plan=$(grep -a -m1 -oE '^1\.\.[0-9]+' "$1" | cut -d. -f3)
}

# tap_problem: after tap_count on a boot's log and with that boot's $status, why the run is not
# a complete pass of its plan; prints nothing if it is. A "not ok" line is a problem of its own,
# reported by the caller.
tap_problem() {
	if [ "$status" -eq 124 ]; then
		echo "timed out after ${QEMU_TIMEOUT:-180}s"
	elif [ "$status" -eq 99 ]; then
		echo "could not make an ISO (scripts/mkiso)"
	elif [ -z "$tap_plan" ]; then
		echo "no KTAP plan (QEMU exit status $status)"
	elif [ $((tap_ok + tap_skip + tap_notok)) -ne "$tap_plan" ]; then
		echo "plan 1..$tap_plan but $((tap_ok + tap_skip + tap_notok)) results$(tap_died)" \
			"(QEMU exit status $status)"
	elif [ "$status" -ne 0 ] && [ "$tap_notok" -eq 0 ]; then
		echo "all tests ok but QEMU exit status $status"
	fi
}

# tap_died: after tap_count, ", died in NAME" if its log's last "# running NAME" has no result
# line after it (the kernel stopped inside that test); else nothing.
tap_died() {
	local name
	name=$(tap_running "$tap_log")
	[ -z "$name" ] || printf ', died in %s' "$name"
}

# tap_running LOG: the test that was running when LOG ends: the last "# running NAME" with no
# "ok N NAME" or "not ok N NAME" after it.
tap_running() {
	awk '/^# running / { name = $3 }
	     /^ok [0-9]+ / && $3 == name { name = "" }
	     /^not ok [0-9]+ / && $4 == name { name = "" }
	     END { print name }' "$1"
}

# missing_lines LOG RE...: each extended regular expression that no line of LOG matches.
missing_lines() {
	local out=$1 re
	shift
	for re; do
		grep -aqE -- "$re" "$out" || echo "$re"
	done
}
