# shellcheck shell=bash
# Lab 8 (stack hardening): its graded checks, sourced by scripts/grade. lab8() lists them
# (run_test LAB NAME POINTS FUNCTION [given]); the helpers they use are in scripts/lib/grade.sh.
# Four boots in all: one of in-kernel tests, one shell session, one with erasing off, one of the
# VMAP_STACK=n kernel.

# What the handout must not hold (extended regular expressions, matched against every line of its
# sources, *.c *.h *.asm; this file and the wrong solutions aside): a model of the answer under
# another name. A fill with rep stosq (memset's rep stosb is no answer), a count of a run of
# poison words, the deepest point reset to the top of the stack.
# shellcheck disable=SC2034 # read by the handout check
LAB8_NOT_IN_HANDOUT=('"[[:space:]]*rep[[:space:]]+stosq' '[=!<>]=[[:space:]]*STACKLEAK_RUN'
	'lowest_stack[[:space:]]*=[[:space:]]*stack_top')

# The in-kernel tests of stack erasing (tests/kernel/test_stackleak.c), one part each: the
# scan on a made-up stack, a new process's stack, the info leak of user/stackleak with erasing
# on and off, lkdtm STACKLEAK_ERASING (every word below the stack pointer read, none of the
# erase's code used), and the depth: a shallow call's erase leaves a marker 4 KiB deep alone.
lab8_ktests() {
	kernel main || return
	ktest "stackleak.*"
}

# The same from the shell, as a user sees it: no secret at two depths, the check after a deep
# call with a tracked point, the depth, lkdtm's crash test; the system whole afterwards.
lab8_ring3() {
	kernel main || return
	session "run stackleak 4\nrun stackleak 16\nrun stackleak check\nrun stackleak depth\nlkdtm STACKLEAK_ERASING\necho alive\npoweroff\n" 0
	# Mostly poison, and no secret: a timer interrupt or a preemption inside the reading call
	# writes its own frames (tens of words) where the buffer will be, as in Linux.
	expect '^stackleak: 256 words read: (1[6-9][0-9]|2[0-5][0-9]) poison \(0xffffffffffff4111\), ' \
		'^stackleak: 1024 words read: (89[6-9]|9[0-9][0-9]|10[0-2][0-9]) poison \(0xffffffffffff4111\), ' \
		'^stackleak: no secret leaked' '^stackleak: check: erased$' \
		'^stackleak: depth: the erase after a shallow call left 4096 bytes deep alone$' \
		'^OK: the rest of the thread stack is properly erased$' \
		'^lkdtm: STACKLEAK_ERASING: pid [0-9]+ exited with 0 \(status 0x0\)$' '^alive$'
	expect_not 'LEAKED the secret' '^FAIL:' '^stackleak \(pid [0-9]+\): exited with [^0]' \
		'Kernel panic' 'Oops'
}

# The direct-mapped stacks of VMAP_STACK=n keep STACK_END_MAGIC in their lowest word, checked
# at every context switch: the poison must stay above it.
lab8_novmap() {
	kernel novmap VMAP_STACK=n || return
	ktest "stackleak.*"
}

# What the lab builds on: the leak itself. With erasing off, the demonstration prints the
# secret a system call left on the stack, and lkdtm's check fails.
lab8_given() {
	kernel main || return
	BOOT_ARGS="kstack_erase=off"
	session "run stackleak 4\nlkdtm STACKLEAK_ERASING\necho alive\npoweroff\n" 0
	expect '^stackleak: LEAKED the secret: "the vault code is 4711; "$' \
		'^FAIL: the thread stack is NOT properly erased!$' \
		'^lkdtm: STACKLEAK_ERASING: pid [0-9]+ exited with 1 \(status 0x100\)$' '^alive$'
}

lab8() {
	run_test 8 "the leak, erasing off" 5 lab8_given given
	run_test 8 "erasing in-kernel tests" 30 lab8_ktests
	run_test 8 "erasing from ring 3" 10 lab8_ring3
	run_test 8 "VMAP_STACK=n" 5 lab8_novmap
}
