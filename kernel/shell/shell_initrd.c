/* The shell's commands about the initrd: ls. */
#include "kernel/printk/printk.h"
#include "kernel/shell/shell_cmds.h"
#include "kernel/user/initrd.h"

static void ls_one(const char *name, size_t len, void *arg)
{
	printk("  %-20s %8zu bytes\n", name, len);
}

int cmd_ls(int argc, char **argv)
{
	int n;

	if (argc != 1) {
		printk("usage: ls    (the files of the initrd)\n");
		return -1;
	}
	n = initrd_for_each(ls_one, NULL);
	if (!n)
		printk("ls: the initrd is empty or missing (the boot log says why)\n");
	else
		printk("%d file%s\n", n, n == 1 ? "" : "s");
	return 0;
}
