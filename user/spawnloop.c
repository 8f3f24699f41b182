/*
 * spawnloop [count [program [args...]]]: starts the program (default exit42) count times
 * (default 100), one at a time, waiting for each; prints how they ended. A test that creating
 * and reaping processes leaks nothing runs it and compares the kernel's counters before and
 * after. Exits 0 if every spawn and every wait worked.
 */
#include "user/lib/ulib.h"

int main(int argc, char **argv)
{
	unsigned long count = arg_num(argc, argv, 1, 100), i, reaped = 0, spawn_err = 0;
	const char *prog = argc > 2 ? argv[2] : "exit42";
	char args[256];
	size_t n = 0;
	int j, status, last = -1;
	long pid;

	args[0] = '\0';
	for (j = 3; j < argc; j++)
		n += snprintf(args + n, n < sizeof(args) ? sizeof(args) - n : 0, "%s%s",
			      j > 3 ? " " : "", argv[j]);
	for (i = 0; i < count; i++) {
		pid = spawn(prog, args);
		if (pid < 0) {
			if (!spawn_err++)
				printf("spawnloop: spawn %s failed: %ld\n", prog, pid);
			continue;
		}
		if (wait((int)pid, &status) == pid) {
			reaped++;
			last = status;
		}
	}
	printf("spawnloop: %s: %lu spawned, %lu reaped, last status %#x\n", prog, count - spawn_err,
	       reaped, last);
	return spawn_err || reaped != count ? 1 : 0;
}
