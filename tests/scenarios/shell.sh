# shellcheck shell=bash
# The shell and the machine around it: commands, bad input, power-off and reset, the initrd,
# make run's command line, and the gdb helpers against a live kernel.

job acpi.poweroff --needs build.test eval 'EXIT_DEVICE=0 session acpi.poweroff "$K" "poweroff\n" 0 "^acpi: PM1a_CNT 0x[0-9a-f]+, S5" "^Power down\.$"'
# reboot resets the machine: under -no-reboot QEMU then exits as after any reset (status 2).
job reboot.resets --needs build.test session reboot.resets "$K" 'reboot\n' 2 '^Restarting system\.$'

job shell.basic --needs build.test session shell.basic "$K" \
	'help\necho hello, world\nuptime\npoweroff\n' 0 \
	'^vmstack [0-9.]+: a teaching kernel' '^  help ' '^hello, world$' '^up [0-9]+\.[0-9]+ s' \
	'^Power down\.$'
job shell.fail_injection --needs build.test session shell.fail_injection "$K" \
	'fail 1\nspawn 1\nfail\nspawn 1\nfail x\npoweroff\n' 0 \
	'^fail: allocation 1 from now will fail$' '^spawn: out of memory after 0 tasks$' \
	'^fail: 1 allocations made to fail since boot$' '^started pid [0-9]+$' '^usage: fail <n>'
job shell.bad_input --needs build.test session shell.bad_input "$K" \
	"nosuchcmd\n$(head -c 10240 /dev/zero | tr '\0' a)\nab\x01cd\n\xc3\xa9t\xc3\xa9\n\x1b[Cecho still alive\npoweroff\n" 0 \
	"unknown command 'nosuchcmd'" 'line ignored: 10240 bytes is too long' \
	'line ignored: it contains the control byte 0x01' \
	'line ignored: it contains the non-ASCII byte 0xc3' '^still alive$'

# The initrd: ls lists the programs GRUB loaded; a truncated archive is reported at boot and the
# shell carries on without it.
job initrd.ls --needs build.test session initrd.ls "$K" 'bootinfo\nls\nls x\npoweroff\n' 0 \
	"^module 0: 0x[0-9a-f]+-0x[0-9a-f]+, [0-9]+ bytes, 'initrd'$" \
	'^initrd: [0-9]+ files, [0-9]+ bytes$' '^  hello +[0-9]+ bytes$' '^  exit42 +[0-9]+ bytes$' \
	'^[0-9]+ files$' '^usage: ls'
initrd_truncated() {
	mkdir -p build/test-iso
	head -c 5000 "$(dirname "$K")/initrd.cpio" >build/test-iso/truncated.cpio
	MKISO_ARGS="-i build/test-iso/truncated.cpio" session initrd.truncated_module "$K" \
		'ls\necho still alive\npoweroff\n' 0 \
		'^initrd: malformed archive \(5000 bytes\): .*runs past the end.*; not used$' \
		'^ls: the initrd is empty or missing' '^still alive$'
}
job initrd.truncated_module --needs build.test initrd_truncated

# `make run` twice with different command lines: each boot must see its own (the ISO used to
# be kept from the first run, with the old command line). In make test's own build directory,
# where both kernels are built already: only the ISO is made again. The menu does not wait.
run_follows_cmdline() {
	local name=make.run_follows_cmdline ok=1 cl
	log=$LOGS/$name.log
	: >"$log"
	for cl in loglevel=7 loglevel=8; do
		printf 'bootinfo\npoweroff\n' |
			timeout "$TIMEOUT" make -s run BUILD=build/test CMDLINE="$cl" MENU_TIMEOUT=0 2>&1 | tr -d '\r' >>"$log"
		if ! grep -q "^command line: $cl\$" "$log"; then
			echo "     $name: the boot after make run CMDLINE=$cl did not see it"
			ok=0
		fi
	done
	verdict "$name" "$ok" "$log"
}
job make.run_follows_cmdline --needs build.test,build.novmap run_follows_cmdline

