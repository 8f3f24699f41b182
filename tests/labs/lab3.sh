# shellcheck shell=bash
# Lab 3 (vmalloc and guard pages): its graded checks, sourced by scripts/grade. lab3() lists them
# (run_test LAB NAME POINTS FUNCTION [given]); the helpers they use are in scripts/lib/grade.sh.

lab3_unit_tests() {
	host_test vmarea
}

lab3_guard_pages() {
	kernel main || return
	ktest "mm.*guard*"
	ktest "task.stacks_never_share_pages_and_have_guards"
}

# The first vmalloc area is the #DF IST stack: a guard page, two pages, a guard page.
lab3_pagewalk_guard() {
	local results
	kernel main || return
	session "vmallocinfo\npagewalk 0xffffc90000000000\npagewalk 0xffffc90000001000\npagewalk 0xffffc90000003000\npoweroff\n" 0
	expect '^0xffffc90000001000-0xffffc90000003000 +8192 pages=2 guard=1 ist #DF$' \
		'^  PT +\[ *0\] in table 0x[0-9a-f]+: 0{16} \(not present\)$'
	mapfile -t results < <(grep -E '^  -> ' "$LOG")
	[[ "${results[0]:-}" == *"not mapped"* && "${results[1]:-}" == *"(4 KiB page)" &&
		"${results[2]:-}" == *"not mapped"* ]] ||
		reasons+=("the pagewalks should say: not mapped, a 4 KiB page, not mapped; they say: ${results[*]:-nothing}")
}

# vfree gives every page back: vmalloc/vfree cycles, a kill in the middle of a vmalloc, every
# failed allocation of a task, vmap.
lab3_vfree() {
	kernel main || return
	ktest "mm.vmalloc_10000_cycles_back_to_baseline,mm.vmap_maps_given_pages,kill.kill_mid_vmalloc_leaks_nothing,kill.every_failed_allocation_of_kthread_create_leaks_nothing"
	session "spawn 4\nkill 2\nkill 3\nkill 4\nkill 5\nvmallocinfo purge\nmeminfo\nspawn 4\nkill 6\nkill 7\nkill 8\nkill 9\nvmallocinfo purge\nmeminfo\npoweroff\n" 0
	check_same_memfree
}

# The two MemFree lines of the last session are equal: the second round of tasks leaked nothing.
# Pages that freed areas hold until their purge (VmallocHeld) count as given back.
check_same_memfree() {
	local free held i
	mapfile -t free < <(grep -oE '^MemFree: +[0-9]+' "$LOG" | grep -oE '[0-9]+$')
	mapfile -t held < <(grep -oE '^VmallocHeld: +[0-9]+' "$LOG" | grep -oE '[0-9]+$')
	for i in "${!free[@]}"; do
		free[i]=$((free[i] + ${held[i]:-0}))
	done
	[ ${#free[@]} -eq 2 ] && [ "${free[0]}" = "${free[1]}" ] ||
		reasons+=("MemFree after each round of spawn 4 and 4 kills: ${free[*]:-none}; expected the same twice (freed stacks leak)")
}

lab3_guard_pages_2() {
	kernel guard2 STACK_GUARD_PAGES=2 || return
	ktest "task.stacks_never_share_pages_and_have_guards"
	ktest "lkdtm.*!lkdtm.novmap_*"
	session "ps\npoweroff\n" 0
	expect '^ +1 init +running +[0-9]+ +[0-9a-f]{16}-[0-9a-f]{16} +8 KiB guard'
}

lab3() {
	run_test 3 "vmarea unit tests" 10 lab3_unit_tests
	run_test 3 "guard pages" 10 lab3_guard_pages
	run_test 3 "pagewalk of a guard" 5 lab3_pagewalk_guard
	run_test 3 "vfree frees" 15 lab3_vfree
	run_test 3 "STACK_GUARD_PAGES=2" 10 lab3_guard_pages_2
}
