# shellcheck shell=bash
# The stack torture, and the benchmarks: the counted figures held to their baseline, every
# figure of a smoke run well-formed, the bench command, and the SMP task figures.

# 100 overflows at random points (a fixed seed: the same programs every run; `make torture`
# runs 1,000). Each must end in a kill that leaves the system whole, or in a panic with the
# policy's reason, after which scripts/torture boots again.
job torture.stack_overflows_leave_the_system_whole --first --needs build.test \
	eval 'TORTURE_KERNEL=$K check_cmd torture.stack_overflows_leave_the_system_whole "$LOGS/torture.log" scripts/torture 100 0x5eed'

# The regression gate: exact instruction counts (QEMU -icount) against tests/bench-baseline.txt.
job bench.gate_counts_within_2_percent --needs build.test bench_gate
bench_gate() {
	if scripts/bench-gate "$(dirname "$K")" >"$LOGS/bench.gate.log" 2>&1; then
		pass
		echo "ok   bench.gate_counts_within_2_percent ($(tail -n 1 "$LOGS/bench.gate.log" |
			sed 's/^bench-gate: //'))"
	else
		fail bench.gate_counts_within_2_percent
		grep -E 'FAIL|failed|baseline:|now:|no ' "$LOGS/bench.gate.log" | sed 's/^/     /'
	fi
}

# bench_smoke NAME ELF: boot with bench=smoke. Every figure of the plan must print one
# well-formed line, each name once, and the run must end cleanly; timings are not checked.
BENCH_LINE='^bench: [a-z0-9_]+ median_cycles=[0-9]+ median_ns=[0-9]+ min=[0-9]+ max=[0-9]+ runs=[0-9]+$'
bench_smoke() {
	local name=$1 elf=$2 planned good bad dups ok=1
	boot "$name" "$elf" "bench=smoke" ""
	planned=$(sed -n 's/^bench-plan: \([0-9]*\) figures$/\1/p' "$log")
	good=$(grep -cE "$BENCH_LINE" "$log")
	bad=$(grep '^bench: ' "$log" | grep -cvE "$BENCH_LINE")
	dups=$(grep -E "$BENCH_LINE" "$log" | awk '{print $2}' | sort | uniq -d | tr '\n' ' ')
	if [ "$status" -ne 0 ] || [ -z "$planned" ] || [ "$planned" -lt 10 ] ||
		[ "$good" -ne "$planned" ] || [ "$bad" -ne 0 ] || [ -n "$dups" ] ||
		! grep -qE '^bench-config: accel=(TCG|KVM) vmap_stack=[yn] ' "$log" ||
		! grep -qE "^bench-done: $planned figures, 0 failed$" "$log"; then
		echo "     $name: status $status, plan ${planned:-none}, $good well-formed lines," \
			"$bad malformed, repeated: ${dups:-none}"
		ok=0
	fi
	verdict "$name" "$ok" "$log" "($good figures)"
}
job bench.smoke --needs build.test bench_smoke bench.smoke "$K"
job bench.smoke.novmap --needs build.novmap bench_smoke bench.smoke.novmap "$N"
job bench.shell --needs build.test session bench.shell "$K" \
	'bench list\nbench smoke context_switch\nbench nomatch\nbench a b c\npoweroff\n' 0 \
	'^  stack_alloc_free_cached$' '^bench: context_switch median_cycles=[0-9]+ ' \
	'^bench-done: 1 figures, 0 failed$' "bench: no figure matches 'nomatch'" \
	'^usage: bench '
# The SMP task figures (kernel/debug/bench_smp.c) run on 2 CPUs without failing, and the stack
# cache hit rates come out as the caches must behave: they count allocations, not time.
bench_smp() {
	QEMU_ARGS="-smp 2" session bench.smp_busy_and_stack_cache_hits "$K" \
		'bench smoke task_create_exit_reap_busy*\npoweroff\n' 0 \
		'^bench: task_create_exit_reap_busy1 median_cycles=[0-9]+ ' \
		'^bench: task_create_exit_reap_busy2 median_cycles=[0-9]+ ' \
		'^bench: task_create_exit_reap_busy_cpus2 median_cycles=[0-9]+ ' \
		'^bench-done: 3 figures, 0 failed$' \
		'^bench-count: stack_cache_hit_rate_same_cpu cpus=2 hit_pct=100 hits=64 allocs=64 cross_cpu_frees=0$' \
		'^bench-count: stack_cache_hit_rate_other_cpu cpus=2 hit_pct=0 hits=0 allocs=64 cross_cpu_frees=64$' \
		'^bench-count: stack_cache_hit_rate_both_ways cpus=2 hit_pct=100 hits=64 allocs=64 cross_cpu_frees=64$'
}
job bench.smp_busy_and_stack_cache_hits --needs build.test bench_smp
# make bench's default machine has 2 CPUs. There, the vmalloc figures in full (1,001 runs each:
# a vfree() with interrupts off cannot purge, and 64-page areas once filled the 256 MiB), and the
# context switch, whose partner must stay on the timed task's CPU.
bench_smp2() {
	QEMU_ARGS="-smp 2" session bench.smp2_vmalloc_and_switch "$K" \
		'bench vmalloc*\nbench context_switch\npoweroff\n' 0 \
		'^bench: vmalloc_vfree_64p median_cycles=[0-9]+ ' '^bench-done: 3 figures, 0 failed$' \
		'^bench: context_switch median_cycles=[0-9]+ ' '^bench-done: 1 figures, 0 failed$'
}
job bench.smp2_vmalloc_and_switch --needs build.test bench_smp2
