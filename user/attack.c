/*
 * Review attacks, a table of named cases: attack <case> runs one, attack -a runs them all (each
 * in a child, checked by how it ended), attack -h lists them. Each case does one thing the
 * kernel must survive: it is killed, or it prints "attack: <case>: ok" (or a FAIL line) and
 * exits with 0 (1 on a FAIL).
 */
#include "user/lib/ulib.h"

static int fails;

static void check(const char *what, long got, long want)
{
	if (got != want) {
		fails++;
		printf("attack: FAIL: %s = %ld, want %ld\n", what, got, want);
	}
}

static unsigned long heap_page(void)
{
	unsigned long b = (unsigned long)sbrk(4096);
	return (b + 4095) & ~4095UL; /* may need a second page */
}

static long raw_syscall(long nr)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr) : "rcx", "r11", "memory");
	return ret;
}

/* The flags and the privileged instructions: each must fault (and kill) or be harmless. */

static void attack_tf(int argc, char **argv)
{
	__asm__ volatile("pushfq\n\torq $0x100, (%%rsp)\n\tpopfq\n\t"
			 "mov $3, %%eax\n\tsyscall\n\t"
			 "pushfq\n\tandq $~0x100, (%%rsp)\n\tpopfq" ::
				 : "rax", "rcx", "r11", "memory", "cc");
	printf("attack: tf: survived single-step\n");
}

static void attack_ac(int argc, char **argv)
{
	volatile char b[16];
	__asm__ volatile("pushfq\n\torq $0x40000, (%%rsp)\n\tpopfq" ::: "memory", "cc");
	*(volatile int *)(b + 1) = 5;
	check("getpid with AC", getpid() > 0, 1);
	check("write with AC", write(1, "ac\n", 3), 3);
}

static void attack_int3(int argc, char **argv)
{
	__asm__ volatile("int3");
}

static void attack_ud2(int argc, char **argv)
{
	__asm__ volatile("ud2");
}

static void attack_div0(int argc, char **argv)
{
	volatile int z = 0;
	printf("%d\n", 5 / z);
}

static void attack_hlt(int argc, char **argv)
{
	__asm__ volatile("hlt");
}

static void attack_cli(int argc, char **argv)
{
	__asm__ volatile("cli");
	for (;;)
		;
}

static void attack_in(int argc, char **argv)
{
	__asm__ volatile("inb $0x60, %%al" ::: "rax");
}

static void attack_out(int argc, char **argv)
{
	__asm__ volatile("mov $0x31, %%al\n\toutb %%al, $0xf4" ::: "rax");
}

static void attack_iopl(int argc, char **argv)
{
	__asm__ volatile("pushfq\n\torq $0x3000, (%%rsp)\n\tpopfq" ::: "memory", "cc");
	__asm__ volatile("mov $0x31, %%al\n\toutb %%al, $0xf4" ::: "rax");
}

static void attack_int80(int argc, char **argv)
{
	__asm__ volatile("int $0x80");
}

static void attack_int20(int argc, char **argv)
{
	__asm__ volatile("int $0x20");
}

static void attack_int0e(int argc, char **argv)
{
	__asm__ volatile("int $0x0e");
}

static void attack_icebp(int argc, char **argv)
{
	__asm__ volatile(".byte 0xf1");
}

static void attack_rdmsr(int argc, char **argv)
{
	__asm__ volatile("mov $0xc0000101, %%ecx\n\trdmsr" ::: "rax", "rcx", "rdx");
}

static void attack_cr3(int argc, char **argv)
{
	__asm__ volatile("mov %%cr3, %%rax" ::: "rax");
}

/* Memory the process must not read, write or run. */

static void attack_kread(int argc, char **argv)
{
	printf("%lx\n", *(volatile unsigned long *)0xffffffff80100000UL);
}

static void attack_kread_dm(int argc, char **argv)
{
	printf("%lx\n", *(volatile unsigned long *)0xffff888000100000UL);
}

static void attack_noncanon_jmp(int argc, char **argv)
{
	__asm__ volatile("jmp *%0" ::"r"(0x0000800000000000UL));
}

