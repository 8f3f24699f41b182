# shellcheck shell=bash
# Lab 2 (the buddy allocator): its graded checks, sourced by scripts/grade. lab2() lists them
# (run_test LAB NAME POINTS FUNCTION [given]); the helpers they use are in scripts/lib/grade.sh.

lab2_unit_tests() {
	host_test buddy
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
	run_test 2 "buddy unit tests" 10 lab2_unit_tests
	run_test 2 "merging" 10 lab2_merging
	run_test 2 "fragmentation" 10 lab2_fragmentation
	run_test 2 "meminfo" 5 lab2_meminfo given
}
