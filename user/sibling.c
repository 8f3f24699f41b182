/*
 * sibling [count [ms]]: prints "sibling N" for N = 1..count (count 0: forever), sleeping ms
 * milliseconds between lines (0: yield instead). Runs next to a process that dies, to show
 * that the others carry on.
 */
#include "user/lib/ulib.h"

int main(int argc, char **argv)
{
	unsigned long count = arg_num(argc, argv, 1, 10);
	unsigned long ms = arg_num(argc, argv, 2, 100);
	unsigned long n;

	for (n = 1; !count || n <= count; n++) {
		printf("sibling %lu\n", n);
		if (ms)
			msleep(ms);
		else
			yield();
	}
	printf("sibling: done\n");
	return 0;
}