static void attack_exec_stack(int argc, char **argv)
{
	unsigned char code[4] = { 0xc3 };
	((void (*)(void))code)();
	printf("attack: FAIL: executed the stack\n");
}

static void attack_exec_heap(int argc, char **argv)
{
	unsigned char *p = (unsigned char *)sbrk(4096);
	p[0] = 0xc3;
	((void (*)(void))p)();
	printf("attack: FAIL: executed the heap\n");
}

static void attack_write_text(int argc, char **argv)
{
	*(volatile char *)main = 0;
	printf("attack: FAIL: wrote text\n");
}

/* The stack pointer and the segment registers the kernel must not trust. */

static void attack_badrsp(int argc, char **argv)
{
	__asm__ volatile("mov %%rsp, %%rbx\n\tmov $0xffffffff80100000, %%rsp\n\t"
			 "mov $8, %%eax\n\tsyscall\n\t"
			 "mov $100000, %%ecx\n1:\n\tdec %%ecx\n\tjnz 1b\n\t"
			 "mov %%rbx, %%rsp" ::
				 : "rax", "rbx", "rcx", "r11", "memory");
	printf("attack: badrsp: ok\n");
}

static void attack_badrsp_fault(int argc, char **argv)
{
	__asm__ volatile("mov $0x0000800000000000, %%rsp\n\tpush %%rax" ::: "memory");
}

static void attack_segs(int argc, char **argv)
{
	__asm__ volatile("mov $0x1b, %%eax\n\tmov %%eax, %%gs\n\tmov %%eax, %%fs" ::: "rax");
	check("getpid after mov gs", getpid() > 0, 1);
	msleep(20);
	check("write after mov gs", write(1, "segs\n", 5), 5);
}

static void attack_nullss(int argc, char **argv)
{
	__asm__ volatile("xor %%eax, %%eax\n\tmov %%eax, %%ss" ::: "rax");
	printf("attack: nullss: loaded\n");
	msleep(10);
}

/* System calls with arguments no caller should pass. */

static void attack_nosys(int argc, char **argv)
{
	check("syscall -1", raw_syscall(-1), -ENOSYS);
	check("syscall NR_SYSCALLS (the first unknown)", raw_syscall(NR_SYSCALLS), -ENOSYS);
	check("syscall 1<<63", raw_syscall((long)(1UL << 63)), -ENOSYS);
	check("syscall 0x100000000", raw_syscall(0x100000000L), -ENOSYS);
}

static void attack_ptrs(int argc, char **argv)
{
	unsigned long p = heap_page(), brk;
	char *s;
	int st;

	/* the break at a page end: the next page unmapped */
	brk = (unsigned long)sbrk(0);
	sbrk((long)(((brk + 4095) & ~4095UL) - brk));
	brk = (unsigned long)sbrk(0);
	s = (char *)brk - 6;
	memcpy(s, "exit42", 6); /* no NUL before the unmapped page */
	check("spawn(unterminated path)", spawn(s, ""), -EFAULT);
	check("spawn(\"exit42\", unterminated args)", spawn("exit42", s) < 0, 1);
	wait(-1, &st);
	check("write straddling brk", write(1, s, 7), -EFAULT);
	check("write len ~0", write(1, s, ~0UL), -EFAULT);
	check("write len wraps", write(1, s, -(unsigned long)s), -EFAULT);
	check("write len 0 at NULL", write(1, 0, 0), 0);
	check("write len 0 at kernel", write(1, (void *)0xffffffff80000000UL, 0), -EFAULT);
	check("write at USER_TOP-1", write(1, (void *)0x00007ffffeffffffUL, 1), -EFAULT);
	check("write stack guard gap", write(1, (void *)(0x00007fffff000000UL - 4096 * 18), 4),
	      -EFAULT);
	check("read into text", read(0, (void *)main, 4), -EFAULT);
	check("read into guard gap", read(0, (void *)(0x00007fffff000000UL - 4096 * 18), 4),
	      -EFAULT);
	check("wait status into text", wait(-1, (int *)main),
	      -EFAULT); /* checked before the child */
	(void)p;
}

