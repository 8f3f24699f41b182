# shellcheck shell=bash
# Lab 2 (the buddy allocator): its graded checks, sourced by scripts/grade. lab2() lists them
# (run_test LAB NAME POINTS FUNCTION [given]); the helpers they use are in scripts/lib/grade.sh.

# Functions of the reference solution that the handout must not hold (checked by make test):
# the student writes them, in mm/buddy.c.
LAB2_NOT_IN_HANDOUT=(buddy_of free_list_add free_list_del is_free_block)

# The host test's groups (tests/test_buddy.c, BUDDY_TESTS): one check each.
lab2_split() {
	BUDDY_TESTS=split host_test buddy
}

lab2_bad_frees() {
	BUDDY_TESTS=frees host_test buddy
}

lab2_model() {
	BUDDY_TESTS=model host_test buddy
}

lab2_merging() {
	kernel main || return
	ktest "buddy.*"
}

lab2_fragmentation() {
	kernel main || return
	ktest "task.fragmented_memory"
	expect '^# [0-9]+ pages free, free blocks of order 1: 0, order 2: 0$'
	kernel novmap VMAP_STACK=n || return
	ktest "task.fragmented_memory"
}

lab2_meminfo() {
	kernel main || return
	session "meminfo\npoweroff\n" 0
	expect '^MemFree: +[0-9]+ kB$' '^Free blocks per order' '^  order:( +[0-9]+){11}$' \
		'^  free: ( +[0-9]+){11}$'
}

lab2() {
	run_test 2 "split and merge" 8 lab2_split
	run_test 2 "bad frees" 6 lab2_bad_frees
	run_test 2 "model check" 6 lab2_model
	run_test 2 "merging in the kernel" 5 lab2_merging
	run_test 2 "fragmentation" 5 lab2_fragmentation
	run_test 2 "meminfo" 5 lab2_meminfo given
}
