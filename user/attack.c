/*
 * Review attacks: attack <mode>. Each mode does one thing the kernel must survive; the ones that
 * must kill the process say so (the shell's run prints how it ended), the others print
 * "attack: <mode>: ok" or a FAIL line.
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

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";
	int st;

	if (!strcmp(m, "tf")) { /* trap flag set across a syscall: #DB in ring 3 after sysret */
		__asm__ volatile("pushfq\n\torq $0x100, (%%rsp)\n\tpopfq\n\t"
				 "mov $3, %%eax\n\tsyscall\n\t"
				 "pushfq\n\tandq $~0x100, (%%rsp)\n\tpopfq" ::: "rax", "rcx", "r11", "memory", "cc");
		printf("attack: tf: survived single-step\n");
	} else if (!strcmp(m, "ac")) { /* AC set, unaligned access, syscalls */
		volatile char b[16];
		__asm__ volatile("pushfq\n\torq $0x40000, (%%rsp)\n\tpopfq" ::: "memory", "cc");
		*(volatile int *)(b + 1) = 5;
		check("getpid with AC", getpid() > 0, 1);
		check("write with AC", write(1, "ac\n", 3), 3);
	} else if (!strcmp(m, "int3")) {
		__asm__ volatile("int3");
	} else if (!strcmp(m, "ud2")) {
		__asm__ volatile("ud2");
	} else if (!strcmp(m, "div0")) {
		volatile int z = 0;
		printf("%d\n", 5 / z);
	} else if (!strcmp(m, "hlt")) {
		__asm__ volatile("hlt");
	} else if (!strcmp(m, "cli")) {
		__asm__ volatile("cli");
		for (;;)
			;
	} else if (!strcmp(m, "in")) {
		__asm__ volatile("inb $0x60, %%al" ::: "rax");
	} else if (!strcmp(m, "out")) {
		__asm__ volatile("mov $0x31, %%al\n\toutb %%al, $0xf4" ::: "rax");
	} else if (!strcmp(m, "iopl")) { /* popf ignores IOPL at CPL 3; then out must still #GP */
		__asm__ volatile("pushfq\n\torq $0x3000, (%%rsp)\n\tpopfq" ::: "memory", "cc");
		__asm__ volatile("mov $0x31, %%al\n\toutb %%al, $0xf4" ::: "rax");
	} else if (!strcmp(m, "int80")) {
		__asm__ volatile("int $0x80");
	} else if (!strcmp(m, "int20")) {
		__asm__ volatile("int $0x20");
	} else if (!strcmp(m, "int0e")) {
		__asm__ volatile("int $0x0e");
	} else if (!strcmp(m, "icebp")) {
		__asm__ volatile(".byte 0xf1");
	} else if (!strcmp(m, "rdmsr")) {
		__asm__ volatile("mov $0xc0000101, %%ecx\n\trdmsr" ::: "rax", "rcx", "rdx");
	} else if (!strcmp(m, "cr3")) {
		__asm__ volatile("mov %%cr3, %%rax" ::: "rax");
	} else if (!strcmp(m, "kread")) {
		printf("%lx\n", *(volatile unsigned long *)0xffffffff80100000UL);
	} else if (!strcmp(m, "kread_dm")) {
		printf("%lx\n", *(volatile unsigned long *)0xffff888000100000UL);
	} else if (!strcmp(m, "noncanon_jmp")) {
		__asm__ volatile("jmp *%0" ::"r"(0x0000800000000000UL));
	} else if (!strcmp(m, "exec_stack")) {
		unsigned char code[4] = { 0xc3 };
		((void (*)(void))code)();
		printf("attack: FAIL: executed the stack\n");
	} else if (!strcmp(m, "exec_heap")) {
		unsigned char *p = (unsigned char *)sbrk(4096);
		p[0] = 0xc3;
		((void (*)(void))p)();
		printf("attack: FAIL: executed the heap\n");
	} else if (!strcmp(m, "write_text")) {
		*(volatile char *)main = 0;
		printf("attack: FAIL: wrote text\n");
	} else if (!strcmp(m, "badrsp")) { /* syscall and interrupts with a kernel-half RSP */
		__asm__ volatile("mov %%rsp, %%rbx\n\tmov $0xffffffff80100000, %%rsp\n\t"
				 "mov $8, %%eax\n\tsyscall\n\t"
				 "mov $100000, %%ecx\n1:\n\tdec %%ecx\n\tjnz 1b\n\t"
				 "mov %%rbx, %%rsp" ::: "rax", "rbx", "rcx", "r11", "memory");
		printf("attack: badrsp: ok\n");
	} else if (!strcmp(m, "badrsp_fault")) { /* fault with a non-canonical RSP */
		__asm__ volatile("mov $0x0000800000000000, %%rsp\n\tpush %%rax" ::: "memory");
	} else if (!strcmp(m, "segs")) { /* user data selector in GS/FS, then syscalls */
		__asm__ volatile("mov $0x1b, %%eax\n\tmov %%eax, %%gs\n\tmov %%eax, %%fs" ::: "rax");
		check("getpid after mov gs", getpid() > 0, 1);
		msleep(20);
		check("write after mov gs", write(1, "segs\n", 5), 5);
	} else if (!strcmp(m, "nullss")) { /* load SS with null: #GP at CPL 3 */
		__asm__ volatile("xor %%eax, %%eax\n\tmov %%eax, %%ss" ::: "rax");
		printf("attack: nullss: loaded\n");
		msleep(10);
	} else if (!strcmp(m, "nosys")) {
		check("syscall -1", raw_syscall(-1), -ENOSYS);
		check("syscall 10", raw_syscall(10), -ENOSYS);
		check("syscall 1<<63", raw_syscall((long)(1UL << 63)), -ENOSYS);
		check("syscall 0x100000000", raw_syscall(0x100000000L), -ENOSYS);
	} else if (!strcmp(m, "ptrs")) {
		unsigned long p = heap_page(), brk;
		char *s;

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
		check("write stack guard gap", write(1, (void *)(0x00007fffff000000UL - 4096 * 18), 4), -EFAULT);
		check("read into text", read(0, (void *)main, 4), -EFAULT);
		check("read into guard gap", read(0, (void *)(0x00007fffff000000UL - 4096 * 18), 4), -EFAULT);
		check("wait status into text", wait(-1, (int *)main), -EFAULT); /* checked before the child */
		(void)p;
	} else if (!strcmp(m, "wait")) {
		long pid;
		check("wait(self)", wait(getpid(), &st), -ECHILD);
		check("wait(0)", wait(0, &st), -ECHILD);
		check("wait(1)", wait(1, &st), -ECHILD);
		check("wait(-2)", wait(-2, &st), -ECHILD);
		check("wait(INT_MIN)", wait((int)0x80000000, &st), -ECHILD);
		check("wait(-1) no child", wait(-1, &st), -ECHILD);
		pid = spawn("exit42", "");
		check("spawn exit42 > 0", pid > 0, 1);
		check("wait(pid + 2^32)", syscall6(SYS_wait, pid + (1L << 32), (long)&st, 0, 0, 0, 0), pid);
		check("status", st, 42);
		check("wait(pid) again", wait((int)pid, &st), -ECHILD);
	} else if (!strcmp(m, "sbrk")) {
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
		printf("attack: sbrk: now touching the freed heap (must segfault)\n");
		((volatile char *)b0)[100] = 1;
		printf("attack: FAIL: freed heap still mapped\n");
	} else if (!strcmp(m, "recurse")) {
		check("recurse(0)", syscall6(SYS_recurse, 0, 0, 0, 0, 0, 0), 0);
		check("recurse(1)", syscall6(SYS_recurse, 1, 0, 0, 0, 0, 0), 1);
		printf("attack: recurse(~0): must be killed\n");
		syscall6(SYS_recurse, ~0UL, 0, 0, 0, 0, 0);
		printf("attack: FAIL: recurse(~0) returned\n");
	} else if (!strcmp(m, "sleep")) {
		check("sleep(0)", msleep(0), 0);
		check("sleep(~0) is capped (60s)... skipped", 0, 0);
	} else if (!strcmp(m, "x87")) { /* leave a value in st0, let another process run, read it */
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
	} else if (!strcmp(m, "x87pair")) { /* a child keeps mm0 across sleeps while we change it */
		long pid = spawn("attack", "x87 200");
		unsigned long i;
		for (i = 0; i < 400; i++) {
			__asm__ volatile("movq %0, %%mm0" ::"r"(0xbad0000000000000UL + i));
			msleep(1);
		}
		__asm__ volatile("emms");
		check("wait x87 child", wait((int)pid, &st), pid);
		check("x87 child status", st, 0);
	} else if (!strcmp(m, "chatter")) { /* whole lines, one write each */
		unsigned long n = arg_num(argc, argv, 2, 1000), i;
		for (i = 0; i < n; i++)
			write(1, "chatter: 0123456789abcdefghijklmnopqrstuvwxyz0123456789\n", 56);
	} else if (!strcmp(m, "mixed")) { /* kernel reports on one CPU while a child writes */
		long pid = spawn("attack", "chatter 3000");
		unsigned long i;
		for (i = 0; i < 40; i++) {
			long c = spawn("segv", "");
			wait((int)c, &st);
		}
		check("wait chatter", wait((int)pid, &st), pid);
	} else if (!strcmp(m, "x87spy")) { /* read mm0 without setting it: another process's data */
		unsigned long w;
		__asm__ volatile("movq %%mm0, %0" : "=r"(w));
		printf("attack: x87spy: mm0 = %lx\n", w);
	} else if (!strcmp(m, "spawnmany")) {
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
	} else if (!strcmp(m, "sleeper")) {
		msleep(60000);
	} else if (!strcmp(m, "bomb")) { /* every process spawns two more, forever */
		for (;;) {
			spawn("attack", "bomb");
			msleep(1);
		}
	} else {
		printf("attack: unknown mode '%s'\n", m);
		return 2;
	}
	printf("attack: %s: %s\n", m, fails ? "FAIL" : "ok");
	return fails ? 1 : 0;
}
