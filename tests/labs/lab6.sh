# shellcheck shell=bash
# Lab 6 (TLB shootdown): its graded checks, sourced by scripts/grade. lab6() lists them
# (run_test LAB NAME POINTS FUNCTION [given]); the helpers they use are in scripts/lib/grade.sh.

# The answer under another name: lines that would be the shootdown's or the purge's core if the
# handout held them anywhere (extended regular expressions; make test greps the handout for
# them): a ready-made "run this on every CPU, this one too, and wait", the shootdown's handler
# installed, its per-CPU state, and the purge's batch span and requeue on a failed shootdown.
# shellcheck disable=SC2034 # read by make test (tests/scenarios/grading.sh)
LAB6_NOT_IN_HANDOUT=(
	'on_each_cpu'
	'request_sysvec\(INVALIDATE_TLB_VECTOR'
	'flush_state\['
	'start = MIN\(start, vm->va\.addr\)'
	'requeue\(list'
)

# The shootdown, with 2 and with 4 CPUs, in one boot each (tests/kernel/test_tlb.c): after the
# purge no CPU reads a freed area through its old translation (the stale-TLB tests, tlb.a_*);
# every CPU flushes, the initiator's own included, even when the initiator is moved between
# CPUs at each point where it could be preempted, and the initiator returns only once every
# CPU has flushed (tlb.shootdown_*: test hooks force the interleavings).
lab6_shootdown_2() {
	kernel main || return
	ktest "tlb.a_*,tlb.shootdown_*" -smp 2
}

lab6_shootdown_4() {
	kernel main || return
	ktest "tlb.a_*,tlb.shootdown_*" -smp 4
}

# The lazy purge, on two CPUs: freed areas wait, hold their pages and come back exactly at the
# purge; the purge runs once lazy_max_pages() pages wait, with one shootdown for the batch,
# gives nothing back before it, and keeps the batch if it fails (tlb.purge_*).
lab6_purge() {
	kernel main || return
	ktest "mm.freed_areas_are_purged_in_batches,tlb.freed_pages_wait_for_the_purge,tlb.purge_*" -smp 2
}

lab6() {
	run_test 6 "lazy purge" 10 lab6_purge
	run_test 6 "shootdown, 2 CPUs" 15 lab6_shootdown_2
	run_test 6 "shootdown, 4 CPUs" 15 lab6_shootdown_4
}
