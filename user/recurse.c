/*
 * recurse [depth]: asks the kernel to recurse depth frames deep on this process's kernel stack
 * (SYS_recurse, in the spirit of lkdtm). Deep enough, that overflows the kernel stack: with
 * VMAP_STACK=y the guard page catches it and this process is killed; with VMAP_STACK=n the
 * recursion runs into whatever lies below the stack.
 */
#include "user/lib/ulib.h"

int main(int argc, char **argv)
{
	unsigned long depth = arg_num(argc, argv, 1, 10);
	long ret;

	printf("recurse: asking the kernel for %lu frames\n", depth);
	ret = recurse(depth);
	printf("recurse: the kernel came back: %ld\n", ret);
	return ret < 0 ? 1 : 0;
}
