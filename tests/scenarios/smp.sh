# shellcheck shell=bash
# SMP from the shell: the CPUs listed, tasks and an overflow on chosen CPUs, and a panic that
# stops the other CPUs. (The in-kernel SMP suites run in ktest.smp.*.)

job smp.cpuinfo_lists_the_cpus --needs build.test cpuinfo_lists_the_cpus
cpuinfo_lists_the_cpus() {
	QEMU_ARGS="-smp 4 -machine q35" session smp.cpuinfo_lists_the_cpus "$K" 'cpuinfo\npoweroff\n' 0 \
		'^apic: local APIC at 0xfee00000 \(uncached\)' '^smp: 4 of 4 CPUs online$' \
		'^  CPU 0: APIC id 0, online \(boot CPU\)$' \
		'^  CPU 3: APIC id 3, online \(up in [0-9]+ us\), idle$' '^\$ cpuinfo$'
}

# Tasks on every CPU, from the shell: counters pinned on CPUs 0 and 2, an overflow on CPU 1
# reported as CPU 1's and killed, ps showing the CPUs (stacktorture over 4 CPUs: in ktest.smp.*.4,
# kill-only; the shell's may panic by policy when a victim overflows holding a lock). A host
# thread per CPU: ps must find CPU 2's counter started, which with all CPUs in one thread waits
# for CPU 2's turn (once, on a busy host, ps came first).
overflow_on_cpu_1() {
	TCG_THREAD=multi QEMU_ARGS="-smp 4 -machine $1" session "smp.$1.overflow_on_cpu_1_shell" "$K" \
		'spawn 1 0\nspawn 1 2\nlkdtm EXHAUST_STACK 1\nps\nmeminfo\necho alive\npoweroff\n' 0 \
		'^lkdtm: performing EXHAUST_STACK in a new task on CPU 1$' '^CPU: 1 PID: [0-9]+ Comm: lkdtm$' \
		'EXHAUST_STACK: pid [0-9]+ killed: kernel stack overflow' \
		'^ +[0-9]+ counter +(sleeping|runnable|running) +0! ' \
		'^ +[0-9]+ counter +(sleeping|runnable|running) +2! ' '^StackXCPU: +[0-9]+ ' '^alive$'
}
for machine in pc q35; do
	job "smp.$machine.overflow_on_cpu_1_shell" --needs build.test overflow_on_cpu_1 "$machine"
done

# A panic on one CPU stops the others with an NMI (they print with interrupts off, so nothing
# else reaches them) and prints alone: no other CPU's line between its first and last line.
panic_alone() {
	local name=$1 cpus=$2 ok=1 foreign
	boot "$name" "$K" "" 'lkdtm PANIC_SMP\n' -smp "$cpus"
	[ "$status" -eq 1 ] || { echo "     $name: exit status $status, expected 1"; ok=0; }
	if ! grep -qE "^Kernel panic - not syncing: lkdtm: panic while $((cpus - 1)) other CPUs" "$log" ||
		! grep -q '^lkdtm: chatter from CPU' "$log"; then
		echo "     $name: no chatter, or no panic naming $((cpus - 1)) other CPUs"
		ok=0
	fi
	foreign=$(sed -n '/^Kernel panic - not syncing/,/^---\[ end Kernel panic/p' "$log" |
		grep -c 'chatter')
	[ "$foreign" -eq 0 ] || { echo "     $name: $foreign lines of other CPUs inside the panic"; ok=0; }
	verdict "$name" "$ok" "$log"
}
for cpus in 2 4; do
	job "smp.panic_stops_the_other_cpus.$cpus" --needs build.test \
		panic_alone "smp.panic_stops_the_other_cpus.$cpus" "$cpus"
done

# Many CPUs, all in one host thread (TCG_THREAD=single: on 2 host cores several times faster than
# a thread per CPU). 64 come up on both machines, cpuinfo lists every one, and an overflow on the last
# (CPU 63) kills only its task while counters pinned on CPUs 0 and 62 go on.
overflow_on_cpu_63() {
	TCG_THREAD=single QEMU_ARGS="-smp 64 -machine $1 ${2:-}" session "smp.$1.64.overflow_on_cpu_63_shell" "$K" \
		'spawn 1 0\nspawn 1 62\nlkdtm EXHAUST_STACK 63\nps\ncpuinfo\necho alive\npoweroff\n' 0 \
		'^smp: 64 of 64 CPUs online$' '^  CPU 63: APIC id 63, online \(up in [0-9]+ us\)' \
		'^lkdtm: performing EXHAUST_STACK in a new task on CPU 63$' \
		'^CPU: 63 PID: [0-9]+ Comm: lkdtm$' \
		'EXHAUST_STACK: pid [0-9]+ killed: kernel stack overflow' \
		'^ +[0-9]+ counter +(sleeping|runnable|running) +0! ' \
		'^ +[0-9]+ counter +(sleeping|runnable|running) +62! ' '^alive$'
}
# q35 runs under -icount, as the counted figures do (make bench ICOUNT=1): there a wait that
# spins with pause costs a pass over all 64 vCPUs per turn, and the boot once never finished.
job smp.pc.64.overflow_on_cpu_63_shell --needs build.test overflow_on_cpu_63 pc
job smp.q35.64.overflow_on_cpu_63_shell --needs build.test \
	overflow_on_cpu_63 q35 "-icount shift=0,sleep=off"

# More CPUs than NR_CPUS (64): the boot line says how many the firmware lists and how many came
# up, and the kernel runs on those.
job smp.q35.255.more_cpus_than_nr_cpus --needs build.test more_cpus_than_nr_cpus
more_cpus_than_nr_cpus() {
	TCG_THREAD=single QEMU_ARGS="-smp 255 -machine q35" session smp.q35.255.more_cpus_than_nr_cpus "$K" \
		'cpuinfo\necho alive\npoweroff\n' 0 \
		'^smp: more than 64 CPUs: APIC id 64 and later are left out$' \
		'^smp: 255 CPUs listed, 64 brought up \(NR_CPUS=64\)$' \
		'^  CPU 63: APIC id 63, online \(up in [0-9]+ us\)' '^alive$'
}
