/*
 * Host test of the user runtime (user/lib) and the programs, run on Linux before any kernel of
 * ours can: each program is started under ptrace with PTRACE_SYSEMU, which stops it at every
 * syscall instruction without Linux running the call, and this test answers the call the way
 * user/lib/syscall_nr.h defines it (write copies the bytes out of the program, exit ends it,
 * sleep and yield return 0, recurse returns its depth, spawn finds nothing, wait no child,
 * lkdtm REPORT_STACK cycles through lkdtm_spread offsets 16 bytes apart, the rest -ENOSYS).
 * That checks
 * the start code (argc and argv from the System V initial stack), the system-call wrappers'
 * registers, printf, and how each program ends (an exit status, or SIGSEGV for segv and
 * stackoverflow) — not the kernel, whose own tests run the programs in QEMU.
 *
 * Usage: test_userrun [BUILD]   (the programs are BUILD/user/<name>.elf; default build)
 */
#define _GNU_SOURCE /* process_vm_readv */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel/lib/errno.h"
#include "user/lib/syscall_nr.h"
#include "tests/tap.h"

static const char *build = "build";

/* How many different offsets SYS_lkdtm's REPORT_STACK returns, in turn (0: it is unknown). */
static int lkdtm_spread;

/* No program here makes more calls than this; a broken one that loops is stopped there. */
#define MAX_CALLS 100000
/* Nor runs longer than this (seconds), whatever it does. */
#define MAX_SECONDS 120

struct run {
	char out[65536]; /* what the program wrote to fd 1 and 2 */
	size_t out_len;
	int exit_status; /* -1 unless it called SYS_exit */
	int signal;	 /* the signal that stopped it for good, or 0 */
	int nr_calls[NR_SYSCALLS];
	int nr_unknown;
	int nr_stops;
	bool runaway; /* stopped after MAX_CALLS system calls */
};

/* Copy len bytes at addr out of the program; false if any of them is not mapped there. */
static bool peek(pid_t pid, unsigned long addr, void *buf, size_t len)
{
	struct iovec local = { buf, len }, remote = { (void *)addr, len };

	return !len || process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)len;
}

/* Answer one system call of the program; returns false once the program has ended. */
static bool syscall_stop(pid_t pid, struct run *r)
{
	struct user_regs_struct regs;
	unsigned long nr, len;
	long ret = -ENOSYS;
	char buf[4096];

	ptrace(PTRACE_GETREGS, pid, 0, &regs);
	nr = regs.orig_rax;
	if (nr < NR_SYSCALLS)
		r->nr_calls[nr]++;
	else
		r->nr_unknown++;
	switch (nr) {
	case SYS_exit:
		r->exit_status = (int)(regs.rdi & 0xff);
		return false;
	case SYS_write:
		len = regs.rdx;
		if (regs.rdi != 1 && regs.rdi != 2)
			ret = -EINVAL;
		else if (len > sizeof(buf) || !peek(pid, regs.rsi, buf, len))
			ret = -EFAULT;
		else {
			if (r->out_len + len < sizeof(r->out)) {
				memcpy(r->out + r->out_len, buf, len);
				r->out_len += len;
			}
			ret = (long)len;
		}
		break;
	case SYS_spawn: /* no processes here: a readable path is simply not found */
		if (!peek(pid, regs.rdi, buf, 1) || (regs.rsi && !peek(pid, regs.rsi, buf, 1)))
			ret = -EFAULT;
		else
			ret = -ENOENT;
		break;
	case SYS_wait:
		ret = -ECHILD;
		break;
	case SYS_getpid:
		ret = 7;
		break;
	case SYS_sleep:
	case SYS_yield:
		ret = 0;
		break;
	case SYS_recurse:
		ret = (long)regs.rdi;
		break;
	case SYS_lkdtm:
		if (!peek(pid, regs.rdi, buf, sizeof("REPORT_STACK")))
			ret = -EFAULT;
		else if (lkdtm_spread && !memcmp(buf, "REPORT_STACK", sizeof("REPORT_STACK")))
			ret = 424 + 16 * (r->nr_calls[SYS_lkdtm] % lkdtm_spread);
		else
			ret = -EINVAL;
		break;
	}
	regs.rax = ret;
	ptrace(PTRACE_SETREGS, pid, 0, &regs);
	return true;
}

