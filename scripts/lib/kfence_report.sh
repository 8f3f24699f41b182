# shellcheck shell=bash
# lkdtm's heap crash tests under KFENCE (kfence=all), as the shell runs them, and the lines each
# must leave: KFENCE's report naming the bad access, the task killed with an oops, the bad free
# refused. One list for the two harnesses that boot them: make test's lkdtm.heap
# (tests/scenarios/lkdtm.sh) and lab 9's grader (tests/labs/lab9.sh), which add their own.

# shellcheck disable=SC2034 # used by the files that source this one
KFENCE_LKDTM_INPUT='lkdtm SLAB_LINEAR_OVERFLOW\nlkdtm READ_AFTER_FREE\nlkdtm WRITE_AFTER_FREE\nlkdtm SLAB_FREE_DOUBLE\n'
# shellcheck disable=SC2034
KFENCE_LKDTM_LINES=(
	'^BUG: KFENCE: out-of-bounds write in lkdtm_slab_linear_overflow$'
	'^Out-of-bounds write at 0xffffc880[0-9a-f]{8} \(1B right of kfence-#[0-9]+\):$'
	'^lkdtm: SLAB_LINEAR_OVERFLOW: pid [0-9]+ killed: oops'
	'^BUG: KFENCE: use-after-free read in lkdtm_read_after_free$'
	'^lkdtm: READ_AFTER_FREE: pid [0-9]+ killed: oops'
	'^BUG: KFENCE: use-after-free write in lkdtm_write_after_free$'
	'^lkdtm: WRITE_AFTER_FREE: pid [0-9]+ killed: oops'
	'^BUG: KFENCE: invalid free in lkdtm_slab_free_double$'
	'^lkdtm: the double free was refused$'
)
