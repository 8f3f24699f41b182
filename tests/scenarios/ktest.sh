# shellcheck shell=bash
# The in-kernel tests (KTAP, test=<glob>), each result a check: every suite on the default
# machine, and again on the machines and kernels where the answer could differ.

# Every suite, booted as a user's machine boots: GRUB, multiboot2 (the other runs boot through
# QEMU's -kernel and the PVH entry, scripts/lib/qemu.sh).
job ktest.all --needs build.test ktest_all
ktest_all() { QEMU_BOOT=grub ktest ktest.all "$K" "*"; }
# Every suite again on a CPU with every feature QEMU emulates (1 GiB pages, SMEP, SMAP, ...), so
# that each test also runs where the kernel takes the other side of each feature check; and with
# kfence=all, so that a use-after-free or an overrun of a kmalloc object anywhere in the kernel
# or its tests faults every time, not once in a sample (mm/kfence.h).
job ktest.cpu_max --needs build.test ktest_cpu_max
ktest_cpu_max() { KTEST_CMDLINE=kfence=all ktest ktest.cpu_max "$K" "*,$LONG_TESTS" -cpu max; }
# The long tests and the stress tests, as exclusions for test= (LONG_TESTS, STRESS_TESTS).
# shellcheck source=tests/scenarios/lib/stress.sh
. tests/scenarios/lib/stress.sh
# Memory sizes change the memory map, the direct map and the page allocator's zones. Not the
# tests that run memory out: with 8 GiB QEMU would zero 8 GiB of host memory for each (half a
# minute of CPU) to find what 32 MiB and 512 MiB find.
RUN_MEMORY_OUT='!mm.vmalloc_purges_held_pages_when_memory_runs_out,!mm.freed_stacks_never_hold_*'
for m in 32M 512M 8G; do
	glob="mm.*" && [ $m != 8G ] || glob="mm.*,$RUN_MEMORY_OUT"
	job "ktest.mm.$m" --needs build.test ktest "ktest.mm.$m" "$K" "$glob" -m "$m" -cpu max
done
job ktest.mm.no-1g-pages --needs build.test ktest ktest.mm.no-1g-pages "$K" "mm.*" -cpu qemu64 -m 2G

# User mode on a CPU with SMEP and SMAP (QEMU's -cpu max; the default CPU has neither, so
# ktest.all skips user.with_smap_* and user.with_smep_*): the kernel turns both on, and every
# user test passes with them, two CPUs.
job ktest.user.smep_smap --needs build.test user_smep_smap
user_smep_smap() {
	ktest ktest.user.smep_smap "$K" "user.*,process.*,clobber.*,$LONG_TESTS" -cpu max -smp 2
	verdict ktest.user.smep_smap_tests_ran "$(grep -qE '^ok [0-9]+ user\.with_smap_[a-z_]+$' "$log" &&
		grep -qE '^ok [0-9]+ user\.with_smep_[a-z_]+$' "$log" && echo 1)" "$log"
}

# SMP: every CPU the MADT lists comes up, serves IPIs (smp.*) and runs tasks (sched_smp.*: an
# overflow on CPU 1 while counters on CPUs 0 and 2 go on, 10,000 tasks over every CPU back to
# the baseline) while every other suite still passes, stacktorture included; on both machines
# QEMU has (i440fx and q35), and with nosmp, where one CPU runs as before.
# (pc with one CPU is QEMU's default machine: ktest.all, ktest.cpu_max.) A run marked :short leaves out the
# stress tests (STRESS_TESTS, two thirds of a run's CPU): they run in ktest.all (one CPU) and
# q35.4 (the most CPUs, where a race shows first).
for run in pc.2:short pc.4:short q35.1:short q35.2:short q35.4; do
	glob="*" && [[ $run != *:short ]] || glob="*,$STRESS_TESTS"
	run=${run%:short}
	job "ktest.smp.$run" --needs build.test smp_suites "ktest.smp.$run" "$glob" "$run"
done
# smp_suites NAME GLOB MACHINE.CPUS: q35.4 runs a host thread per CPU (TCG_THREAD=multi): the
# CPUs run truly at once, so a missing lock or barrier can show; the repeats run their CPUs in
# one thread (scripts/lib/qemu.sh: they check that each machine and count works).
smp_suites() {
	local threads=single
	[ "$3" != q35.4 ] || threads=multi
	TCG_THREAD=$threads ktest "$1" "$K" "$2" -machine "${3%.*}" -smp "${3#*.}"
}
# Many CPUs: the SMP, scheduler (per-CPU run queues: idle CPUs pull queued tasks), kill, TLB,
# crash (lkdtm: stacktorture too) and user suites on 16 (pc) and 64 (q35, NR_CPUS) CPUs, all
# CPUs in one host thread (TCG_THREAD=single: with 64 CPUs on 2 host cores about 30 s, against 7
# minutes with a thread per CPU).
MANY_CPUS_TESTS="smp.*,sched_smp.*,kill.*,tlb.*,lkdtm.*,user.*,process.*,clobber.*,$LONG_TESTS"
for run in pc.16 q35.64; do
	job "ktest.smp.$run" --needs build.test many_cpus "ktest.smp.$run" "$run"
done
many_cpus() {
	TCG_THREAD=single ktest "$1" "$K" "$MANY_CPUS_TESTS" -machine "${2%.*}" -smp "${2#*.}"
}
job ktest.smp.nosmp --needs build.test ktest_nosmp
ktest_nosmp() { KTEST_CMDLINE=nosmp ktest ktest.smp.nosmp "$K" "*,$STRESS_TESTS" -smp 2; }

# TLB shootdown: another CPU that used a freed area faults on it after the purge, never reading
# its reused pages (tlb.*; with one CPU the stale-TLB tests skip).
# With a host thread per CPU, as q35.4: a stale entry is read while the purge runs.
for cpus in 2 4; do
	job "ktest.tlb.smp$cpus" --needs build.test tlb_suite "$cpus"
done
tlb_suite() { TCG_THREAD=multi ktest "ktest.tlb.smp$1" "$K" "tlb.*" -smp "$1"; }

# The "before" kernel: physically contiguous stacks, no guard pages.
job ktest.novmap --needs build.novmap ktest ktest.novmap "$N" "*"

# A reused stack has only its dirty pages zeroed (STACK_ZERO_DIRTY, the default): the task tests
# that scribble over a stack and check the next task sees none of it run in ktest.all (one CPU)
# and the ktest.smp.* runs (two and four: a CPU must drop its stale entries before it writes).
# STACK_ZERO_DIRTY=n, where all of THREAD_SIZE is zeroed, passes them the same.
job ktest.stack_zero_dirty_off --needs build.nozerodirty ktest ktest.stack_zero_dirty_off "$Z" "task.*"
