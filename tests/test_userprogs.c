/*
 * Host test of the built user programs: the initrd the Makefile packed ($(BUILD)/initrd.cpio,
 * or the archive named by argv[1]) must pass kernel/user/initrd.c's checks, hold every program
 * of user/, and every file in it must pass elf_parse() the way the kernel will run it. A mistake
 * in user/user.ld (a W+X segment, two segments sharing a page, a wrong base) fails here, before
 * anything boots.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/lib/types.h"
#include "kernel/user/elf.c"
#include "kernel/user/initrd.c"
#include "tests/tap.h"

static const char *const programs[] = { "hello",	 "exit42",     "segv",
					"stackoverflow", "recurse",    "sibling",
					"fuzz",		 "spawnloop",  "badptr",
					"bench_exit",	 "bench_null", "bench_yield",
					"stackentropy",	 "stackleak",  "bench_kstack" };

int printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (fmt[0] == KERN_SOH[0] && fmt[1])
		fmt += 2;
	va_start(ap, fmt);
	printf("# ");
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

static void check_file(const char *name, size_t len, void *arg)
{
	int *nr_bad = arg;
	struct elf_image im;
	const void *data;
	size_t dlen;
	const char *why;
	bool text = false;
	int i;

	int ret = -1;

	why = "not found by name";
	if (!initrd_find(name, &data, &dlen) && dlen == len)
		ret = elf_parse(data, len, &im, &why);
	if (!tap_ok(ret == 0, "%s: elf_parse accepts it (%s)", name, why ? why : "ok")) {
		(*nr_bad)++;
		tap_ok(0, "%s: text at USER_BASE (not checked)", name);
		return;
	}
	for (i = 0; i < im.nr_segments; i++)
		if (im.seg[i].flags & ELF_SEG_X && im.seg[i].vaddr == USER_BASE)
			text = true;
	tap_ok(text && im.entry == USER_BASE,
	       "%s: text at USER_BASE, entry %#lx (_start first, as user.ld puts it)", name,
	       (unsigned long)im.entry);
}

static void count(const char *name, size_t len, void *arg)
{
	(void)name;
	(void)len;
	(*(int *)arg)++;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "build/initrd.cpio";
	static u8 buf[4 << 20];
	const void *data;
	size_t len, i;
	int n = 0, nr_bad = 0;
	FILE *f = fopen(path, "rb");

	if (!f) {
		tap_plan(1);
		tap_ok(0, "open %s (make builds it)", path);
		return tap_done();
	}
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	initrd_init(buf, len);
	initrd_for_each(count, &n);
	tap_plan(1 + ARRAY_SIZE(programs) + 2 * n);
	tap_ok(n >= (int)ARRAY_SIZE(programs), "%s: a valid archive of %d files", path, n);
	for (i = 0; i < ARRAY_SIZE(programs); i++)
		tap_ok(!initrd_find(programs[i], &data, &len), "%s is in the initrd", programs[i]);
	initrd_for_each(check_file, &nr_bad);
	if (nr_bad)
		tap_diag("%d programs would not run: user/user.ld or the build is wrong", nr_bad);
	return tap_done();
}
