# shellcheck shell=bash
# Lab 7 (system calls and user memory): its graded checks, sourced by scripts/grade. lab7() lists them
# (run_test LAB NAME POINTS FUNCTION [given]); the helpers they use are in scripts/lib/grade.sh.

# copy_from_user() (kernel/user/uaccess.c) kind by kind, in the kernel: a test a part.
lab7_good() {
	kernel main || return
	# -cpu max: SMAP on, so a copy that does not open user memory (stac) faults.
	ktest "user.copy_from_user_copies_a_range_across_pages" -cpu max
	session "run hello lab7\npoweroff\n" 0 -cpu max
	expect '^hello, world from user mode \(pid [0-9]+\)$' '^hello: argv\[1\] = lab7$' '^hello \(pid [0-9]+\): exited with 0$'
	expect_not 'Kernel panic' 'Oops'
}

lab7_unmapped() {
	kernel main || return
	ktest "user.copy_from_user_refuses_unmapped_memory,user.copy_from_user_refuses_a_range_running_into_a_hole"
}

lab7_kernel_half() {
	kernel main || return
	ktest "user.copy_from_user_refuses_the_kernel_half,user.copy_from_user_refuses_non_canonical_and_wrapping_ranges"
}

lab7_fixup() {
	kernel main || return
	ktest "user.copy_from_user_has_its_own_exception_table_entry"
}

# Every kind of bad pointer from ring 3 to every call: -EFAULT, never a panic (the in-kernel
# program; and badptr, of whose checks write's are this lab's: the others go through
# copy_to_user and strncpy_from_user), with SMAP on.
lab7_ring3() {
	kernel main || return
	ktest "user.every_bad_pointer_to_write_read_wait_spawn_returns_efault" -cpu max
	session "run badptr\necho alive\npoweroff\n" 0 -cpu max
	expect '^badptr: [0-9]+ checks, [0-9]+ failed$' '^badptr \(pid [0-9]+\): exited with [0-9]+$' \
		'^alive$'
	expect_not 'Kernel panic' 'Oops' '^badptr: FAIL: write\('
}

# What the lab builds on: system calls without pointers, address spaces, faults in ring 3.
lab7_given() {
	kernel main || return
	ktest "user.getpid_returns_the_pid_spawn_returned,user.an_unknown_system_call_returns_enosys,user.an_address_space_maps_unmaps_and_frees_every_page,user.a_kernel_stack_overflow_in_a_syscall_kills_only_that_process"
}

lab7() {
	run_test 7 "system calls" 5 lab7_given given
	run_test 7 "good copies, with SMAP" 10 lab7_good
	run_test 7 "unmapped pointers" 10 lab7_unmapped
	run_test 7 "kernel-half and non-canonical pointers" 10 lab7_kernel_half
	run_test 7 "its own fixup" 5 lab7_fixup
	run_test 7 "bad pointers from ring 3" 10 lab7_ring3
}
