/* The first user program: says hello with its pid and arguments, and exits with 0. */
#include "user/lib/ulib.h"

int main(int argc, char **argv)
{
	int i;

	printf("hello, world from user mode (pid %ld)\n", getpid());
	for (i = 1; i < argc; i++)
		printf("hello: argv[%d] = %s\n", i, argv[i]);
	return 0;
}