/* Run BUILD/user/<argv[0]>.elf with argv; false if it could not be run at all. */
static bool run(struct run *r, char *const argv[])
{
	char path[512];
	pid_t pid;
	int st;

	memset(r, 0, sizeof(*r));
	r->exit_status = -1;
	snprintf(path, sizeof(path), "%s/user/%s.elf", build, argv[0]);
	pid = fork();
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, 0, 0) == 0)
			execv(path, argv);
		_exit(127);
	}
	/* The first stop is the exec's SIGTRAP; from then on, every stop is a syscall or a fault.
	 */
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st))
		return false;
	/* If this test dies (alarm), the program dies with it. */
	ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_EXITKILL);
	for (;;) {
		if (++r->nr_stops > MAX_CALLS) {
			r->runaway = true; /* a loop that should have ended: the counts say which */
			break;
		}
		ptrace(PTRACE_SYSEMU, pid, 0, 0);
		if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st))
			break; /* gone on its own: cannot happen without SYS_exit */
		if (WSTOPSIG(st) != SIGTRAP) {
			r->signal = WSTOPSIG(st);
			break;
		}
		if (!syscall_stop(pid, r))
			break;
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	r->out[r->out_len] = '\0';
	return true;
}

static bool has(const struct run *r, const char *text)
{
	return strstr(r->out, text) != NULL;
}

static struct run r1, r2;

static void test_hello(void)
{
	char *argv[] = { "hello", "first", "2nd arg", NULL };

	run(&r1, argv);
	tap_ok(r1.exit_status == 0 && !r1.signal, "hello: exit 0 (status %d, signal %d)",
	       r1.exit_status, r1.signal);
	tap_ok(has(&r1, "hello, world from user mode (pid 7)\n"), "hello: greets, pid printed");
	tap_ok(has(&r1, "hello: argv[1] = first\nhello: argv[2] = 2nd arg\n") &&
		       !has(&r1, "argv[3]"),
	       "hello: argc and argv from the initial stack");
}

static void test_exits(void)
{
	char *exit42[] = { "exit42", NULL }, *segv[] = { "segv", NULL };
	char *so[] = { "stackoverflow", NULL };

	run(&r1, exit42);
	tap_ok(r1.exit_status == 42 && !r1.signal && r1.nr_calls[SYS_exit] == 1,
	       "exit42: exit status 42 (%d)", r1.exit_status);
	run(&r1, segv);
	tap_ok(r1.signal == SIGSEGV && r1.exit_status == -1 &&
		       has(&r1, "segv: writing to address 0") && !has(&r1, "FAIL"),
	       "segv: a SIGSEGV after its message (signal %d)", r1.signal);
	run(&r1, so);
	tap_ok(r1.signal == SIGSEGV && has(&r1, "stackoverflow: 1024 frames") && !has(&r1, "FAIL"),
	       "stackoverflow: recursed 1024 frames and more, then a SIGSEGV (signal %d)",
	       r1.signal);
}

static void test_recurse_sibling(void)
{
	char *rec[] = { "recurse", "77", NULL }, *sib[] = { "sibling", "3", "0", NULL };
	char *sib_sleep[] = { "sibling", "2", "5", NULL };

	run(&r1, rec);
	tap_ok(r1.exit_status == 0 && r1.nr_calls[SYS_recurse] == 1 &&
		       has(&r1, "asking the kernel for 77 frames") &&
		       has(&r1, "the kernel came back: 77"),
	       "recurse 77: one SYS_recurse with depth 77");
	run(&r1, sib);
	tap_ok(r1.exit_status == 0 &&
		       !strcmp(r1.out, "sibling 1\nsibling 2\nsibling 3\nsibling: done\n") &&
		       r1.nr_calls[SYS_yield] == 3 && !r1.nr_calls[SYS_sleep],
	       "sibling 3 0: three lines, a yield after each");
	run(&r1, sib_sleep);
	tap_ok(r1.exit_status == 0 && r1.nr_calls[SYS_sleep] == 2 && has(&r1, "sibling 2\n"),
	       "sibling 2 5: two lines, a sleep after each");
}

