# shellcheck shell=bash
# Lab 7 (system calls and user memory): its graded checks, sourced by scripts/grade. lab7() lists them
# (run_test LAB NAME POINTS FUNCTION [given]); the helpers they use are in scripts/lib/grade.sh.

# What the handout must not hold (extended regular expressions, matched against every line of its
# sources, *.c *.h *.asm; this file and the wrong solutions aside): a model of the answer under
# another name. The old range check beside the TODO, the old raw copies in syscall_entry.asm, an
# exception-table entry written in C or assembly, or a stac instruction.
# shellcheck disable=SC2034 # read by the handout check
LAB7_NOT_IN_HANDOUT=('access_ok' '__copy_user|__strncpy_user'
	'pushsection[[:space:]]+\\?"?__ex_table|^[[:space:]]*section[[:space:]]+__ex_table'
	'\.quad[[:space:]]+[0-9]+b'
	'"[[:space:]]*stac([^a-z_]|$)|^[[:space:]]*stac([[:space:]]|;|$)')

# The three helpers of kernel/user/uaccess.c, kind by kind, in the kernel: a test a part. Every
# test also fails if RFLAGS.AC is left set after a call, or if a call took a fault that
# fixup_exception() reports (one a correct range check prevents, or one without stac).
lab7_good() {
	kernel main || return
	# -cpu max: SMAP on, so a copy that does not open user memory (stac) faults.
	ktest "user.copy_from_user_copies_a_range_across_pages,user.copy_to_user_copies_a_range_across_pages,user.strncpy_from_user_copies_strings_up_to_n" -cpu max
	session "run hello lab7\npoweroff\n" 0 -cpu max
	expect '^hello, world from user mode \(pid [0-9]+\)$' '^hello: argv\[1\] = lab7$' '^hello \(pid [0-9]+\): exited with 0$'
	expect_not 'Kernel panic' 'Oops' 'uaccess: BUG'
}

lab7_unmapped() {
	kernel main || return
	ktest "user.uaccess_refuses_unmapped_memory,user.uaccess_refuses_a_range_running_into_a_hole,user.uaccess_helpers_have_their_own_exception_table_entries"
}

lab7_kernel_half() {
	kernel main || return
	ktest "user.uaccess_refuses_the_kernel_half,user.uaccess_refuses_non_canonical_and_wrapping_ranges"
}

# With SMAP: RFLAGS.AC clear after every call, good or faulting (the fixup path).
lab7_smap() {
	kernel main || return
	ktest "user.rflags_ac_is_clear_after_every_copy_and_fault" -cpu max
}

# Every kind of bad pointer from ring 3 to every call that takes one: -EFAULT, never a panic,
# no fault a range check should have prevented, and no return to ring 3 with RFLAGS.AC set (the
# in-kernel program; and badptr), with SMAP on.
lab7_ring3() {
	kernel main || return
	ktest "user.every_bad_pointer_to_write_read_wait_spawn_returns_efault" -cpu max
	session "run badptr\necho alive\npoweroff\n" 0 -cpu max
	expect '^badptr: [0-9]+ checks, 0 failed$' '^badptr \(pid [0-9]+\): exited with 0$' '^alive$'
	expect_not 'Kernel panic' 'Oops' 'uaccess: BUG'
}

# What the lab builds on: system calls without pointers, address spaces, faults in ring 3.
lab7_given() {
	kernel main || return
	ktest "user.getpid_returns_the_pid_spawn_returned,user.an_unknown_system_call_returns_enosys,user.an_address_space_maps_unmaps_and_frees_every_page,user.a_kernel_stack_overflow_in_a_syscall_kills_only_that_process"
}

lab7() {
	run_test 7 "system calls" 5 lab7_given given
	run_test 7 "good copies, with SMAP" 10 lab7_good
	run_test 7 "unmapped pointers and their fixups" 10 lab7_unmapped
	run_test 7 "kernel-half and non-canonical pointers" 10 lab7_kernel_half
	run_test 7 "user memory closed after every copy" 5 lab7_smap
	run_test 7 "bad pointers from ring 3" 10 lab7_ring3
}
