/* Writes to address 0, which is never mapped: the kernel must kill this process (segfault). */
#include "user/lib/ulib.h"

int main(int argc, char **argv)
{
	printf("segv: writing to address 0\n");
	*(volatile int *)0 = 1;
	printf("segv: FAIL: the write to address 0 did not fault\n");
	return 1;
}
