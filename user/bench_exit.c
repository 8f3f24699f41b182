/* bench_exit: exits with 0 at once. The benchmark's minimal process (kernel/debug/bench_user.c). */
#include "user/lib/ulib.h"

int main(int argc, char **argv)
{
	return 0;
}
