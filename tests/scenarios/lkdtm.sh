# shellcheck shell=bash
# The crash tests from the shell (lkdtm): every way an overflow can end - killed, a panic by
# policy, in interrupt entry - and what the "before" kernel (VMAP_STACK=n) makes of them.

# KFENCE_LKDTM_INPUT and KFENCE_LKDTM_LINES (lkdtm.heap): the heap crash tests, shared with lab 9.
# shellcheck source=scripts/lib/kfence_report.sh
. scripts/lib/kfence_report.sh

job lkdtm.shell --needs build.test session lkdtm.shell "$K" \
	'spawn 2\nlkdtm list\nlkdtm EXHAUST_STACK\nlkdtm NOPE\nlkdtm STACK_BIG_FRAME\nlkdtm CORRUPT_STACK\nlkdtm CORRUPT_STACK_STRONG\nlkdtm REPORT_STACK_CANARY\nps\necho alive\npoweroff\n' 0 \
	'^  EXHAUST_STACK_IRQS_OFF ' 'BUG: TASK stack guard page was hit at [0-9a-f]{16} \(stack is [0-9a-f]{16}\.\.[0-9a-f]{16}\)' \
	'kernel stack overflow \(double-fault\)' '\] recursive_loop' \
	'EXHAUST_STACK: pid [0-9]+ killed: kernel stack overflow' "lkdtm: unknown test 'NOPE'" \
	'STACK_BIG_FRAME: pid [0-9]+ killed: kernel stack overflow' '^ +[23] counter +(sleeping|runnable) ' '^alive$' \
	'^  REPORT_STACK_CANARY ' 'stack-protector: Kernel stack is corrupted in: corrupt_char_array\+0x' \
	'CORRUPT_STACK: pid [0-9]+ killed: kernel stack corrupted' \
	'stack-protector: Kernel stack is corrupted in: corrupt_int_array\+0x' \
	'CORRUPT_STACK_STRONG: pid [0-9]+ killed: kernel stack corrupted' \
	'^lkdtm: ok: stack canaries differ between pid [0-9]+ and pid [0-9]+$'
job lkdtm.locked_panics --needs build.test session lkdtm.locked_panics "$K" \
	'lkdtm EXHAUST_STACK_LOCKED\n' 1 \
	'kernel stack overflow \(double-fault\)' \
	"Kernel panic - not syncing: kernel stack overflow in lkdtm \(pid [0-9]+\): the task holds lock 'lkdtm_lock'"
# Overflows in interrupt entry and delivery: the interrupt the CPU took is finished late, so
# ticks and serial input go on (before, the PIC waited for an EOI forever and the shell froze).
job lkdtm.irq_entry_overflow_keeps_the_machine --needs build.test \
	session lkdtm.irq_entry_overflow_keeps_the_machine "$K" \
	'spawn 1\nlkdtm EXHAUST_STACK_IRQ_ENTRY\nlkdtm EXHAUST_STACK_IRQ_DELIVERY\nps\necho alive\npoweroff\n' 0 \
	'IRQ [0-9]+ was taken but its entry overran the stack: handled now' \
	'EXHAUST_STACK_IRQ_ENTRY: pid [0-9]+ killed: kernel stack overflow' \
	'EXHAUST_STACK_IRQ_DELIVERY: pid [0-9]+ killed: kernel stack overflow' \
	'^ +2 counter +(sleeping|runnable) ' '^alive$'
job lkdtm.nearly_full_stack_reports_from_irq_stack --needs build.test \
	session lkdtm.nearly_full_stack_reports_from_irq_stack "$K" \
	'lkdtm STACK_GUARD_PAGE_LEADING_NEARLY_FULL\necho alive\npoweroff\n' 0 \
	'STACK_GUARD_PAGE_LEADING_NEARLY_FULL: pid [0-9]+ killed: kernel stack overflow' '^alive$'
job lkdtm.irq_stack_overflow_panics --needs build.test \
	session lkdtm.irq_stack_overflow_panics "$K" 'lkdtm EXHAUST_IRQ_STACK\n' 1 \
	'BUG: IRQ stack guard page was hit at [0-9a-f]{16} \(stack is [0-9a-f]{16}\.\.[0-9a-f]{16}\)' \
	'Kernel panic - not syncing: kernel stack overflow on the IRQ stack' \
	'^ <IRQ>$' '^ </IRQ>$' '^ <TASK>$' '\] exhaust_irq_stack\+0x'
