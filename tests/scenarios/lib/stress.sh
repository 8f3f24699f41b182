# shellcheck shell=bash
# Exclusions for test= (and selftest=) that leave out the tests that cost most: runs that repeat
# the suite use them. Sourced by ktest.sh and menu.sh.
# shellcheck disable=SC2034 # used by the files that source this one

# The two tests that cost most CPU on several CPUs (10,000 tasks, each woken on another CPU; 200
# rounds of spawn and kill), as exclusions for test=: runs that repeat the suite leave them out.
LONG_TESTS='!sched_smp.create_and_exit_10000_*,!process.a_parent_killed_anywhere_*'
# The stress tests of many rounds (10,000 tasks, a thousand processes or overflows, memory run
# out, kills in the middle of sbrk): two thirds of a run's CPU. They run where their answer
# could differ: one CPU (ktest.all, ktest.cpu_max) and the most CPUs of a full run (q35.4); the
# other repeats (:short in ktest.sh) leave them out.
STRESS_TESTS="$LONG_TESTS,!task.create_and_reap_10000_*,!task.out_of_memory_fails_cleanly"
STRESS_TESTS+=",!user.a_thousand_processes_*,!user.processes_killed_in_the_middle_of_sbrk_*"
STRESS_TESTS+=",!lkdtm.thousand_overflows_*"
