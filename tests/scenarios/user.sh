# shellcheck shell=bash
# User processes from the shell (the programs of user/, in the initrd): each way a program can
# end, said the way run says it; an attacker overrunning its kernel stack next to a victim;
# Ctrl-C; fuzzed system calls; the review's attacks. Needs the programs: skipped in a tree
# without them.
[ -f user/hello.c ] || return 0

# The same boot shows stack erasing at work (user/stackleak.c): a secret left deep on the kernel
# stack by one system call does not come out of an uninitialised buffer copied by the next -
# mostly poison does (a timer interrupt or a preemption inside the reading call writes its own
# frames, tens of words, where the buffer will be: seen once in a loaded CI run) - and lkdtm
# STACKLEAK_ERASING finds the stack below RSP all poison.
job user.run --needs build.test session user.run "$K" \
	'run hello a b\nrun exit42\nrun segv\nrun stackoverflow\nrun recurse 10\nrun recurse 100000\nrun nosuch\nrun stackleak\nlkdtm STACKLEAK_ERASING\nps\necho still alive\npoweroff\n' 0 \
	'^user: kernel stack erasing on return to user mode: on$' \
	'^stackleak: 256 words read: (1[6-9][0-9]|2[0-5][0-9]) poison \(0xffffffffffff4111\), ' \
	'^stackleak: no secret leaked' '^stackleak \(pid [0-9]+\): exited with 0$' \
	'^OK: the rest of the thread stack is properly erased$' \
	'^lkdtm: STACKLEAK_ERASING: pid [0-9]+ exited with 0 \(status 0x0\)$' \
	'^hello: argv\[2\] = b$' '^hello \(pid [0-9]+\): exited with 0$' \
	'^exit42 \(pid [0-9]+\): exited with 42$' \
	'^segv\[[0-9]+\]: segfault at 0 ip [0-9a-f]{16} sp [0-9a-f]{16} error 6$' \
	'^segv \(pid [0-9]+\): killed: segfault$' \
	'^stackoverflow \(pid [0-9]+\): killed: segfault$' \
	'^recurse \(pid [0-9]+\): exited with 0$' '^BUG: TASK stack guard page was hit' \
	'^recurse \(pid [0-9]+\): killed: kernel stack overflow$' \
	"^run: no program 'nosuch'" '^still alive$'

# clobber starts a victim, then overruns its own kernel stack by a few KiB in SYS_recurse. With
# guard pages it is killed at once and the victim finishes; without, the system call returns as
# if nothing happened and the damage shows only at the next schedule, as a panic (the
# stack-end canary), taking every process down.
# The same boot with the random stack offset per system call off (and a bad value first, which is
# reported and changes nothing): stackentropy's 1,000 samples of REPORT_STACK all agree, 0 bits.
# With it on (user.fuzz_and_spawnloop) they must show 6 bits or more, as Linux's selftest wants.
clobber_offset_off() {
	local name=user.clobber_caught_at_once ok=1
	boot "$name" "$K" "randomize_kstack_offset=maybe randomize_kstack_offset=off" \
		'run clobber 70\nrun stackentropy\necho still alive\npoweroff\n'
	[ "$status" -eq 0 ] || { echo "     $name: exit status $status, expected 0"; ok=0; }
	check_lines "$name" "$log" '^BUG: TASK stack guard page was hit' \
		'^clobber \(pid [0-9]+\): killed: kernel stack overflow$' \
		'cmdline: randomize_kstack_offset=maybe is not on or off; it stays on$' \
		'^stackentropy: 1000 samples, 1 different offsets' '^Bits of stack entropy: 0\.00$' \
		'^stackentropy \(pid [0-9]+\): exited with 0$' '^still alive$'
	verdict "$name" "$ok" "$log"
}
job user.clobber_caught_at_once --needs build.test clobber_offset_off
# Without guards, with the random stack offset off, so that the frames lie the same way every
# boot: the check reads one word, STACK_END_MAGIC, and in one run of a CI pair the overrun went
# unseen (the word intact, the machine running on), likely where a frame's unwritten padding
# fell on it for that boot's offset. 16 boots with the offset did not show it again.
job novmap.user_clobber_caught_late --needs build.novmap clobber_novmap
clobber_novmap() {
	local name=novmap.user_clobber_caught_late ok=1
	boot "$name" "$N" "randomize_kstack_offset=off" 'run clobber 70\n'
	[ "$status" -eq 1 ] || { echo "     $name: exit status $status, expected 1"; ok=0; }
	check_lines "$name" "$log" '^clobber: the kernel came back: 70$' \
		'^Kernel panic - not syncing: corrupted stack end detected inside scheduler \(task clobber'
	verdict "$name" "$ok" "$log"
}

