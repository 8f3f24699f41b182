#!/bin/sh
# scripts/bench-plot's reading of bench logs, without gnuplot (--data): the numbers each plot is
# drawn from, taken from two small made-up logs, and the logs it must refuse. TAP output.
set -u
cd "$(dirname "$0")/.." || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0
echo "1..8"

ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=1
	fi
}

# A counted log of CPU count $1 whose figures are offset by $2 (so each number says where it
# came from). The lines a real log has around them are left in: the parser must skip them.
log() {
	c=$1
	d=$2
	cat <<EOF
vmstack: booting
bench-config: accel=TCG vmap_stack=y thread_size=16384 guard_pages=1 nr_cached_stacks=2 tsc_khz=1000000 mode=full clock=instructions
bench-plan: 20 figures
bench: memset_16k instructions=16401 min=16401 max=16401 runs=1001
bench: stack_alloc_free_cached instructions=$((4600 + d)) min=491 max=4615 runs=1001
bench: stack_alloc_free_uncached instructions=$((17700 + d)) min=17722 max=21638 runs=1001
bench: order2_alloc_free instructions=$((16800 + d)) min=16869 max=16869 runs=1001
bench: tlb_shootdown_1p_cpus$c instructions=$((40 + d)) min=1 max=99 runs=1001
bench: stack_alloc_uncached_live10 instructions=$((17200 + d)) min=1 max=99 runs=1001
bench: stack_free_uncached_live10 instructions=$((300 + d)) min=1 max=99 runs=1001
bench: stack_purge_one_live10 instructions=$((700 + d)) min=1 max=99 runs=1001
bench: stack_alloc_uncached_live1000 instructions=$((17600 + d)) min=1 max=99 runs=1001
bench: stack_free_uncached_live1000 instructions=$((310 + d)) min=1 max=99 runs=1001
bench: stack_purge_one_live1000 instructions=$((900 + d)) min=1 max=99 runs=1001
bench: stack_alloc_uncached_live10000 instructions=$((18000 + d)) min=1 max=99 runs=1001
bench: stack_free_uncached_live10000 instructions=$((320 + d)) min=1 max=99 runs=1001
bench: stack_purge_one_live10000 instructions=$((1200 + d)) min=1 max=99 runs=1001
bench-count: per_1000_stack_frees cpus=$c purges_uncached=$((125 / c)) shootdowns_uncached=$((c > 1 ? 125 / c : 0)) purges_cached=0 shootdowns_cached=0
bench: stack_vfree_immediate_cpus$c instructions=$((2000 + d)) min=1 max=99 runs=51
bench: stack_vfree_lazy_cpus$c instructions=$((1700 + d)) min=1 max=99 runs=51
memset_16k                              16401      16402        16401        16401      16402      16402  1001
bench-done: 20 figures, 0 failed
EOF
}

# Named against their CPU counts on purpose: the count must come from inside the log.
mkdir "$tmp/logs" "$tmp/out"
log 4 3 >"$tmp/logs/a.log"
log 1 0 >"$tmp/logs/b.log"
OUT=$tmp/out scripts/bench-plot --data "$tmp/logs" >"$tmp/out.txt" 2>&1
ok $? "two counted logs are read"

expect() {
	grep -v '^#' "$tmp/out/$1" >"$tmp/got"
	if printf '%s\n' "$2" | cmp -s - "$tmp/got"; then
		ok 0 "$1 holds $3"
	else
		ok 1 "$1 holds $3"
		sed 's/^/# got: /' "$tmp/got"
	fi
}
expect bench-live-stacks.dat "10 799 300 700 17200 16401
1000 1199 310 900 17600 16401
10000 1599 320 1200 18000 16401" "the 1-CPU live-stack figures, alloc above the floor"
expect bench-purges.dat "1 125 0 0 0
4 31 31 0 0" "the bench-count lines, ordered by CPUs"
expect bench-stack-paths.dat "1 4600 17700 16800 16401
4 4603 17703 16803 16401" "cached, uncached, order-2 and the floor per CPU count"

# Refused, with a message naming why: a timed log (its numbers are cycles, not instructions), a
# log missing a figure a plot needs, two logs of one CPU count, logs of two different kernels.
refused() {
	! OUT=$tmp/out scripts/bench-plot --data "$tmp/logs" >"$tmp/out.txt" 2>&1 &&
		grep -q "$1" "$tmp/out.txt"
}
log 4 3 | sed 's/clock=instructions/clock=tsc/' >"$tmp/logs/a.log"
refused 'a.log: not a counted run'
ok $? "a log that was not counted is refused"
log 4 3 | grep -v stack_vfree_lazy >"$tmp/logs/a.log"
refused 'a.log: no figure stack_vfree_lazy_cpus4'
ok $? "a log missing a figure a plot needs is refused, by name"
log 1 0 >"$tmp/logs/a.log"
refused 'two logs of 1 CPUs'
ok $? "two logs of one CPU count are refused"
log 4 3 | sed 's/thread_size=16384/thread_size=32768/' >"$tmp/logs/a.log"
refused 'logs of different kernels'
ok $? "logs of two kernels are refused"
exit $failed
