/*
 * libFuzzer harness for the initrd's cpio reader (kernel/user/initrd.c).
 *
 * The input is copied into a heap buffer of exactly its size, so AddressSanitizer flags any read
 * past it. An accepted archive is walked completely: every file is found again by name, its
 * data read byte by byte; a refused one must have said why and left no trace.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/lib/types.h"
#include "kernel/user/initrd.c"
#include "tests/printk_capture.h"

static const u8 *buf_lo, *buf_hi;

static void visit(const char *name, size_t len, void *arg)
{
	volatile u8 sink = 0;
	const void *data;
	size_t found_len, i;
	int *n = arg;

	(*n)++;
	if ((const u8 *)name < buf_lo || (const u8 *)name + strlen(name) >= buf_hi)
		abort();
	if (initrd_find(name, &data, &found_len) || found_len != len)
		abort();
	if (len && ((const u8 *)data < buf_lo || (const u8 *)data + len > buf_hi))
		abort();
	for (i = 0; i < len; i++)
		sink ^= ((const u8 *)data)[i];
	(void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	u8 *copy = malloc(size ? size : 1);
	int ret, n = 0;

	memcpy(copy, data, size);
	initrd.base = NULL;
	initrd.len = 0;
	last_msg[0] = 0;
	buf_lo = copy;
	buf_hi = copy + size;
	ret = initrd_init(copy, size);
	if (ret >= 0) {
		if (initrd_for_each(visit, &n) != ret || n != ret)
			abort();
	} else if (ret != -EINVAL || !strstr(last_msg, "malformed") || initrd.base) {
		abort(); /* a refusal must say why and keep nothing */
	}
	initrd.base = NULL;
	free(copy);
	return 0;
}
