/*
 * Review attack: set RFLAGS.NT (bit 14) in ring 3 - popf allows it at CPL 3 - and make system
 * calls that switch tasks (yield, sleep). SFMASK must clear NT on entry: otherwise the kernel runs
 * with NT=1, and since the context switch does not save RFLAGS, NT leaks into whichever task is
 * switched to; its next iretq (interrupt return, user_enter) raises #GP in ring 0 (IRET with NT=1
 * in IA-32e mode is a task return, which long mode does not have).
 */
#include "user/lib/ulib.h"

static inline void set_nt(void)
{
	__asm__ volatile("pushfq\n\torq $0x4000, (%%rsp)\n\tpopfq" ::: "memory", "cc");
}

int main(int argc, char **argv)
{
	unsigned long i, n = arg_num(argc, argv, 1, 200);

	printf("ntflag: %lu rounds of yield/sleep with NT set\n", n);
	for (i = 0; i < n; i++) {
		set_nt();
		if (i & 1)
			yield();
		else
			msleep(1);
	}
	printf("ntflag: survived\n");
	return 0;
}
