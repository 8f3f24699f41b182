# shellcheck shell=bash
# Lab 4 (stack overflows): its graded checks, sourced by scripts/grade. lab4() lists them
# (run_test LAB NAME POINTS FUNCTION [given]); the helpers they use are in scripts/lib/grade.sh.

lab4_guard_hits() {
	kernel main || return
	session "spawn 1\nlkdtm STACK_GUARD_PAGE_LEADING\nlkdtm STACK_GUARD_PAGE_TRAILING\nps\necho alive\npoweroff\n" 0
	expect 'BUG: TASK stack guard page was hit at [0-9a-f]{16} \(stack is [0-9a-f]{16}\.\.[0-9a-f]{16}\)' \
		'kernel stack overflow \(page-fault\)' 'CPU: 0 PID: [0-9]+ Comm: lkdtm' \
		'STACK_GUARD_PAGE_LEADING: pid [0-9]+ killed: kernel stack overflow' \
		'STACK_GUARD_PAGE_TRAILING: pid [0-9]+ killed: kernel stack overflow' \
		'^ +2 counter +(sleeping|runnable) ' '^alive$'
	expect_not '^FAIL:'
}

lab4_exhaust_stack() {
	kernel main || return
	session "spawn 1\nlkdtm EXHAUST_STACK\nlkdtm EXHAUST_STACK_IRQS_OFF\nps\necho alive\npoweroff\n" 0
	expect 'kernel stack overflow \(double-fault\)' '^Call Trace:$' '\] recursive_loop' \
		'\] kthread_start\+0x' \
		'EXHAUST_STACK: pid [0-9]+ killed: kernel stack overflow' \
		'EXHAUST_STACK_IRQS_OFF: pid [0-9]+ killed: kernel stack overflow' \
		'^ +2 counter +(sleeping|runnable) ' '^alive$'
	expect_not '^FAIL:'
}

lab4_big_frame() {
	kernel main || return
	session "lkdtm STACK_BIG_FRAME\necho alive\npoweroff\n" 0
	expect 'kernel stack overflow \(double-fault\)' '\] big_frame' \
		'STACK_BIG_FRAME: pid [0-9]+ killed: kernel stack overflow' '^alive$'
	expect_not '^FAIL:'
}

# The policy's rules, each case in isolation: the zone's edges, #PF and #DF evidence, the
# reasons a kill is not safe (tests/kernel/test_overflow.c). Nothing overflows: one quick boot.
lab4_rules() {
	kernel main || return
	ktest "overflow.*"
}

lab4_ktests() {
	kernel main || return
	ktest "lkdtm.*!lkdtm.novmap_*"
}

lab4_locked() {
	kernel main || return
	session "lkdtm EXHAUST_STACK_LOCKED\n" 1
	expect 'kernel stack overflow \(double-fault\)' \
		"Kernel panic - not syncing: kernel stack overflow in lkdtm \(pid [0-9]+\): the task holds lock 'lkdtm_lock'"
}

# Faults that are no task's overflow: a #DF with a stale CR2 in the guard (left by the overflow
# before it) must end in the double-fault panic, not a kill; an overrun of this CPU's IRQ stack
# has no task to kill and must panic naming that stack.
lab4_not_a_task() {
	kernel main || return
	session "lkdtm EXHAUST_STACK\nlkdtm DOUBLE_FAULT\n" 1
	expect 'EXHAUST_STACK: pid [0-9]+ killed: kernel stack overflow' \
		'Oops: double fault: 0000 \[#1\] \(double fault, not a task stack overflow\)' \
		'Kernel panic - not syncing: double fault$'
	expect_not 'DOUBLE_FAULT: pid [0-9]+ killed'
	session "lkdtm EXHAUST_IRQ_STACK\n" 1
	expect 'BUG: IRQ stack guard page was hit at [0-9a-f]{16} \(stack is [0-9a-f]{16}\.\.[0-9a-f]{16}\)' \
		'Kernel panic - not syncing: kernel stack overflow on the IRQ stack'
}

lab4_novmap() {
	kernel novmap VMAP_STACK=n || return
	session "meminfo\nlkdtm STACK_GUARD_PAGE_LEADING\nlkdtm STACK_GUARD_PAGE_TRAILING\nlkdtm STACK_BIG_FRAME\npoweroff\n" 0
	expect 'direct-mapped, no guards' 'FAIL: accessed the page below the stack \(VMAP_STACK=0\)' \
		'FAIL: accessed the page above the stack' \
		'FAIL: a frame larger than the guard went unnoticed'
	ktest "lkdtm.novmap_overrun_is_silent"
	session "lkdtm EXHAUST_STACK\n" 1
	expect 'Kernel panic - not syncing: corrupted stack end detected inside scheduler'
}

lab4_stack_cache() {
	local lines
	kernel main || return
	session "spawn 2\nkill 2\nkill 3\nmeminfo\nspawn 1\nmeminfo\npoweroff\n" 0
	expect '^killed pid 3$'
	lines=$(grep -oE '\([0-9]+ cached of [0-9]+ per CPU; [0-9]+ hits' "$LOG" | tr -dc '0-9 \n' |
		awk '{ printf "%s/%s ", $1, $3 }')
	# After the kills: two stacks cached; the next spawn takes one: one cached, one hit more.
	[[ "$lines" =~ ^2/([0-9]+)\ 1/([0-9]+)\ $ ]] &&
		[ "${BASH_REMATCH[2]}" -eq $((BASH_REMATCH[1] + 1)) ] ||
		reasons+=("StackCache (cached/hits) after the kills and after one spawn: '$lines'; expected '2/h 1/h+1'")
}

lab4() {
	run_test 4 "guard page hits" 7 lab4_guard_hits
	run_test 4 "exhaust stack" 7 lab4_exhaust_stack
	run_test 4 "big frame" 4 lab4_big_frame
	run_test 4 "overflow rules" 8 lab4_rules
	run_test 4 "lkdtm in-kernel tests" 7 lab4_ktests
	run_test 4 "overflow holding a lock" 3 lab4_locked
	run_test 4 "no task to kill" 4 lab4_not_a_task
	run_test 4 "VMAP_STACK=n" 5 lab4_novmap given
	run_test 4 "stack cache" 5 lab4_stack_cache given
}

# Functions the handout must not hold (scripts' check of the handout tree: extended regular
# expressions). The overflow policy is the student's to write; these are its reference parts.
# shellcheck disable=SC2034
LAB4_NOT_IN_HANDOUT=('^static bool handle_stack_overflow\(' '^static void check_cpu_stack_overflow\(' \
	'^static void handle_pf_overflow\(' 'stack_guard_hit\(s, cr2\)' 'addr >= va->span_start -[ ]PAGE_SIZE')