# Ctrl-C while run waits ends the program (here one that yields forever), as in a terminal:
# typed once the program prints, and typed ahead with the command line (for spawnloop, and so
# its child).
job user.ctrl_c_ends_the_running_program --needs build.test \
	dialogue user.ctrl_c_ends_the_running_program "$K" '? ^\$ ' '> run sibling 0 0\n' \
	'? ^sibling 3' '> \003' '? ^sibling \(pid [0-9]+\): killed' \
	'> run spawnloop 1 sibling 0 0\n\003' '? ^spawnloop \(pid [0-9]+\): killed' \
	'> echo still alive\npoweroff\n' '? ^Power down' -- \
	'^\^C$' '^sibling \(pid [0-9]+\): killed$' '^spawnloop \(pid [0-9]+\): killed$' \
	'^still alive$'
job user.fuzz_and_spawnloop --needs build.test session user.fuzz_and_spawnloop "$K" \
	'run spawnloop 200\nrun fuzz 1 3000\nrun fuzz 2 3000\nrun badptr\nrun stackentropy\necho still alive\npoweroff\n' 0 \
	'^spawnloop \(pid [0-9]+\): exited with 0$' '^fuzz \(pid [0-9]+\): exited with 0$' \
	'^badptr: [0-9]+ checks, 0 failed$' '^badptr \(pid [0-9]+\): exited with 0$' \
	'^Bits of stack entropy: [6-9]\.[0-9]{2}$' '^stackentropy \(pid [0-9]+\): exited with 0$' \
	'^still alive$'
# NT set in ring 3 across a yielding system call must not leak into the kernel (an iretq with
# NT #GPs); x87/MMX registers, which no switch saves, must not carry one process's values to
# the next (CR0.EM: the program is killed instead). Then every case of attack's table, each in a
# child that must end as the table says (attack -a): killed, or its checks passed.
job user.review_attacks --needs build.test session user.review_attacks "$K" \
	'run ntflag 50\nrun attack x87 1\nrun attack -h\nrun attack -a\necho still alive\npoweroff\n' 0 \
	'^ntflag \(pid [0-9]+\): exited with 0$' \
	'^attack\[[0-9]+\]: invalid opcode ip' \
	'^  recurse +the kernel recurses 0, 1, then ~0 times: its stack overflows: killed$' \
	'^attack: ptrs: ok$' '^attack: wait: ok$' \
	'^attack\[[0-9]+\]: segfault at [0-9a-f]+ ip [0-9a-f]{16} sp [0-9a-f]{16} error 6$' \
	'^attack\[[0-9]+\]: general protection fault ip' \
	'^attack -a: [0-9]+ cases, 0 failed$' '^attack \(pid [0-9]+\): exited with 0$' '^still alive$'

# A program's write() and the kernel's report lines on two CPUs: each line whole (user output
# goes through printk's lock too), here 40 segfault reports while a child writes 3000 lines.
write_vs_report() {
	local name=user.review_write_vs_report ok=1 reports chatter
	boot "$name" "$K" "" 'run attack mixed\necho still alive\npoweroff\n' -smp 2
	reports=$(grep -acE '^segv\[[0-9]+\]: segfault at 0 ip [0-9a-f]{16} sp [0-9a-f]{16} error 6$' "$log")
	chatter=$(grep -acxF 'chatter: 0123456789abcdefghijklmnopqrstuvwxyz0123456789' "$log")
	if [ "$status" -ne 0 ] || [ "$reports" -ne 40 ] || [ "$chatter" -ne 3000 ]; then
		echo "     $name: status $status, $reports of 40 reports and $chatter of 3000 lines whole"
		ok=0
	fi
	verdict "$name" "$ok" "$log"
}
job user.review_write_vs_report --needs build.test write_vs_report

# With kstack_erase=off the same program prints the secret, and lkdtm STACKLEAK_ERASING fails.
stackleak_erasing_off() {
	local name=user.stackleak_erasing_off ok=1
	boot "$name" "$K" "kstack_erase=off" 'run stackleak\nlkdtm STACKLEAK_ERASING\npoweroff\n'
	if [ "$status" -ne 0 ]; then
		echo "     $name: exit status $status, expected 0"
		ok=0
	fi
	check_lines "$name" "$log" '^user: kernel stack erasing on return to user mode: off' \
		'^stackleak: LEAKED the secret: "the vault code is 4711; "$' \
		'^stackleak \(pid [0-9]+\): exited with 1$' \
		'^FAIL: the thread stack is NOT properly erased!$' \
		'^lkdtm: STACKLEAK_ERASING: pid [0-9]+ exited with 1 \(status 0x100\)$'
	verdict "$name" "$ok" "$log"
}
job user.stackleak_erasing_off --needs build.test stackleak_erasing_off
