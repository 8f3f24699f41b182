# shellcheck shell=bash
# Copies of this tree that a grader grades apart from it: the wrong solutions of
# scripts/grade-selftest, the student trees of scripts/grade-batch and of the Gradescope
# autograder, and the handouts of make test (tests/scenarios/labs.sh). Sourced, not run; the
# working directory is the top of the tree copied.

# One compiler cache for this tree and every copy of it (the Makefile uses ccache when it is
# installed): a handout or a grader's copy compiles again only the files that differ from those
# built before it. It lives in this tree's build/, so a clean clone starts with it empty. Depend
# mode takes the headers from the compiler's own -MMD list instead of running the preprocessor
# a second time; the directory is not hashed (each copy of the tree has its own).
export CCACHE_DIR=${CCACHE_DIR:-$PWD/build/ccache} CCACHE_DEPEND=1 CCACHE_NOHASHDIR=1

# The kernels make test builds for the graders (tests/scenarios/builds.sh), as GRADE_PREBUILT
# names them: the graders of make test use them, and so can grade-selftest right after it.
# shellcheck disable=SC2034 # used by the files that source this one
TEST_KERNELS="main=build/test novmap=build/test/novmap guard2=build/test-guard2 sc=build/test"

# copy_tracked DIR [link]: a copy of the tracked files of this tree (as they are in the working
# tree) in DIR, which must not exist: what scripts/handout copies, without a lab's stubs. With
# "link", hard links instead of copies (the same file system; else copies): only for a tree
# whose files are changed by git apply alone, which writes a new file in place of a linked one
# (scripts/grade-selftest; a cp onto a linked file would write into this tree's).
copy_tracked() {
	mkdir -p "$1" || return
	if [ "${2:-}" = link ]; then
		tracked_files | xargs -0 -r cp --parents -l -t "$1" 2>/dev/null && return 0
		rm -rf "$1" && mkdir -p "$1" || return
	fi
	tracked_files | xargs -0 -r cp --parents -p -t "$1"
}

# own_copies DIR: the hard links of copy_tracked DIR link become files of DIR's own: for a tree
# kept for someone to read, and maybe edit (an editor may write a linked file in place).
own_copies() {
	# cp -a links again only files linked to each other within what it copies.
	mv "$1" "$1.links" && cp -a "$1.links" "$1" && rm -rf "$1.links"
}

# tracked_files: the tracked files of this tree that are in the working tree, NUL-separated.
tracked_files() {
	git ls-files -z | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done
}

# copy_build FROM TO [AS [NAMED]]: a copy of the build directory FROM at TO, so that make
# rebuilds there only what differs: its dependency files, which name it NAMED (default FROM),
# name AS instead (default TO: the path make will be given); its ISOs and the build nested in it
# (novmap) are left behind, and its kernel images (a copy is linked again: an object changes).
# The objects keep their times; with other options only the objects that include config.h are
# rebuilt. A copy of make stackcheck's build is an ordinary one (its
# stamp and GCC's stack figures are left behind: ccache compiles there), unless
# KEEP_STACKCHECK=1.
copy_build() {
	local from=$1 to=$2 as=${3:-$2} named=${4:-$1}
	mkdir -p "$to"
	# Another job may write a boot's output (bench.log) beside the objects meanwhile: no warning.
	local -a figures=(--exclude=./stackcheck.stamp --exclude='*.ci' --exclude='*.su')
	[ "${KEEP_STACKCHECK:-0}" != 1 ] || figures=()
	tar -C "$from" --exclude=./novmap --exclude='*.iso' --exclude='./kernel*.elf' \
		--exclude=./kernel.syms --warning=no-file-changed "${figures[@]}" -cf - . |
		tar -C "$to" -xf -
	find "$to" -name '*.d' -exec sed -i "s|$named/|$as/|g" {} +
}

# seed_builds TREE KERNELS [CHANGED...]: TREE's kernels start from objects built here with the
# same options ("NAME=DIR ...", as GRADE_PREBUILT), so that make rebuilds only what TREE changed
# (the files CHANGED, if the caller knows them; else every file that differs from this tree).
# Each is listed in TREE/build/grade/seeds, and the grader copies it to build/grade/NAME (where
# it builds kernel NAME; copy_build) when a check first needs that kernel: a wrong solution
# graded on one check copies one build, not four. Every file of TREE that differs from this
# tree is touched, newer than any object copied. (A stale object would hold the solution, and a
# wrong solution or a handout would pass: loud, not silent.)
seed_builds() {
	local tree=$1 kv from f
	mkdir -p "$tree/build/grade"
	: >"$tree/build/grade/seeds"
	for kv in $2; do
		from=${kv#*=}
		[ -f "$from/kernel.elf" ] || continue
		# The name, where the build is, and how its dependency files name it.
		echo "${kv%%=*} $(cd "$from" && pwd) $from" >>"$tree/build/grade/seeds"
	done
	shift 2
	if [ $# -gt 0 ]; then
		(cd "$tree" && touch -- "$@")
		return
	fi
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
