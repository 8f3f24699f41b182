# shellcheck shell=bash
# The tools around the graders (docs/labs/INSTRUCTORS.md): batch grading into a CSV, the
# results in Gradescope's JSON, the self-test against the wrong solutions, the handouts that
# must not hold an answer, and the docs' sample outputs and region table against the code.
# Each is kept cheap: lab 1 (the smallest), one check of it, kernels from the build jobs.

# A class of four, graded by scripts/grade-batch on one check of lab 1: the reference, the
# handout, the reference with a known-wrong solution, and one that does not build. Each gets
# its score and its reason, and the per-student results are valid Gradescope JSON.
grading_batch() {
	local name=grading.batch dir=build/test-grading/batch ok=1 csv row want why
	rm -rf "$dir" && mkdir -p "$dir/class"
	(
		. scripts/lib/trees.sh
		copy_tracked "$dir/class/reference" &&
			scripts/handout 1 "$dir/class/handout" >/dev/null &&
			copy_tracked "$dir/class/wrong" &&
			(cd "$dir/class/wrong" && GIT_CEILING_DIRECTORIES=$PWD/.. git apply \
				"$OLDPWD/tests/labs/wrong/lab1-last-run.patch") &&
			mkdir -p "$dir/class/nobuild/mm" &&
			sed 's/^void ptdump_walk(/void ptdump_walk(int oops, /' mm/ptdump.c \
				>"$dir/class/nobuild/mm/ptdump.c"
	) >"$LOGS/$name.log" 2>&1 || { fail "$name: could not make the class"; show_tail "$LOGS/$name.log"; return; }
	csv=$dir/grades.csv
	JOBS=1 GRADE_PREBUILT="main=build/test" GRADE_ONLY="lab1 ptdump command" \
		GRADE_BATCH_OUT=$dir/out scripts/grade-batch 1 "$dir/class" "$csv" >>"$LOGS/$name.log" 2>&1 ||
		{ echo "     $name: scripts/grade-batch exited with $?"; ok=0; }
	# student,score,total,reason-regex
	for want in 'reference,10,10,^$' 'handout,0,0,lab1 ptdump command: MISSING' \
		'wrong,0,0,the last run ends at 0x' 'nobuild,0,0,did not build: .*error'; do
		row=$(grep "^${want%%,*}," "$csv" 2>/dev/null)
		why=${want#*,*,*,}
		if [[ "$row" != "${want%,*}",* ]] || ! [[ "${row#*,*,*,}" =~ $why ]]; then
			echo "     $name: expected '${want%,*},/$why/', got '${row:-no row}'"
			ok=0
		fi
	done
	[ "$(head -n 1 "$csv" 2>/dev/null)" = "student,lab1 ptdump command,total,reason" ] ||
		{ echo "     $name: the header is '$(head -n 1 "$csv" 2>/dev/null)'"; ok=0; }
	verdict "$name" "$ok" "$LOGS/$name.log" "(4 students: $(cut -d, -f1,3 "$csv" 2>/dev/null |
		tail -n +2 | tr '\n' ' ' | sed 's/ $//'))"
	# make grade FORMAT=json: the same runs' results, against the specification's schema.
	ok=1
	: >"$LOGS/grading.json.log"
	for want in reference nobuild; do
		if ! scripts/check-json-schema tests/gradescope-results.schema.json \
			"$dir/out/$want.json" >>"$LOGS/grading.json.log" 2>&1 ||
			! python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
assert r["score"] == sum(t["score"] for t in r["tests"]), "score is not the sum"
assert [t["name"] for t in r["tests"]] == ["lab1 ptdump command"], "not the check graded"
assert r["tests"][0]["score"] == int(sys.argv[2]), "wrong score"' "$dir/out/$want.json" \
			"$([ $want = reference ] && echo 10 || echo 0)" >>"$LOGS/grading.json.log" 2>&1; then
			echo "     grading.json: $dir/out/$want.json"
			ok=0
		fi
	done
	# And the validator must reject what the specification does not allow.
	printf '{"score": "10", "tests": [{"name": "x", "status": "ok", "points": 1}]}\n' \
		>"$dir/bad.json"
	if scripts/check-json-schema tests/gradescope-results.schema.json "$dir/bad.json" \
		>>"$LOGS/grading.json.log" 2>&1 || [ "$(grep -c 'bad.json: ' "$LOGS/grading.json.log")" -ne 3 ]; then
		echo "     grading.json: the schema check accepts a wrong document"
		ok=0
	fi
	verdict grading.json "$ok" "$LOGS/grading.json.log" "(the results.json of 2 students, and a wrong one refused)"
}
job grading.batch --needs build.test grading_batch

