# shellcheck shell=bash
# The builds every other job boots or runs: the kernels of make test, each with its options in
# a build directory of its own, and the host unit tests. Jobs that need one say --needs build.X.

# The kernel with the default options, and the VMAP_STACK=n "before" kernel where make iso
# builds it (build/test/novmap), so that `make run BUILD=build/test` finds both up to date. It is
# built as make stackcheck builds its own (make stackcheck-build: GCC's frame sizes and calls
# beside each object, no ccache), so that the stackcheck job and lab 5's grader check this very
# kernel without compiling it again. (In a fresh tree ccache has nothing to give it anyway.)
job build.test --first build_test_kernel
build_test_kernel() {
	make -s -j"$JOBS" STACKCHECK_BUILD=build/test stackcheck-build >"$LOGS/build-stackcheck.log" 2>&1
	build_kernel build/test
	# The screen reader of the menu jobs, built against the font the kernel was built with.
	${HOSTCC:-cc} -O2 -Wall -Wextra -Werror -I. -Ibuild/test scripts/screen-text.c \
		build/test/font8x8.c -o build/test/screen-text || fail "build: scripts/screen-text.c"
}
# The kernels with other options start from its objects: only what includes config.h is
# rebuilt (a third of the kernel; the user programs not at all).
job build.novmap --first --needs build.test build_kernel --from build/test build/test/novmap VMAP_STACK=n
job build.nozerodirty --needs build.test build_kernel --from build/test build/test-nozerodirty STACK_ZERO_DIRTY=n
# The grader's kernel with two guard pages a side (lab 3), built once for every lab job.
job build.guard2 --first --needs build.test build_kernel --from build/test build/test-guard2 STACK_GUARD_PAGES=2

job build.host --first build_host_tests
build_host_tests() {
	local log=$LOGS/build-host.log
	make -s -j"$JOBS" host-tests >"$log" 2>&1
	verdict "build: host unit tests" "$([ $? -eq 0 ] && echo 1)" "$log"
}
