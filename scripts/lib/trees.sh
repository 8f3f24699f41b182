# shellcheck shell=bash
# Copies of this tree that a grader grades apart from it: the wrong solutions of
# scripts/grade-selftest, the student trees of scripts/grade-batch and of the Gradescope
# autograder, and the handouts of make test (tests/scenarios/labs.sh). Sourced, not run; the
# working directory is the top of the tree copied.

# copy_tracked DIR: a copy of the tracked files of this tree (as they are in the working tree)
# in DIR, which must not exist: what scripts/handout copies, without a lab's stubs.
copy_tracked() {
	mkdir -p "$1" &&
		git ls-files -z | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		tar --null -T - -cf - | tar -xf - -C "$1"
}

# seed_builds TREE KERNELS: TREE's kernels start from objects built here with the same
# options ("NAME=DIR ...", as GRADE_PREBUILT), so that make rebuilds only what TREE changed:
# each build directory is copied to TREE/build/grade/NAME (where scripts/grade builds kernel
# NAME) with its dependency files pointed at the new place (its ISOs left behind: another job
# may be writing one), and every file of TREE that differs from this tree is touched, newer
# than any object copied. (A stale object would hold the solution, and a wrong solution or a
# handout would pass: loud, not silent.)
seed_builds() {
	local tree=$1 kv from to f
	for kv in $2; do
		from=${kv#*=} to=build/grade/${kv%%=*}
		[ -f "$from/kernel.elf" ] || continue
		mkdir -p "$tree/$to"
		tar -C "$from" --exclude=./novmap --exclude="*.iso" -cf - . | tar -C "$tree/$to" -xf -
		find "$tree/$to" -name '*.d' -exec sed -i "s|$from/|$to/|g" {} +
	done
	diff -rq --exclude=build --exclude=.git . "$tree" 2>/dev/null |
		sed -n "s|^Files \./\(.*\) and $tree/\1 differ\$|\1|p" | while read -r f; do
		touch "$tree/$f"
	done
}

# built_kernels DIR: "NAME=DIR/NAME ..." for every kernel scripts/grade built in DIR (its
# GRADE_OUT): the seeds of seed_builds.
built_kernels() {
	local d out=""
	for d in "$1"/*/; do
		d=${d%/}
		[ -f "$d/kernel.elf" ] && out+="${d##*/}=$d "
	done
	echo "${out% }"
}

# submission_tree LAB SRC TREE SEEDS: the tree a student's work is graded in: this tree's
# tracked files, its kernels seeded from SEEDS, with the files the student hands in (the files
# holding the lab's regions, `scripts/handout --files LAB`, and answers-lab<LAB>.md) taken from
# SRC: at the same path in SRC, or else the one file of that name anywhere in SRC (an upload
# of loose files). A file not handed in is the handout's (its stubs); a note says so on stdout.
# Nothing else of SRC is used: the grader, the tests and the rest of the kernel are this
# tree's, so only the student's files are compiled again.
submission_tree() {
	local lab=$1 src=$2 tree=$3 seeds=$4 f found
	copy_tracked "$tree" || return 1
	cp "docs/labs/answers-lab$lab.md" "$tree/" 2>/dev/null
	for f in $(scripts/handout --files "$lab") answers-lab"$lab".md; do
		found=$src/$f
		if [ ! -f "$found" ]; then
			found=$(find "$src" -name "${f##*/}" -type f 2>/dev/null)
			if [ -z "$found" ] || [ "$(printf '%s\n' "$found" | wc -l)" -ne 1 ]; then
				echo "not handed in: $f (the handout's is graded)"
				[ "$f" = "answers-lab$lab.md" ] || scripts/handout --print "$lab" "$f" >"$tree/$f"
				continue
			fi
		fi
		cp "$found" "$tree/$f"
	done
	seed_builds "$tree" "$seeds"
}