# The gdb helpers (scripts/gdb/vmstack.py) against a live kernel, as `make debug` runs it:
# QEMU halted with its gdb stub (on a socket here, not :1234, which a developer may be using),
# gdb stops the kernel in cmd_help once the counters sleep and lkdtm has run, then runs every
# helper.
gdb_helpers() {
	local name=gdb.helpers sock=build/test-iso/gdb.sock iso qpid ok=1 pat i
	if ! command -v gdb >/dev/null; then
		# scripts/install-deps installs it: its absence is a broken setup, not a reason to skip.
		fail "$name: gdb is not installed (apt-get install gdb)"
		return 0
	fi
	log=$LOGS/$name.log
	mkdir -p build/test-iso
	iso=$(iso_for "$K" "") || { fail "$name: mkiso: $iso"; return; }
	rm -f "$sock"
	printf 'spawn 2\nlkdtm STACK_GUARD_PAGE_LEADING\nhelp\n' |
		timeout $((TIMEOUT + 30)) scripts/qemu-run "$iso" -S -gdb "unix:$sock,server=on,wait=off" \
			>"$LOGS/$name.console.log" 2>&1 &
	qpid=$!
	# Wait for QEMU's socket (a state), however long a loaded machine takes to start QEMU.
	for ((i = 0; i < TIMEOUT * 10; i++)); do
		[ -S "$sock" ] || ! kill -0 "$qpid" 2>/dev/null && break
		sleep 0.1
	done
	timeout "$TIMEOUT" gdb -q -batch -nx -x scripts/gdb/vmstack.py -ex "target remote $sock" \
		-ex 'hbreak cmd_help' -ex continue -ex vmstack-tasks -ex 'vmstack-regs 2' \
		-ex 'vmstack-bt 2' -ex 'vmstack-bt 1' -ex 'vmstack-pagewalk 0xffff888000123456' \
		-ex 'vmstack-pagewalk $rsp' -ex 'vmstack-pagewalk 0x1000' -ex kill "$K" >"$log" 2>&1
	kill "$qpid" 2>/dev/null
	wait "$qpid" 2>/dev/null
	while read -r pat; do
		echo "     $name: no line matches /$pat/"
		ok=0
	done < <(missing_lines "$log" '^vmstack: gdb helpers loaded' 'Breakpoint 1, cmd_help' \
		'^\*   1 init +running +ffffc900[0-9a-f]{8}-ffffc900[0-9a-f]{8} +16K 4K\+4K +running: rsp ' \
		'^    2 counter +(sleeping|runnable) +[0-9a-f]{16}-[0-9a-f]{16} +16K 4K\+4K +ffffc900[0-9a-f]{8}$' \
		'^  rbp ffffc900[0-9a-f]{8} +\[rsp\+40\]$' \
		'^  rip [0-9a-f]{16} +\[rsp\+48\] return address: __schedule\+0x[0-9a-f]+ \(kernel/sched.c:' \
		'^  #1  [0-9a-f]{16} sleep_ms\+0x' '^  #2  [0-9a-f]{16} counter_task\+0x' \
		'^  #[0-9]+ +[0-9a-f]{16} kthread_start\+0x' '^  #0  [0-9a-f]{16} cmd_help\+0x0 ' \
		'^  #1  [0-9a-f]{16} shell_run\+0x' '^  -> physical 0x123456 \(2 MiB page\)$' \
		'^  PT +\[ *[0-9]+\] in table 0x[0-9a-f]+: [0-9a-f]{16} P W S A D G NX$' \
		'^  -> physical 0x[0-9a-f]+ \(4 KiB page\)$' '^  -> not mapped \(a fault on access\)$')
	if grep -qE '^(Python Exception|Error occurred)' "$log"; then
		echo "     $name: $(grep -m1 -E '^(Python Exception|Error occurred)' "$log")"
		ok=0
	fi
	verdict "$name" "$ok" "$log" "" 40
}
job gdb.helpers --needs build.test gdb_helpers
