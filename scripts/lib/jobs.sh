# shellcheck shell=bash
# The job pool of scripts/run-tests. A scenario file (tests/scenarios/*.sh) declares jobs; each
# job is a command - a few boots at most - that depends on no other job unless it says so. The
# pool runs JOBS of them at a time, keeps each job's output in a file of its own and prints the
# outputs in the order the jobs were declared, so the log reads the same whatever finished
# first. While it runs, a progress line (done/total, elapsed, an estimate of what is left) goes
# to stderr: redrawn in place on a terminal, a plain line per finished job when piped.
# Sourced, not run; needs bash 5.1 or later (wait -n -p).
#
# A job counts its checks in the runner's variables (passed, failed, skipped, failures, skips);
# the pool adds them up when the job ends.

JOB_NAMES=()
JOB_CMDS=()
JOB_NEEDS=()
JOB_AFTER=()
JOB_FIRST=()

# job NAME [--first] [--needs JOBS] [--after JOBS] COMMAND [ARGS...]: declare a job. JOBS is a
# comma-separated list of job names. --needs: those run first, even where T does not select
# them, and this one is not run if one of them failed (a build, say). --after: this one waits
# for those, if they run at all. --first: start it before the others (a long job, so that it
# does not end the run alone).
job() {
	local name=$1 first=0 needs="" after=""
	shift
	while :; do
		case $1 in
		--first) first=1 ;;
		--needs) needs=$2 && shift ;;
		--after) after=$2 && shift ;;
		*) break ;;
		esac
		shift
	done
	JOB_NAMES+=("$name")
	JOB_CMDS+=("$(printf '%q ' "$@")")
	JOB_NEEDS+=("$needs")
	JOB_AFTER+=("$after")
	JOB_FIRST+=("$first")
}

# job_select: keep the jobs T selects and the jobs they need; drop the others.
job_select() {
	local i n
	local -A keep=()
	local -a names cmds needs after first
	for i in "${!JOB_NAMES[@]}"; do
		if [ -z "${T:-}" ] || name_matches "$T" "${JOB_NAMES[i]}"; then
			keep[${JOB_NAMES[i]}]=1
			IFS=, read -r -a names <<<"${JOB_NEEDS[i]}"
			for n in "${names[@]}"; do
				keep[$n]=1
			done
		fi
	done
	names=() cmds=() needs=() after=() first=()
	for i in "${!JOB_NAMES[@]}"; do
		[ -n "${keep[${JOB_NAMES[i]}]:-}" ] || continue
		names+=("${JOB_NAMES[i]}")
		cmds+=("${JOB_CMDS[i]}")
		needs+=("${JOB_NEEDS[i]}")
		after+=("${JOB_AFTER[i]}")
		first+=("${JOB_FIRST[i]}")
	done
	JOB_NAMES=("${names[@]}") JOB_CMDS=("${cmds[@]}") JOB_NEEDS=("${needs[@]}")
	JOB_AFTER=("${after[@]}") JOB_FIRST=("${first[@]}")
}