# A #DF that is no overflow, with CR2 left in the task's guard as an earlier overflow leaves it.
job lkdtm.double_fault_is_no_overflow --needs build.test \
	session lkdtm.double_fault_is_no_overflow "$K" 'lkdtm EXHAUST_STACK\nlkdtm DOUBLE_FAULT\n' 1 \
	'Oops: double fault: 0000 \[#1\] \(double fault, not a task stack overflow\)' \
	'Kernel panic - not syncing: double fault'
job lkdtm.init_overflow_panics --needs build.test \
	session lkdtm.init_overflow_panics "$K" 'lkdtm EXHAUST_STACK here\n' 1 \
	'lkdtm: performing EXHAUST_STACK in pid 1 \(init\)' \
	'Kernel panic - not syncing: kernel stack overflow in init \(pid 1\): Attempted to kill init!'
# The stack protector's kill follows the same rules: init is never killed, the panic says why.
job lkdtm.init_corrupt_stack_panics --needs build.test \
	session lkdtm.init_corrupt_stack_panics "$K" 'lkdtm CORRUPT_STACK here\n' 1 \
	'stack-protector: Kernel stack is corrupted in: corrupt_char_array\+0x' \
	'Kernel panic - not syncing: stack-protector: kernel stack corrupted in init \(pid 1\): Attempted to kill init!'

# The "before" kernel: every overrun goes unnoticed, and the exhaustion is caught only late; an
# overrun inside a frame is caught there too, by the stack protector.
job novmap.lkdtm_unnoticed --needs build.novmap session novmap.lkdtm_unnoticed "$N" \
	'lkdtm STACK_GUARD_PAGE_LEADING\nlkdtm STACK_GUARD_PAGE_TRAILING\nlkdtm STACK_BIG_FRAME\nlkdtm CORRUPT_STACK\npoweroff\n' 0 \
	'FAIL: accessed the page below the stack \(VMAP_STACK=0\)' \
	'FAIL: accessed the page above the stack' 'FAIL: a frame larger than the guard went unnoticed' \
	'STACK_GUARD_PAGE_LEADING: pid [0-9]+ exited' \
	'CORRUPT_STACK: pid [0-9]+ killed: kernel stack corrupted'
job novmap.exhaust_caught_late --needs build.novmap \
	session novmap.exhaust_caught_late "$N" 'lkdtm EXHAUST_STACK\n' 1 \
	'Kernel panic - not syncing: corrupted stack end detected inside scheduler'

# A KFENCE fault where a kill is not safe (init): a panic that names why.
job lkdtm.heap_fault_in_init_panics --needs build.test \
	session lkdtm.heap_fault_in_init_panics "$K" 'lkdtm READ_AFTER_FREE here\n' 1 \
	'^BUG: KFENCE: use-after-free read in lkdtm_read_after_free$' \
	'Kernel panic - not syncing: KFENCE: bad access in init \(pid 1\): Attempted to kill init!'

# The heap's crash tests in one boot with every allocation guarded and freed pages poisoned: each
# bad access to a kmalloc object kills its task (KFENCE), each bad free is reported and refused,
# a write to a freed page is found when it is handed out again; the system runs on.
job lkdtm.heap --needs build.test lkdtm_heap
lkdtm_heap() {
	local ok=1
	boot lkdtm.heap "$K" "kfence=all page_poison=1" \
		"spawn 1\n${KFENCE_LKDTM_INPUT}"'lkdtm SLAB_FREE_CROSS\nlkdtm READ_BUDDY_AFTER_FREE\nlkdtm WRITE_BUDDY_AFTER_FREE\nkfenceinfo\nps\necho alive\npoweroff\n'
	[ "$status" -eq 0 ] || { echo "     lkdtm.heap: exit status $status, expected 0"; ok=0; }
	check_lines lkdtm.heap "$log" \
		'^kfence: initialized - using [0-9]+ KiB of RAM for 255 objects .*kfence=all' \
		"${KFENCE_LKDTM_LINES[@]}" '^freed by CPU [0-9]+:$' \
		'^BUG: KFENCE: invalid free in lkdtm_slab_free_cross$' '^lkdtm: the cross free was refused$' \
		'^lkdtm: READ_BUDDY_AFTER_FREE: pid [0-9]+ exited with 0 \(status 0x0\)' \
		'^BUG: page_poison: page .* was written after it was freed' \
		'^lkdtm: WRITE_BUDDY_AFTER_FREE: pid [0-9]+ exited with 0 \(status 0x0\)' \
		'^faults: +3 ' '^bad frees: +2 ' '^ +2 counter +(sleeping|runnable) ' '^alive$'
	if grep -q '^FAIL: ' "$log"; then
		echo "     lkdtm.heap: a crash test went unnoticed: $(grep -m1 '^FAIL: ' "$log")"
		ok=0
	fi
	verdict lkdtm.heap "$ok" "$log"
}
