/*
 * clobber [depth]: an overrun without guard pages, seen from user mode. Starts a victim
 * (sibling 20 0, which yields between lines), then asks the kernel to recurse depth frames on
 * its own kernel stack. With VMAP_STACK=y the guard page stops this process at once; with
 * VMAP_STACK=n the recursion runs on into whatever lies below the stack, possibly the victim's
 * kernel stack.
 */
#include "user/lib/ulib.h"

int main(int argc, char **argv)
{
	unsigned long depth = arg_num(argc, argv, 1, 100000);
	int status;
	long victim, ret;

	victim = spawn("sibling", "20 0");
	printf("clobber: victim is pid %ld\n", victim);
	yield();
	printf("clobber: asking the kernel for %lu frames\n", depth);
	ret = recurse(depth);
	printf("clobber: the kernel came back: %ld\n", ret);
	if (victim > 0 && wait((int)victim, &status) == victim)
		printf("clobber: victim status %#x\n", status);
	return 0;
}