/* stackentropy's arithmetic: log2 of the distinct offsets, in hundredths, rounded down. */
static void test_stackentropy(void)
{
	static const struct {
		int spread;
		const char *bits;
	} cases[] = {
		{ 1, "0.00" }, { 3, "1.58" }, { 64, "6.00" }, { 65, "6.02" }, { 1000, "9.96" }
	};
	char *argv[] = { "stackentropy", NULL }, want[64];
	bool good = true;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lkdtm_spread = cases[i].spread;
		run(&r1, argv);
		snprintf(want, sizeof(want), "Bits of stack entropy: %s\n", cases[i].bits);
		if (r1.exit_status != 0 || r1.nr_calls[SYS_lkdtm] != 1000 || !has(&r1, want)) {
			tap_diag("%d offsets: want %s; its output:\n%s", cases[i].spread, want,
				 r1.out);
			good = false;
		}
	}
	lkdtm_spread = 0;
	run(&r1, argv);
	tap_ok(good && r1.exit_status == 1 && has(&r1, "REPORT_STACK returned -22"),
	       "stackentropy: 1000 samples; 1, 3, 64, 65, 1000 offsets make 0, 1.58, 6, 6.02, 9.96 "
	       "bits; a failed call exits 1");
}

static void test_fuzz(void)
{
	char *a[] = { "fuzz", "42", "3000", NULL }, *b[] = { "fuzz", "43", "3000", NULL };
	int known = 0, i;

	run(&r1, a);
	for (i = 0; i < NR_SYSCALLS; i++)
		known += r1.nr_calls[i];
	if (!tap_ok(r1.exit_status == 0 && has(&r1, "fuzz: seed 42: 3000 calls:") &&
			    has(&r1, "; 0 checks failed"),
		    "fuzz 42 3000: every call answered, its checks pass"))
		tap_diag("its output:\n%s", r1.out);
	tap_ok(r1.nr_unknown > 300 && known > 1500 && r1.nr_calls[SYS_exit] == 1,
	       "fuzz: both unknown (%d) and known (%d) numbers, exit only at the end",
	       r1.nr_unknown, known);
	run(&r2, a);
	tap_ok(!strcmp(r1.out, r2.out) && !memcmp(r1.nr_calls, r2.nr_calls, sizeof(r1.nr_calls)),
	       "fuzz: the same seed makes the same calls");
	run(&r2, b);
	tap_ok(memcmp(r1.nr_calls, r2.nr_calls, sizeof(r1.nr_calls)),
	       "fuzz: another seed, other calls");
}

/* Here spawn never works, so badptr checks write and spawn only, and says so. */
static void test_badptr(void)
{
	char *argv[] = { "badptr", NULL };

	run(&r1, argv);
	if (!tap_ok(r1.exit_status == 0 && has(&r1, "badptr: 26 checks, 0 failed") &&
			    has(&r1, "wait not checked with the first page"),
		    "badptr: every bad pointer to write and spawn gives -EFAULT"))
		tap_diag("its output:\n%s", r1.out);
}

int main(int argc, char **argv)
{
	char *hello[] = { "hello", NULL };
	char path[512];
	int i;

	if (argc > 1)
		build = argv[1];
	alarm(MAX_SECONDS);
	tap_plan(16);
	snprintf(path, sizeof(path), "%s/user/hello.elf", build);
	if (!tap_ok(access(path, R_OK) == 0, "%s is built (make builds it)", path))
		return tap_done();
	if (!run(&r1, hello)) {
		/* A container may forbid ptrace: say so, rather than fail or pass. */
		for (i = 1; i < 16; i++)
			printf("ok %d - # SKIP cannot run a program under ptrace here\n", i + 1);
		return 0;
	}
	test_hello();
	test_exits();
	test_recurse_sibling();
	test_stackentropy();
	test_fuzz();
	test_badptr();
	return tap_done();
}
