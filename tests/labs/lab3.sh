# shellcheck shell=bash
# Lab 3 (vmalloc and guard pages): its graded checks, sourced by scripts/grade. lab3() lists them
# (run_test LAB NAME POINTS FUNCTION [given]); the helpers they use are in scripts/lib/grade.sh.

# The answer under another name (extended regular expressions; make test's
# grading.handout_hides.lab3 greps the handout for them): a walk that prunes by max_gap on
# either side, rounding up to the alignment, and the climb to the next ancestor in order.
LAB3_NOT_IN_HANDOUT=(
	'max_gap\([a-z_>.-]*left\) *>='
	'max_gap\([a-z_>.-]*right\) *>='
	'-[a-z_]+ & \([a-z_>.-]*align - 1\)'
	'n->parent->right'
)
# Every boot of the lab has page_poison=1: a page the student's code uses after freeing it
# holds the poison (a read finds garbage, a write is reported when the page comes back).

lab3_unit_tests() {
	host_test vmarea
}

lab3_guard_pages() {
	kernel main || return
	BOOT_ARGS=page_poison=1
	ktest "mm.*guard*,task.stacks_never_share_pages_and_have_guards,mm.freed_areas_are_purged_in_batches,mm.page_poison_reports_a_write_after_free"
}

# The first vmalloc area is the #DF IST stack: a guard page, two pages, a guard page.
lab3_pagewalk_guard() {
	local results
	kernel main || return
	BOOT_ARGS=page_poison=1
	session "vmallocinfo\npagewalk 0xffffc90000000000\npagewalk 0xffffc90000001000\npagewalk 0xffffc90000003000\npoweroff\n" 0
	expect '^0xffffc90000001000-0xffffc90000003000 +8192 pages=2 guard=1 ist #DF$' \
		'^  PT +\[ *0\] in table 0x[0-9a-f]+: 0{16} \(not present\)$'
	mapfile -t results < <(grep -E '^  -> ' "$LOG")
	[[ "${results[0]:-}" == *"not mapped"* && "${results[1]:-}" == *"(4 KiB page)" &&
		"${results[2]:-}" == *"not mapped"* ]] ||
		reasons+=("the pagewalks should say: not mapped, a 4 KiB page, not mapped; they say: ${results[*]:-nothing}")
}

# vfree gives every page back, in batches (counted: calls of free_pages_bulk()), and never
# touches a page it has freed (page_poison=1): vmalloc/vfree cycles, a kill in the middle of a
# vmalloc, every failed allocation of a task, vmap.
lab3_vfree() {
	kernel main || return
	BOOT_ARGS=page_poison=1
	ktest "mm.purge_frees_held_pages_in_batches,mm.vmalloc_10000_cycles_back_to_baseline,mm.vmap_maps_given_pages,kill.kill_mid_vmalloc_leaks_nothing,kill.every_failed_allocation_of_kthread_create_leaks_nothing"
	no_poison_reports
	session "spawn 4\nkill 2\nkill 3\nkill 4\nkill 5\nvmallocinfo purge\nmeminfo\nspawn 4\nkill 6\nkill 7\nkill 8\nkill 9\nvmallocinfo purge\nmeminfo\npoweroff\n" 0
	check_same_memfree
	no_poison_reports
}

# The poison of a freed page changed before it was handed out again: a write after the free.
no_poison_reports() {
	local line
	line=$(grep -m1 -hE 'BUG: page_poison' "$T")
	[ -z "$line" ] || reasons+=("a page was written after it was freed: $line")
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

# With 2 guard pages a side, every guard hit must still kill only the task that made it. A hit
# that the kernel does not recognise as a guard hit panics the whole machine: the very failure
# the lab's guards are there to prevent, so a panic costs the whole check, not one test's share.
lab3_guard_pages_2() {
	kernel guard2 STACK_GUARD_PAGES=2 || return
	BOOT_ARGS=page_poison=1
	ktest "task.stacks_never_share_pages_and_have_guards,lkdtm.*!lkdtm.novmap_*"
	session "ps\npoweroff\n" 0
	expect '^ +1 init +running +[0-9]+ +[0-9a-f]{16}-[0-9a-f]{16} +8 KiB guard'
	if grep -qE 'Kernel panic - not syncing' "$T"; then
		reasons+=("a guard page hit panicked the kernel: $(grep -m1 -E 'Kernel panic - not syncing' "$T")")
		items_ok=0
	fi
}

lab3() {
	run_test 3 "vmarea unit tests" 10 lab3_unit_tests
	run_test 3 "guard pages" 10 lab3_guard_pages
	run_test 3 "pagewalk of a guard" 5 lab3_pagewalk_guard
	run_test 3 "vfree frees" 15 lab3_vfree
	run_test 3 "STACK_GUARD_PAGES=2" 10 lab3_guard_pages_2
}