# scripts/grade-selftest on a catalogue of three: a wrong solution that the check catches
# passes; one that changes nothing the check sees, and one that no longer applies, fail - and
# the self-test says why and exits non-zero.
grading_selftest() {
	local name=grading.selftest dir=build/test-grading/selftest ok=1 log=$LOGS/grading.selftest.log
	rm -rf "$dir" && mkdir -p "$dir/wrong"
	cp tests/labs/wrong/lab1-last-run.patch "$dir/wrong/"
	# Plain unified diffs (git apply takes them too): a comment added; and a change against a
	# line that is not there.
	sed '/^\tif (st.started)$/i\	/* the run still open */' mm/ptdump.c >"$dir/harmless.c"
	sed 's/PTE_WRITE | PTE_USER);$/PTE_WRITE | PTE_GONE);/' mm/ptdump.c >"$dir/gone.c"
	sed '/^\tif (st.started)$/d' "$dir/gone.c" >"$dir/stale.c"
	{
		echo '# check: lab1 ptdump command'
		echo '# wrong: nothing: only a comment changes, so the check must keep its marks'
		diff -u --label a/mm/ptdump.c --label b/mm/ptdump.c mm/ptdump.c "$dir/harmless.c"
	} >"$dir/wrong/lab1-harmless.patch"
	{
		echo '# check: lab1 ptdump command'
		echo '# wrong: written against code that is gone'
		diff -u --label a/mm/ptdump.c --label b/mm/ptdump.c "$dir/gone.c" "$dir/stale.c"
	} >"$dir/wrong/lab1-stale.patch"
	JOBS=1 GRADE_WRONG=$dir/wrong GRADE_SELFTEST_OUT=$dir/out GRADE_PREBUILT="main=build/test" \
		scripts/grade-selftest 1 >"$log" 2>&1
	[ $? -ne 0 ] || { echo "     $name: scripts/grade-selftest passed"; ok=0; }
	check_lines "$name" "$log" '^ok   lab1-last-run: lab1 ptdump command 0/10$' \
		'^FAIL lab1-harmless: passed with full marks: lab1 ptdump command \(nothing' \
		'^FAIL lab1-stale: the patch no longer applies' '^1 passed, 2 failed$'
	verdict "$name" "$ok" "$log" "(a caught wrong solution passes; an uncaught one and a stale one fail)"
}
job grading.selftest --needs build.test grading_selftest

# The handout of each lab holds no answer: no catalogue of wrong solutions, and no line that
# matches the lab's LAB<n>_NOT_IN_HANDOUT patterns (tests/labs/lab<n>.sh: extended regular
# expressions for the answer under another name) outside tests/labs/.
handout_hides_answers() {
	local lab=$1 name=grading.handout_hides.lab$1 tree=build/test-grading/handout-lab$1 ok=1 re hits
	local log=$LOGS/grading.handout_hides.lab$1.log
	local -a patterns=()
	# The lab's patterns, from its grader file (sourced in this job's shell alone).
	# shellcheck disable=SC1090
	. "tests/labs/lab$lab.sh"
	eval "patterns=(\"\${LAB${lab}_NOT_IN_HANDOUT[@]}\")"
	rm -rf "$tree"
	if ! scripts/handout "$lab" "$tree" >"$log" 2>&1; then
		fail "$name: scripts/handout failed"
		show_tail "$log"
		return
	fi
	if [ -e "$tree/tests/labs/wrong" ]; then
		echo "     $name: the handout holds tests/labs/wrong/, the wrong solutions"
		ok=0
	fi
	for re in "${patterns[@]}"; do
		hits=$(cd "$tree" && git ls-files | grep -v '^tests/labs/' |
			xargs grep -nE -- "$re" 2>/dev/null | head -n 5)
		if [ -n "$hits" ]; then
			echo "     $name: /$re/ is in the handout:"
			echo "$hits" | sed 's/^/       /'
			ok=0
		fi
	done
	verdict "$name" "$ok" "$log" "(${#patterns[@]} patterns)"
}
for lab in 1 2 3 4 5 6 7 8 9; do
	job "grading.handout_hides.lab$lab" handout_hides_answers "$lab"
done

# The sample outputs of the docs (<!-- sample: commands --> before a fenced block) against the
# reference kernel, one boot per doc; and a stale sample must fail.
grading_samples() {
	local name=grading.samples log=$LOGS/grading.samples.log ok=1 doc stale
	K=build/test/kernel.elf scripts/check-samples >"$log" 2>&1 || ok=0
	# A sample gone stale: a word of the first output line of the first sample changed.
	doc=$(grep -l '^<!-- sample: ' docs/labs/*.md README.md docs/*.md 2>/dev/null | head -n 1)
	if [ -n "$doc" ]; then
		stale=build/test-grading/stale-sample.md
		mkdir -p build/test-grading
		awk '/^<!-- sample: / && !done { m = 1; print; next }
			m == 1 && /^```/ { m = 2; print; next }
			m == 2 && !/^\$ / && !/^\.\.\.$/ && NF { sub(/[A-Za-z]+/, "&zz"); m = 0; done = 1 }
			{ print }' "$doc" >"$stale"
		if scripts/check-samples --log "build/check-samples/$(echo "$doc" | tr / -).log" \
			"$stale" >>"$log" 2>&1; then
			echo "     $name: a stale sample ($stale) passes"
			ok=0
		fi
	fi
	verdict "$name" "$ok" "$log" "($(grep -c '^check-samples: .* 0 lines do not match' "$log") docs, a stale sample refused)"
}
job grading.samples --needs build.test grading_samples

# The region table of docs/labs/README.md is the one scripts/handout makes from the markers;
# every region has its stub in the lab's store and every stub a region (scripts/handout --check).
docs_lab_regions() {
	local log=$LOGS/docs.lab_regions.log ok=1
	if ! scripts/handout --check >"$log.check" 2>&1; then
		echo "     docs.lab_regions: scripts/handout --check:"
		sed 's/^/       /' "$log.check"
		ok=0
	fi
	scripts/handout --regions >"$log.want"
	awk '/^<!-- regions: scripts\/handout --regions -->$/ { on = 1; next }
		/^<!-- end of the regions -->$/ { on = 0 } on' docs/labs/README.md >"$log.have"
	if ! diff -u "$log.have" "$log.want" >"$log"; then
		echo "     docs.lab_regions: docs/labs/README.md's table of the regions is not the code's;"
		echo "     run: scripts/handout --regions --write"
		ok=0
	fi
	verdict docs.lab_regions "$ok" "$log" "($(($(wc -l <"$log.want") - 2)) regions)"
}
job docs.lab_regions docs_lab_regions
