# shellcheck shell=bash
# Lab 6 (TLB shootdown): its graded checks, sourced by scripts/grade. lab6() lists them
# (run_test LAB NAME POINTS FUNCTION [given]); the helpers they use are in scripts/lib/grade.sh.

# The stale-TLB tests with 2 and 4 CPUs: after the purge, no CPU reads a freed area through
# its old translation (tests/kernel/test_tlb.c).
lab6_stale_tlb_2() {
	kernel main || return
	ktest "tlb.a_*" -smp 2
}

lab6_stale_tlb_4() {
	kernel main || return
	ktest "tlb.a_*" -smp 4
}

# What the lab builds on: the lazy purge's batches and counts, on two CPUs.
lab6_purge() {
	kernel main || return
	ktest "mm.freed_areas_are_purged_in_batches,mm.vmalloc_10000_cycles_back_to_baseline,tlb.freed_pages_wait_for_the_purge" -smp 2
}

lab6() {
	run_test 6 "lazy purge" 5 lab6_purge given
	run_test 6 "stale TLB, 2 CPUs" 15 lab6_stale_tlb_2
	run_test 6 "stale TLB, 4 CPUs" 15 lab6_stale_tlb_4
}
