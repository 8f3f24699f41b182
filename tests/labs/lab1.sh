# shellcheck shell=bash
# Lab 1 (page tables): its graded checks, sourced by scripts/grade. lab1() lists them
# (run_test LAB NAME POINTS FUNCTION [given]); the helpers they use are in scripts/lib/grade.sh.

# The answer under another name: lines that would be the walk's core if the handout held them
# anywhere (extended regular expressions; make test's grading.handout_hides.lab1 greps the
# handout for them): the rule that combines rights down a walk, extending a run, and the span
# of an entry per level.
LAB1_NOT_IN_HANDOUT=(
	'\(rights \| [a-z_]+\) & PTE_NX'
	'->end == va'
	'entry_span\('
)

lab1_pagewalk() {
	local text phys
	kernel main || return
	text=$(symbol kernel_main)
	phys=$(printf '%x' $((16#$text - 0xffffffff80000000)))
	session "pagewalk 0x$text\npagewalk 0xffff888000123456\npagewalk 0x1000\npagewalk 0x0000800000000000\npoweroff\n" 0
	expect "^  PT +\[ *[0-9]+\] in table 0x[0-9a-f]+: [0-9a-f]{16} P R S( A)?( D)? G X$" \
		"^  -> physical 0x$phys \(4 KiB page\)$" \
		'^  -> physical 0x123456 \(2 MiB page\)$' \
		'^  PD +\[ *0\] in table 0x[0-9a-f]+: [0-9a-f]{16} P W S( A)?( D)? PS G NX$' \
		'^  -> not mapped \(a fault on access\)$' \
		'pagewalk: 0x800000000000 is not canonical'
}

lab1_huge_pages() {
	kernel main || return
	ktest "mm.huge_pages_match_cpu" -cpu max -m 2G
	session "pagewalk 0xffff888000123456\npoweroff\n" 0 -cpu max -m 2G
	expect '^  PDPT +\[ *0\] in table 0x[0-9a-f]+: [0-9a-f]{16} P W S( A)?( D)? PS G NX$' \
		'^  -> physical 0x123456 \(1 GiB page\)$'
}

lab1_ptdump_ktests() {
	kernel main || return
	ktest "ptdump.*"
	ktest "ptdump.*" -cpu max -m 2G
}

# The runs printed by ptdump follow each other without gaps and end at the top.
check_ptdump_runs() {
	local n=0 prev="" start end
	while IFS=- read -r start end; do
		if [ -n "$prev" ] && [ $((16#${start#0x})) -ne $((16#${prev#0x} + 1)) ]; then
			reasons+=("ptdump: $start does not follow $prev")
			return
		fi
		prev=${end%% *}
		n=$((n + 1))
	done < <(grep -oE '^0x[0-9a-f]{16}-0x[0-9a-f]{16}' "$LOG")
	[ "$n" -ge 10 ] || reasons+=("ptdump printed $n runs")
	[ "$prev" = 0xffffffffffffffff ] || reasons+=("ptdump: the last run ends at ${prev:-?}")
}

lab1_ptdump_command() {
	kernel main || return
	session "spawn 1\nptdump\npoweroff\n" 0
	expect '^0xffff800000000000-0x[0-9a-f]{16} +~?[0-9]+[KMGT] +not mapped$' \
		'^0xffff888000000000-0x[0-9a-f]{16} +[0-9]+M +RW NX G - 2M pages$' \
		'^0xffffc90000000000-0xffffc90000000fff +4K +not mapped$' \
		'^0xffffc90000[0-9a-f]{6}-0x[0-9a-f]{16} +16K +RW NX G - 4K pages$' \
		'^0xffffffff80[0-9a-f]{6}-0x[0-9a-f]{16} +[0-9]+K +ro x  G - 4K pages$' \
		'^0xffffffff80[0-9a-f]{6}-0x[0-9a-f]{16} +[0-9]+K +RW NX G - 4K pages$'
	expect_not ' RW x ' 'not implemented'
	check_ptdump_runs
}

lab1() {
	run_test 1 "pagewalk" 5 lab1_pagewalk given
	run_test 1 "huge pages" 5 lab1_huge_pages given
	run_test 1 "ptdump in-kernel tests" 15 lab1_ptdump_ktests
	run_test 1 "ptdump command" 10 lab1_ptdump_command
}
