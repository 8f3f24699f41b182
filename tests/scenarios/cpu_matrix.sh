# shellcheck shell=bash
# The CPU feature matrix: one short boot per QEMU CPU model, each without features the kernel
# treats as optional, for every CPU it may meet is one of them somewhere. Sourced by
# scripts/run-tests ($K, session, job); scripts/compat reads the models from the job lines.
#
# Every boot must: name in cpuinfo what the model lacks ("cpu: missing: ..."), catch a kernel
# stack overflow at the guard page and kill only that task, run a user program (its pages
# mapped through the same supported-bits mask as the kernel's), and power off cleanly. A kernel
# that writes a page-table bit the CPU lacks resets instead (status 2): no NX was the first.
#
# QEMU 7.2's TCG can remove nx, pdpe1gb, smep, smap, pge, rdtscp and apic; it has no PCID, x2APIC
# or invariant TSC at all (-cpu max,+pcid only warns), so every model lacks those three, which the
# max model checks. A CPU without a local APIC cannot have a second CPU: those models get one.

# The lines every boot must print, whatever the model.
CPU_MATRIX_COMMON=(
	'^mm: kernel page tables at 0x[0-9a-f]+'
	'killed: kernel stack overflow'
	'^alive$'
	'^hello \(pid [0-9]+\): exited with 0$'
	'^Power down\.$'
)

# cpu_model NAME CPU SMP MISSING [RE...]: boot `-cpu CPU -smp SMP`; MISSING (a space-separated
# list of cpuinfo's feature names) must all be named missing; each RE must match a line too.
cpu_model() {
	local name=$1 cpu=$2 smp=$3 missing=$4 f
	local res=("^smp: $smp of $smp CPUs online$")

	shift 4
	for f in $missing; do
		res+=("^cpu: missing:( [a-z0-9-]+)* $f( |$)")
	done
	QEMU_ARGS="-cpu $cpu -smp $smp" session "cpu.$name.boots_and_survives_an_overflow" "$K" \
		'cpuinfo\nlkdtm EXHAUST_STACK\necho alive\nrun hello\npoweroff\n' 0 \
		"${CPU_MATRIX_COMMON[@]}" "${res[@]}" "$@"
}

# One feature missing each, from the model with the most.
job cpu.no_nx --needs build.test cpu_model no_nx max,-nx 2 nx
job cpu.no_1g_pages --needs build.test cpu_model no_1g_pages max,-pdpe1gb 2 1g-pages \
	'^mm: kernel page tables at .*direct map with 2 MiB pages'
job cpu.no_pge --needs build.test cpu_model no_pge max,-pge 2 pge
job cpu.no_smep --needs build.test cpu_model no_smep max,-smep 2 smep \
	'^user: syscall/sysret ready, smep=off smap=on$'
job cpu.no_smap --needs build.test cpu_model no_smap max,-smap 2 smap \
	'^user: syscall/sysret ready, smep=on smap=off$'
job cpu.no_rdtscp --needs build.test cpu_model no_rdtscp max,-rdtscp 2 rdtscp
job cpu.no_apic --needs build.test cpu_model no_apic max,-apic 1 apic \
	'^IRQs: on the 8259 PIC$'
# All of them missing, and all that TCG can give.
job cpu.minimal --needs build.test cpu_model minimal qemu64,-nx,-pge,-apic 1 \
	'nx 1g-pages pge smep smap pcid x2apic invariant-tsc rdtscp apic' \
	'^cpu: has none of the optional features'
job cpu.max --needs build.test cpu_model max max 2 'pcid x2apic invariant-tsc' \
	'^cpu: has nx 1g-pages pge smep smap rdtscp apic,' '^user: syscall/sysret ready, smep=on smap=on$'
# Two named CPUs, an old Intel one and an AMD one.
job cpu.core2duo --needs build.test cpu_model core2duo core2duo 2 '1g-pages smep smap'
job cpu.epyc --needs build.test cpu_model epyc EPYC 2 'pcid x2apic'
