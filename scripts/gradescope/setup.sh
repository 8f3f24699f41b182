#!/usr/bin/env bash
# Gradescope's setup script (its autograder specification): run once, as root, when the
# autograder's image is built (Ubuntu). Installs what the grader needs and grades the
# reference once, which builds the kernels every submission's build starts from.
#
# The zip (make gradescope LAB=<n>) holds, at its root: setup.sh, run_autograder, lab (the
# lab's number) and vmstack/ (this tree's tracked files: the reference). Gradescope unpacks
# it in /autograder/source. AUTOGRADER_ROOT moves /autograder (to try the scripts elsewhere).
set -eu
ROOT=${AUTOGRADER_ROOT:-/autograder}
SRC=$ROOT/source/vmstack
LAB=$(cat "$ROOT/source/lab")
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# git lists the tracked files (scripts/handout); the rest is what scripts/install-deps checks.
apt-get install -y -qq --no-install-recommends bash git ca-certificates python3 >/dev/null
cd "$SRC"
# The tracked files of the reference: a repository of its own, so git ls-files lists them.
if [ ! -d .git ]; then
	git init -q
	git add -A
	git -c user.name=autograder -c user.email=autograder@vmstack.invalid commit -q -m reference
fi
scripts/install-deps
# The reference's kernels, built once; its grade is a check of the image (and goes to its log).
# Not fatal: a check that timed out on a slow machine must not stop the image; the log says so.
GRADE_QUIET=1 GRADE_OUT=$ROOT/reference scripts/grade "$LAB" ||
	echo "setup.sh: the reference did not get full marks here: raise GRADE_TIMEOUT in run_autograder?"