static void attack_wait(int argc, char **argv)
{
	long pid;
	int st;

	check("wait(self)", wait(getpid(), &st), -ECHILD);
	check("wait(0)", wait(0, &st), -ECHILD);
	check("wait(1)", wait(1, &st), -ECHILD);
	check("wait(-2)", wait(-2, &st), -ECHILD);
	check("wait(INT_MIN)", wait((int)0x80000000, &st), -ECHILD);
	check("wait(-1) no child", wait(-1, &st), -ECHILD);
	pid = spawn("exit42", "");
	check("spawn exit42 > 0", pid > 0, 1);
	check("wait(pid + 2^32)", syscall6(SYS_wait, pid + (1L << 32), (long)&st, 0, 0, 0, 0), pid);
	check("status", st, W_EXITCODE(42, 0));
	check("wait(pid) again", wait((int)pid, &st), -ECHILD);
}

static void attack_sbrk(int argc, char **argv)
{
	long b0 = sbrk(0);
	check("sbrk(-1) at start", sbrk(-1), -ENOMEM);
	check("sbrk(LONG_MIN)", sbrk((long)(1UL << 63)), -ENOMEM);
	check("sbrk(LONG_MAX)", sbrk(0x7fffffffffffffffL), -ENOMEM);
	check("sbrk(64M+1)", sbrk((64L << 20) + 1), -ENOMEM);
	check("sbrk(0) unchanged", sbrk(0), b0);
	check("sbrk(64M)", sbrk(64L << 20), b0);
	((volatile char *)b0)[(64L << 20) - 1] = 1;
	check("sbrk(1) over max", sbrk(1), -ENOMEM);
	check("sbrk(-64M)", sbrk(-(64L << 20)), b0 + (64L << 20));
	check("sbrk(0) back", sbrk(0), b0);
	check("sbrk(3)", sbrk(3), b0);
	check("sbrk(-3)", sbrk(-3), b0 + 3);
	check("sbrk(-4)", sbrk(-4), -ENOMEM);
	if (fails)
		exit(1); /* not killed: -a sees the failed checks */
	printf("attack: sbrk: now touching the freed heap (must segfault)\n");
	((volatile char *)b0)[100] = 1;
	printf("attack: FAIL: freed heap still mapped\n");
}

static void attack_recurse(int argc, char **argv)
{
	check("recurse(0)", syscall6(SYS_recurse, 0, 0, 0, 0, 0, 0), 0);
	check("recurse(1)", syscall6(SYS_recurse, 1, 0, 0, 0, 0, 0), 1);
	if (fails)
		exit(1); /* not killed: -a sees the failed checks */
	printf("attack: recurse(~0): must be killed\n");
	syscall6(SYS_recurse, ~0UL, 0, 0, 0, 0, 0);
	printf("attack: FAIL: recurse(~0) returned\n");
}

static void attack_sleep(int argc, char **argv)
{
	check("sleep(0)", msleep(0), 0);
	check("sleep(~0) is capped (60s)... skipped", 0, 0);
}

/* State one process must not see of another's: the x87/MMX registers, the console's lines. */

static void attack_x87(int argc, char **argv)
{
	unsigned long n = arg_num(argc, argv, 2, 1), i;
	for (i = 0; i < n; i++) {
		unsigned long v = 0x1234567800000000UL + i, w = 0;
		__asm__ volatile("movq %0, %%mm0\n\t" ::"r"(v) : "memory");
		(void)w;
		msleep(2);
		__asm__ volatile("movq %%mm0, %0" : "=r"(w));
		if (w != v) {
			printf("attack: FAIL: x87/mm0 changed across a sleep: %lx -> %lx\n", v, w);
			fails++;
			break;
		}
	}
	__asm__ volatile("emms");
}

static void attack_x87pair(int argc, char **argv)
{
	long pid = spawn("attack", "x87 200");
	unsigned long i;
	int st;

	for (i = 0; i < 400; i++) {
		__asm__ volatile("movq %0, %%mm0" ::"r"(0xbad0000000000000UL + i));
		msleep(1);
	}
	__asm__ volatile("emms");
	check("wait x87 child", wait((int)pid, &st), pid);
	check("x87 child status", st, 0);
}

