# shellcheck shell=bash
# The stack checker (scripts/stackcheck, make stackcheck, docs/STACKCHECK.md): the kernel's own
# call graph, where every root's bound must fit its stack; then a boot of that very kernel,
# whose measured depths must stay within the bounds. (Its graph logic on hand-made graphs with
# known answers is host.test_stackcheck.)

# make test's kernel is make stackcheck's build (tests/scenarios/builds.sh): nothing to compile.
job stackcheck --needs build.test stackcheck_tests
stackcheck_tests() {
	local sc=build/test ok
	log=$LOGS/stackcheck.log
	make -s -j"$JOBS" stackcheck STACKCHECK_BUILD=$sc >"$log" 2>&1
	verdict stackcheck.bounds_fit_their_stacks "$([ $? -eq 0 ] && echo 1)" "$log" \
		"($(tail -n 1 "$log" | sed 's/^stackcheck: //'))"
	[ -f $sc/kernel.elf ] || return 0
	session stackcheck.tracer "$sc/kernel.elf" \
		'stack_trace on\nspawn 2\nlkdtm STACK_GUARD_PAGE_LEADING\nlkdtm EXHAUST_STACK\nktest task.*\nstack_trace\nstack_trace x\npoweroff\n' 0 \
		'^stack_trace: deepest sampled chain: [0-9]+ of 16384 bytes' '^ +[0-9]+\) +[0-9]+ +[0-9]+ +kthread_start\+' \
		'^stack_trace: root init_main measured [0-9]+ ' '^stack_trace: root guard_page_leading measured ' \
		'^stack_trace: root dirty_stack measured ' '^stack_trace: root counter_task measured ' \
		'^stack_trace: stack irq measured [1-9]' '^stack_trace: stack ist measured [1-9][0-9]* of 8192 bytes \(#DF\)' \
		'^usage: stack_trace \[on\|off\|reset\]'
	scripts/stackcheck $sc --measured "$LOGS/stackcheck.tracer.log" >"$LOGS/stackcheck.measured.log" 2>&1
	ok=$([ $? -eq 0 ] && echo 1)
	grep -E '^measured|error:' "$LOGS/stackcheck.measured.log" | grep -vE ': ok$' | sed 's/^/     /'
	verdict stackcheck.measured_within_bounds "$ok" "$LOGS/stackcheck.measured.log" \
		"($(grep -c '^measured.*: ok$' "$LOGS/stackcheck.measured.log") depths checked)"
}
