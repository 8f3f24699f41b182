# shellcheck shell=bash
# What needs no QEMU: the host unit tests of the pure logic (ASan + UBSan, one job each), the
# stack checker's own tests, the include layers and the docs checked against the code.

# The tests the Makefile builds (HOST_TEST_NAMES).
for t in $(sed -n 's/^HOST_TEST_NAMES := //p' Makefile); do
	t=test_$t
	job "host.$t" --needs build.host check_tap "host.$t" "$LOGS/host.$t.log" "build/host/$t"
done
job host.test_stackcheck check_tap host.test_stackcheck "$LOGS/host.test_stackcheck.log" \
	python3 tests/test_stackcheck.py

# The folders are layers: no include may point up (scripts/check-layers).
job layers.includes_point_down check_cmd layers.includes_point_down "$LOGS/layers.log" \
	scripts/check-layers

# The docs against the code: every path, symbol and number they state (scripts/check-docs).
job docs.match_the_code check_cmd docs.match_the_code "$LOGS/docs.log" scripts/check-docs

# scripts/bench-plot's reading of bench logs (no gnuplot, no QEMU: made-up logs).
job host.bench_plot_reads_counted_logs check_tap host.bench_plot_reads_counted_logs \
	"$LOGS/host.bench_plot.log" tests/test_bench_plot.sh