static void attack_x87spy(int argc, char **argv)
{
	unsigned long w;
	__asm__ volatile("movq %%mm0, %0" : "=r"(w));
	printf("attack: x87spy: mm0 = %lx\n", w);
}

static void attack_chatter(int argc, char **argv)
{
	unsigned long n = arg_num(argc, argv, 2, 1000), i;
	for (i = 0; i < n; i++)
		write(1, "chatter: 0123456789abcdefghijklmnopqrstuvwxyz0123456789\n", 56);
}

static void attack_mixed(int argc, char **argv)
{
	long pid = spawn("attack", "chatter 3000");
	unsigned long i;
	int st;

	for (i = 0; i < 40; i++) {
		long c = spawn("segv", "");
		wait((int)c, &st);
	}
	check("wait chatter", wait((int)pid, &st), pid);
}

/* Many processes. */

static void attack_spawnmany(int argc, char **argv)
{
	unsigned long n = arg_num(argc, argv, 2, 100), i, ok = 0;
	for (i = 0; i < n; i++) {
		long pid = spawn("attack", "sleeper");
		if (pid < 0) {
			printf("attack: spawn %lu: %ld\n", i, pid);
			break;
		}
		ok++;
	}
	printf("attack: spawned %lu sleepers; exiting without waiting\n", ok);
}

static void attack_sleeper(int argc, char **argv)
{
	msleep(60000);
}

static void attack_bomb(int argc, char **argv)
{
	for (;;) {
		spawn("attack", "bomb");
		msleep(1);
	}
}

/*
 * How a case must end: killed (by its fault, or for its kernel stack), or exited with 0 after
 * its checks. LOAD cases are tools of the other cases and loads for the scenarios: they are run
 * by name and judged by their output, never by -a.
 */
enum ending { KILLED, OK, LOAD };

struct attack_case {
	const char *name;
	enum ending ending;
	const char *help;
	void (*fn)(int argc, char **argv);
};

/* clang-format off */
#define CASE(name, ending, help) { #name, ending, help, attack_##name }
/* clang-format on */

static const struct attack_case cases[] = {
	CASE(tf, KILLED, "the trap flag set across a syscall: the #DB comes in ring 3"),
	CASE(ac, OK, "AC set, an unaligned access, then system calls"),
	CASE(int3, KILLED, "a breakpoint"),
	CASE(ud2, KILLED, "an invalid opcode"),
	CASE(div0, KILLED, "a division by zero"),
	CASE(hlt, KILLED, "hlt at CPL 3"),
	CASE(cli, KILLED, "cli at CPL 3"),
	CASE(in, KILLED, "inb from the keyboard port"),
	CASE(out, KILLED, "outb to QEMU's exit port"),
	CASE(iopl, KILLED, "popf ignores IOPL at CPL 3, so out must still #GP"),
	CASE(int80, KILLED, "int $0x80, a gate ring 3 may not use"),
	CASE(int20, KILLED, "int $0x20, a vector of the IRQs"),
	CASE(int0e, KILLED, "int $0x0e, the page fault's vector"),
	CASE(icebp, KILLED, "icebp (0xf1), the one-byte INT1"),
	CASE(rdmsr, KILLED, "rdmsr of GS base at CPL 3"),
	CASE(cr3, KILLED, "read CR3 at CPL 3"),
	CASE(kread, KILLED, "read the kernel image"),
	CASE(kread_dm, KILLED, "read the direct map"),
	CASE(noncanon_jmp, KILLED, "jump to a non-canonical address"),
	CASE(exec_stack, KILLED, "run code on the stack (NX)"),
	CASE(exec_heap, KILLED, "run code on the heap (NX)"),
	CASE(write_text, KILLED, "write to the program's text"),
	CASE(badrsp, OK, "syscall and interrupts with a kernel-half RSP"),
	CASE(badrsp_fault, KILLED, "a fault with a non-canonical RSP"),
	CASE(segs, OK, "the user data selector in GS and FS, then syscalls"),
	CASE(nullss, KILLED, "load SS with null: #GP at CPL 3"),
	CASE(nosys, OK, "system calls that do not exist: -ENOSYS"),
	CASE(ptrs, OK, "bad pointers and lengths to spawn, write, read, wait: -EFAULT"),
	CASE(wait, OK, "wait for no child, self, init, a pid with high bits"),
	CASE(sbrk, KILLED, "sbrk past its limits, then touch the freed heap"),
	CASE(recurse, KILLED, "the kernel recurses 0, 1, then ~0 times: its stack overflows"),
	CASE(sleep, OK, "sleep(0)"),
	CASE(x87, KILLED, "[n] keep a value in mm0 across n sleeps (CR0.EM: no MMX in ring 3)"),
	CASE(x87pair, KILLED, "change mm0 while a child (x87 200) keeps its own"),
	CASE(x87spy, KILLED, "read mm0 without setting it: another process's data must not show"),
	CASE(chatter, LOAD, "[n] n whole lines, one write each"),
	CASE(mixed, LOAD, "kernel reports on one CPU while a child (chatter 3000) writes: ok"),
	CASE(spawnmany, LOAD, "[n] spawn n sleepers and exit without waiting"),
	CASE(sleeper, LOAD, "sleep 60 s"),
	CASE(bomb, LOAD, "every process spawns two more, forever"),
};