# name_matches GLOBS NAME: NAME, or a part of it after a dot, matches one of the comma-separated
# globs: "tlb.*" selects ktest.tlb.smp2.
name_matches() {
	local n g
	local -a globs
	IFS=, read -r -a globs <<<"$1"
	for g in "${globs[@]}"; do
		n=$2
		while :; do
			# shellcheck disable=SC2053
			[[ $n == $g ]] && return 0
			[[ $n == *.* ]] || break
			n=${n#*.}
		done
	done
	return 1
}

# The pool's bookkeeping, indexed like JOB_NAMES.
job_state=()    # 0 waiting, 1 running, 2 ended
job_t0=()       # when it started (seconds since the run began)
job_secs=()     # how long it ran
job_failed=()   # 1 if it counted a failure
job_cpu=()      # the CPU seconds it used, its processes' user and system time
declare -A job_pid_index
declare -A job_index
declare -A job_estimate

# The durations of the last run, for the estimate of what is left and for the order; in a tree
# that never ran, those of a run on a 2-CPU machine kept in the repository (JOB_DURATIONS), so
# that a fresh clone starts its longest jobs first too.
job_load_estimates() {
	local name secs file=$JOB_DIR/../durations.txt
	[ -f "$file" ] || file=${JOB_DURATIONS:-}
	[ -f "$file" ] || return 0
	while read -r secs name _; do
		job_estimate[$name]=$secs
	done <"$file"
}

# job_slot: wait for one of the machine's JOBS slots, held on fd 8 until the job ends. Every run
# on this machine, in any tree, shares the slots: two runs side by side run JOBS jobs between
# them, not JOBS each, so that neither slows the other's guests by more than its share (a guest
# of four CPUs spinning on a CPU that the host has descheduled costs CPU for nothing). Waiting
# for a slot costs no verdict anything: every timeout starts inside the job.
job_slot() {
	local dir=${TMPDIR:-/tmp}/vmstack-test-slots.$EUID n
	# A pool inside a job (scripts/grade-selftest in make test) runs on that job's slot:
	# waiting for another would wait for its own parent.
	[ -z "${JOB_SLOT_HELD:-}" ] || return 0
	export JOB_SLOT_HELD=1
	mkdir -p "$dir"
	for ((n = 0; n < JOBS; n++)); do
		exec 8>>"$dir/$n"
		flock -n 8 && return 0
		exec 8>&-
	done
	until job_slot_wait "$dir"; do
		# A flock killed: this job is being stopped (Ctrl-C), and must not wait again.
		(($? < 128)) || exit 1
		mkdir -p "$dir" # a cleaner of /tmp took it
		sleep 0.2
	done
}

# job_slot_wait DIR: every slot is taken: wait for the first to be let go, asleep. A flock
# process blocks on each slot; the lock is that of the file this shell opened (flock(2) locks
# belong to the open file), so it stays when the process ends, on fd 8. The slots the other
# processes may have got meanwhile are let go by closing their files. (Trying each slot with
# flock -n and a sleep, five times a second, cost a waiting job a tenth of a core; two runs
# side by side keep a few jobs waiting all the time.) Each flock process holds its own slot's
# file only: one left behind (this job killed meanwhile) holds no other slot. Fails with the
# first flock's status if it failed (above 128: killed).
job_slot_wait() {
	local n m won pid
	local -a fds=() pids=()
	for ((n = 0; n < JOBS; n++)); do
		exec {fds[n]}>>"$1/$n" || break
		(
			for ((m = 0; m < n; m++)); do exec {fds[m]}>&-; done
			exec flock "${fds[n]}"
		) &
		pids[n]=$!
	done
	won=2
	[ ${#pids[@]} -eq 0 ] || {
		wait -n -p pid "${pids[@]}"
		won=$?
	}
	for ((n = 0; n < ${#pids[@]}; n++)); do
		[ "${pids[n]}" = "$pid" ] || kill "${pids[n]}" 2>/dev/null
	done
	wait "${pids[@]}" 2>/dev/null
	for ((n = 0; n < ${#fds[@]}; n++)); do
		[ "$won" -ne 0 ] || [ "${pids[n]:-}" != "$pid" ] || exec 8>&"${fds[n]}"
		exec {fds[n]}>&-
	done
	return "$won"
}

job_start() {
	local i=$1 out=$JOB_DIR/$1
	job_state[i]=1
	job_t0[i]=$SECONDS
	(
		exec 9>&- # the runner's lock (scripts/run-tests) is not the jobs' to hold
		passed=0 failed=0 skipped=0
		failures=()
		skips=()
		job_slot
		# The slot's fd is closed for the command (bash keeps it, close-on-exec, until the
		# command ends): a process the job leaves behind must not hold the slot.
		eval "${JOB_CMDS[i]}" </dev/null 8>&-
		times >"$out.times" # the CPU time of everything the job ran
		{
			echo "$passed $failed $skipped"
			[ ${#failures[@]} -eq 0 ] || printf 'F %s\n' "${failures[@]}"
			[ ${#skips[@]} -eq 0 ] || printf 'S %s\n' "${skips[@]}"
		} >"$out.result"
	) >"$out.out" 2>&1 &
	job_pid_index[$!]=$i
}

# job_deps LIST: sets deps to the indexes of the jobs of the comma-separated LIST that are
# declared (no subshell: the scheduler asks this for every waiting job).
job_deps() {
	local n
	local -a names
	deps=()
	IFS=, read -r -a names <<<"$1"
	for n in "${names[@]}"; do
		[ -z "$n" ] || [ -z "${job_index[$n]:-}" ] || deps+=("${job_index[$n]}")
	done
}

# job_waits I: true if job I must wait for a job it needs or comes after.
job_waits() {
	local j
	job_deps "${JOB_NEEDS[$1]},${JOB_AFTER[$1]}"
	for j in "${deps[@]}"; do
		[ "${job_state[j]}" = 2 ] || return 0
	done
	return 1
}

# job_failed_need I: prints the first job that job I needs and that failed; false if none.
job_failed_need() {
	local j
	job_deps "${JOB_NEEDS[$1]}"
	for j in "${deps[@]}"; do
		[ "${job_failed[j]}" = 0 ] || { echo "${JOB_NAMES[j]}" && return 0; }
	done
	return 1
}

# job_next: the index of the job to start next, or false if none can start now: a --first job,
# then the longest of the last run, then the first declared.
job_next() {
	local i best=-1 best_key=-1 key
	for i in "${!JOB_NAMES[@]}"; do
		[ "${job_state[i]}" = 0 ] || continue
		job_waits "$i" && continue
		key=$((JOB_FIRST[i] * 1000000 + ${job_estimate[${JOB_NAMES[i]}]:-0}))
		if [ "$key" -gt "$best_key" ]; then
			best=$i
			best_key=$key
		fi
	done
	[ "$best" -ge 0 ] && echo "$best"
}

# job_cpu_seconds TIMES: the seconds of CPU in the second line of the times builtin's output
# ("0m1.250s 0m0.310s": the user and system time of the job's processes).
job_cpu_seconds() {
	tail -n 1 "$1" 2>/dev/null | awk '{ t = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/);
		t += a[1] * 60 + a[2] } printf "%d\n", t + 0.5 }'
}

# job_collect I: add up an ended job's counts.
job_collect() {
	local i=$1 p f s line
	if [ ! -f "$JOB_DIR/$i.result" ]; then
		echo "FAIL: ${JOB_NAMES[i]}: the job ended without its result (killed?)" >>"$JOB_DIR/$i.out"
		fail "${JOB_NAMES[i]}: the job ended without its result"
		job_failed[i]=1
		return
	fi
	read -r p f s <"$JOB_DIR/$i.result"
	job_cpu[i]=$(job_cpu_seconds "$JOB_DIR/$i.times")
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	job_failed[i]=$((f > 0))
	while IFS= read -r line; do
		case $line in
		'F '*) failures+=("${line#F }") ;;
		'S '*) skips+=("${line#S }") ;;
		esac
	done < <(tail -n +2 "$JOB_DIR/$i.result")
}

# job_skip_dependent I NEED: a job that needs one that failed is not run; it counts as one
# failure.
job_skip_dependent() {
	local i=$1 a=$2
	job_state[i]=2
	job_secs[i]=0
	job_failed[i]=1
	echo "FAIL: ${JOB_NAMES[i]}: not run, because $a failed" >"$JOB_DIR/$i.out"
	fail "${JOB_NAMES[i]}: not run, because $a failed"
}

job_clock() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# job_progress DONE: the progress line, with an estimate: what the waiting and running jobs
# took last time (or, for a job never timed, the mean of those ended in this run), over JOBS.
job_progress() {
	local ended=$1 i est sum=0 mean=20 n=0 total=0 left names=""
	for i in "${!JOB_NAMES[@]}"; do
		if [ "${job_state[i]}" = 2 ]; then
			total=$((total + job_secs[i]))
			n=$((n + 1))
		fi
	done
	[ "$n" -eq 0 ] || mean=$((total / n + 1))
	for i in "${!JOB_NAMES[@]}"; do
		[ "${job_state[i]}" != 2 ] || continue
		est=${job_estimate[${JOB_NAMES[i]}]:-$mean}
		if [ "${job_state[i]}" = 1 ]; then
			est=$((est - (SECONDS - job_t0[i])))
			[ "$est" -gt 0 ] || est=1
			names="$names ${JOB_NAMES[i]}"
		fi
		sum=$((sum + est))
	done
	left=$(((sum + JOBS - 1) / JOBS))
	if [ -t 2 ]; then
		printf '\r\033[K[%d/%d] %s elapsed, about %s left; running:%s' "$ended" \
			"${#JOB_NAMES[@]}" "$(job_clock $SECONDS)" "$(job_clock $left)" "$names" |
			cut -c1-"${COLUMNS:-100}" >&2
	else
		printf '# progress: %d/%d jobs, %s elapsed, about %s left\n' "$ended" \
			"${#JOB_NAMES[@]}" "$(job_clock $SECONDS)" "$(job_clock $left)" >&2
	fi
}

# job_flush: print the outputs of the ended jobs that follow the last printed one.
job_printed=0
job_flush() {
	[ -t 2 ] && printf '\r\033[K' >&2
	while [ "$job_printed" -lt ${#JOB_NAMES[@]} ] && [ "${job_state[job_printed]}" = 2 ]; do
		cat "$JOB_DIR/$job_printed.out"
		job_printed=$((job_printed + 1))
	done
}

# kill_tree PID: PID and every process below it (QEMU runs under timeout, in a process group of
# its own, so a signal to the job's group would miss it).
kill_tree() {
	local c
	for c in $(pgrep -P "$1"); do
		kill_tree "$c"
	done
	kill "$1" 2>/dev/null
}

# job_kill_all: on Ctrl-C, end the running jobs and what they started.
job_kill_all() {
	local pid
	for pid in $(jobs -p); do
		kill_tree "$pid"
	done
	[ -t 2 ] && printf '\r\033[K' >&2
	echo "run-tests: stopped" >&2
}

# run_jobs: run every declared job, JOBS at a time; adds their counts to the runner's.
run_jobs() {
	local i running=0 ended=0 pid next need
	SECONDS=0
	rm -rf "$JOB_DIR" && mkdir -p "$JOB_DIR"
	job_load_estimates
	for i in "${!JOB_NAMES[@]}"; do
		job_state[i]=0
		job_failed[i]=0
		job_index[${JOB_NAMES[i]}]=$i
	done
	trap 'job_kill_all; exit 130' INT TERM
	while [ "$ended" -lt ${#JOB_NAMES[@]} ]; do
		while [ "$running" -lt "$JOBS" ] && next=$(job_next); do
			if need=$(job_failed_need "$next"); then
				job_skip_dependent "$next" "$need"
				ended=$((ended + 1))
				continue
			fi
			job_start "$next"
			running=$((running + 1))
		done
		[ "$running" -gt 0 ] || { job_flush; continue; }
		wait -n -p pid
		i=${job_pid_index[$pid]:-}
		[ -n "$i" ] || continue
		running=$((running - 1))
		ended=$((ended + 1))
		job_state[i]=2
		job_secs[i]=$((SECONDS - job_t0[i]))
		job_collect "$i"
		job_flush
		job_progress "$ended"
	done
	[ -t 2 ] && printf '\r\033[K' >&2
	trap - INT TERM
	job_report
}

# job_report: the ten slowest jobs and the time per group (a name's first word), and the
# durations kept for the next run's estimate. Seconds of CPU say what a job costs whatever else
# the machine was doing; their sum over the CPUs is the least a run can take.
job_report() {
	local i g cpu=0
	local -A group gcpu
	local run_file=$JOB_DIR/../durations.txt
	for i in "${!JOB_NAMES[@]}"; do
		echo "${job_secs[i]} ${JOB_NAMES[i]} ${job_cpu[i]:-0}"
	done | sort -rn >"$run_file.run"
	# A run of some jobs (T=) keeps the last durations of the others (none in a fresh tree).
	: >"$run_file.kept"
	[ ! -f "$run_file" ] || awk 'NR == FNR { ran[$2] = 1; next } !($2 in ran)' "$run_file.run" \
		"$run_file" >"$run_file.kept"
	sort -rn "$run_file.run" "$run_file.kept" >"$run_file"
	echo
	echo "Slowest jobs (seconds, and seconds of CPU):"
	for i in "${!JOB_NAMES[@]}"; do
		echo "${job_secs[i]} ${JOB_NAMES[i]} ${job_cpu[i]:-0}"
	done | sort -rn | head -n 10 | awk '{ printf "  %5d %5d  %s\n", $1, $3, $2 }'
	rm -f "$run_file.run" "$run_file.kept"
	for i in "${!JOB_NAMES[@]}"; do
		g=${JOB_NAMES[i]%%.*}
		group[$g]=$((${group[$g]:-0} + job_secs[i]))
		gcpu[$g]=$((${gcpu[$g]:-0} + ${job_cpu[i]:-0}))
		cpu=$((cpu + ${job_cpu[i]:-0}))
	done
	echo "Time per group (seconds summed over its jobs, and seconds of CPU):"
	for g in "${!group[@]}"; do
		echo "${group[$g]} $g ${gcpu[$g]}"
	done | sort -rn | awk '{ printf "  %5d %5d  %s\n", $1, $3, $2 }'
	echo "${#JOB_NAMES[@]} jobs, $JOBS at a time: $(job_clock $SECONDS), $(job_clock $cpu) of CPU"
}
