/*
 * The boot menu's entries for a machine without a keyboard (scripts/mkiso writes the menu):
 * `demo` runs the stack-overflow crash tests one after another with an explanation and a pause
 * each, `selftest` runs every in-kernel test and puts a summary on the screen. Both end by
 * waiting, or by powering off after a timeout given on the command line.
 */
#ifndef KERNEL_DEMO_H
#define KERNEL_DEMO_H

#include "kernel/lib/types.h"

#define DEMO_DEFAULT_PAUSE_MS 8000
#define DEMO_NO_POWEROFF      (-1)

struct demo_options {
	u64 pause_ms;	  /* pause=<ms>: after each crash test's report (0 under test) */
	int poweroff_s;	  /* poweroff=<s>: power off this long after the end; -1: wait */
	const char *glob; /* selftest=<glob>: the tests to run (test='s syntax; NULL: all) */
};

/* The overflow demo. Returns if the machine is to wait (the caller starts the shell). */
void demo_run(const struct demo_options *opt);
/* The in-kernel tests (all, or opt->glob's), then `N passed, N failed` and the failures'
 * names; never returns. */
__attribute__((noreturn)) void selftest_run(const struct demo_options *opt);

#endif