#define NR_CASES (sizeof(cases) / sizeof(cases[0]))

static const char *const ending_name[] = { [KILLED] = "killed", [OK] = "ok", [LOAD] = "" };

static void usage(void)
{
	unsigned long i;

	printf("usage: attack <case> [n]  run one case; it must end as its last word says\n"
	       "       attack -a          every case but the loads, each in a child, checked\n"
	       "       attack -h          this list\n");
	for (i = 0; i < NR_CASES; i++)
		printf("  %-13s %s%s%s\n", cases[i].name, cases[i].help,
		       cases[i].ending == LOAD ? "" : ": ", ending_name[cases[i].ending]);
}

static const struct attack_case *find_case(const char *name)
{
	unsigned long i;

	for (i = 0; i < NR_CASES; i++) {
		if (!strcmp(name, cases[i].name))
			return &cases[i];
	}
	return NULL;
}

/* Run case c in a child and check how it ended: true if as it must. */
static bool run_in_child(const struct attack_case *c)
{
	long pid = spawn("attack", c->name);
	int st = 0;

	if (pid < 0) {
		printf("attack -a: %s: spawn failed (%ld)\n", c->name, pid);
		return false;
	}
	if (wait((int)pid, &st) != pid) {
		printf("attack -a: %s: wait failed\n", c->name);
		return false;
	}
	if (c->ending == KILLED ? WKILLED(st) != 0 : st == 0) {
		printf("attack -a: %s: %s\n", c->name, ending_name[c->ending]);
		return true;
	}
	printf("attack -a: %s: FAIL: wait status %#x, want %s\n", c->name, st,
	       ending_name[c->ending]);
	return false;
}

/* Each case in a child (SerenityOS's crash -A): a case that must be killed cannot run here. */
static int run_all(void)
{
	unsigned long i, n = 0, failed = 0;

	for (i = 0; i < NR_CASES; i++) {
		if (cases[i].ending == LOAD)
			continue;
		n++;
		failed += !run_in_child(&cases[i]);
	}
	printf("attack -a: %lu cases, %lu failed\n", n, failed);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";
	const struct attack_case *c;

	if (!strcmp(m, "-h")) {
		usage();
		return 0;
	}
	if (!strcmp(m, "-a"))
		return run_all();
	c = find_case(m);
	if (!c) {
		if (m[0])
			printf("attack: unknown case '%s'\n", m);
		usage();
		return 2;
	}
	c->fn(argc, argv);
	printf("attack: %s: %s\n", m, fails ? "FAIL" : "ok");
	return fails ? 1 : 0;
}
