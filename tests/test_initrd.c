/*
 * Host unit tests for kernel/user/initrd.c, the cpio newc reader of the initial ramdisk.
 *
 * Archives are written by a small builder in the format `cpio -o -H newc` writes, then copied
 * into a heap allocation of exactly the length initrd_init() is told, so AddressSanitizer reports
 * any read past it. printk is a stub that keeps the last message, to check what a refusal says.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/lib/types.h"
#include "kernel/user/initrd.c"
#include "tests/printk_capture.h"
#include "tests/tap.h"

/* The last message without its level prefix, for TAP lines. */
static const char *shown(void)
{
	return last_msg[0] == KERN_SOH[0] && last_msg[1] ? last_msg + 2 : last_msg;
}

/* ---- the builder ---- */

static u8 ar[256 * 1024];
static size_t ar_len;

static void ar_reset(void)
{
	memset(ar, 0, sizeof(ar));
	ar_len = 0;
}

static void ar_pad(void)
{
	while (ar_len % 4)
		ar[ar_len++] = 0;
}

/* Append an entry; returns the offset of its header. */
static size_t ar_add(const char *name, u32 mode, const void *data, size_t len)
{
	size_t at = ar_len;
	char hdr[CPIO_HDR_SIZE + 1];

	snprintf(hdr, sizeof(hdr), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", 1u,
		 mode, 0u, 0u, 1u, 0u, (u32)len, 0u, 0u, 0u, 0u, (u32)strlen(name) + 1, 0u);
	memcpy(ar + ar_len, hdr, CPIO_HDR_SIZE);
	ar_len += CPIO_HDR_SIZE;
	memcpy(ar + ar_len, name, strlen(name) + 1);
	ar_len += strlen(name) + 1;
	ar_pad();
	memcpy(ar + ar_len, data, len);
	ar_len += len;
	ar_pad();
	return at;
}

static void ar_file(const char *name, const char *text)
{
	ar_add(name, S_IFREG | 0755, text, strlen(text));
}

static void ar_trailer(void)
{
	ar_add(CPIO_TRAILER, 0, "", 0);
}

/* Overwrite header field i (0: ino ... 12: check) of the entry at `at`. */
static void ar_set_field(size_t at, int i, u32 v)
{
	char buf[CPIO_FIELD_LEN + 1];

	snprintf(buf, sizeof(buf), "%08X", v);
	memcpy(ar + at + CPIO_MAGIC_LEN + i * CPIO_FIELD_LEN, buf, CPIO_FIELD_LEN);
}

static char prog[300];
static size_t hello_at, dup_at, trailer_end;

/* Files with names and sizes of every length modulo 4, a directory, an empty file; 512-padded. */
static void build_good(void)
{
	size_t i;

	for (i = 0; i < sizeof(prog) - 1; i++)
		prog[i] = 'A' + i % 26;
	prog[sizeof(prog) - 1] = 0;
	ar_reset();
	ar_add(".", 040755, "", 0);
	hello_at = ar_len;
	ar_file("hello", prog);
	ar_file("a", "1");
	ar_file("ab", "12");
	ar_file("abc", "123");
	ar_file("abcd", "1234");
	ar_add("empty", S_IFREG | 0644, "", 0);
	ar_add("sub", 040755, "", 0);
	dup_at = ar_len;
	ar_file("sub/x", "x");
	ar_file("TRAILER", "not the end");
	ar_trailer();
	trailer_end = ar_len;
	while (ar_len % 512)
		ar[ar_len++] = 0;
}
#define GOOD_FILES 8

static u8 *copy;

/* initrd_init() on the first len bytes of the archive, from an allocation of exactly that size. */
static int init_len(size_t len)
{
	last_msg[0] = 0;
	free(copy);
	copy = malloc(len ? len : 1);
	memcpy(copy, ar, len);
	return initrd_init(copy, len);
}

static bool finds(const char *name, const char *want, size_t want_len)
{
	const void *data = NULL;
	size_t len = 0;

	if (initrd_find(name, &data, &len))
		return false;
	return len == want_len && !memcmp(data, want, len);
}

static void count_file(const char *name, size_t len, void *arg)
{
	static const char *const order[] = { "hello", "a",     "ab",	"abc",
					     "abcd",  "empty", "sub/x", "TRAILER" };
	static const size_t sizes[] = { sizeof(prog) - 1, 1, 2, 3, 4, 0, 1, 11 };
	int *n = arg;

	if (*n < GOOD_FILES && !strcmp(name, order[*n]) && len == sizes[*n])
		(*n)++;
	else
		*n = 1000;
}

static void test_none(void)
{
	const void *data;
	size_t len;
	int n = 0;

	tap_ok(initrd_find("hello", &data, &len) == -ENOENT, "no archive yet: nothing found");
	tap_ok(initrd_for_each(count_file, &n) == 0 && n == 0, "no archive yet: nothing listed");
}

static void test_good(void)
{
	int n = 0;

	build_good();
	tap_ok(init_len(ar_len) == GOOD_FILES, "good archive: %d regular files", GOOD_FILES);
	tap_ok(strstr(last_msg, "initrd: 8 files") != NULL, "good archive: announced (%s)",
	       shown());
	tap_ok(finds("hello", prog, strlen(prog)), "hello found, %zu bytes", strlen(prog));
	tap_ok(finds("a", "1", 1) && finds("ab", "12", 2) && finds("abc", "123", 3) &&
		       finds("abcd", "1234", 4),
	       "names and data of every length modulo 4 found");
	tap_ok(finds("empty", "", 0), "empty file found");
	tap_ok(finds("sub/x", "x", 1), "a file in a directory found by its path");
	tap_ok(!finds("sub", "", 0) && !finds(".", "", 0), "directories are not files");
	tap_ok(!finds("hell", "", 0) && !finds("hello2", "", 0) && !finds("", "", 0),
	       "no match by prefix or extension");
	tap_ok(!finds(CPIO_TRAILER, "", 0), "the trailer is not a file");
	tap_ok(finds("TRAILER", "not the end", 11),
	       "a file named like the trailer's start is a file");
	tap_ok(initrd_for_each(count_file, &n) == GOOD_FILES && n == GOOD_FILES,
	       "for_each: every file once, with its size, in archive order");
	tap_ok(init_len(trailer_end) == GOOD_FILES, "archive ending right after the trailer");
}

static u8 *old;

static void use_old(void)
{
	static u8 saved[sizeof(ar)];
	static size_t saved_len;
	size_t len;

	memcpy(saved, ar, sizeof(ar));
	saved_len = ar_len;
	ar_reset();
	ar_file("old", "old");
	ar_trailer();
	len = ar_len;
	free(old);
	old = malloc(len);
	memcpy(old, ar, len);
	initrd_init(old, len);
	memcpy(ar, saved, sizeof(ar));
	ar_len = saved_len;
}

/* Expect initrd_init() to refuse the archive with a message holding reason, keeping the old. */
static void refused(const char *name, size_t len, const char *reason)
{
	int ret;

	use_old();
	ret = init_len(len);
	tap_ok(ret == -EINVAL && strstr(last_msg, KERN_ERR "initrd: malformed archive") &&
		       strstr(last_msg, reason) && finds("old", "old", 3) &&
		       !finds("hello", "", 0) && !finds("a", "", 0),
	       "%s: refused, old archive kept (%d, %s)", name, ret, shown());
}

/* An archive of n one-byte files, all named apart. */
static void many_files(int n)
{
	char name[16];
	int i;

	ar_reset();
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		ar_file(name, "x");
	}
	ar_trailer();
}

static void test_refusals(void)
{
	size_t len, bad;

	build_good();
	refused("empty archive", 0, "no TRAILER!!!");
	refused("50 bytes", 50, "header runs past the end");

	build_good();
	memcpy(ar + hello_at, "070702", 6);
	refused("crc magic 070702", ar_len, "bad magic");
	build_good();
	memcpy(ar + hello_at, "\x1f\x8b\x08\x00\x00\x00", 6);
	refused("gzip data", ar_len, "bad magic");
	build_good();
	ar[hello_at + CPIO_MAGIC_LEN + FIELD_FILESIZE * CPIO_FIELD_LEN + 3] = 'g';
	refused("non-hex filesize", ar_len, "not 8 hex digits");
	build_good();
	ar[hello_at + CPIO_MAGIC_LEN + 12 * CPIO_FIELD_LEN + 7] = ' ';
	refused("non-hex check field", ar_len, "not 8 hex digits");
	build_good();
	ar_set_field(hello_at, FIELD_NAMESIZE, 0);
	refused("namesize 0", ar_len, "empty file name");
	build_good();
	ar_set_field(hello_at, FIELD_NAMESIZE, 1);
	refused("namesize 1 (only the NUL)", ar_len, "empty file name");
	build_good();
	ar_set_field(hello_at, FIELD_NAMESIZE, 0xffffffff);
	refused("namesize 2^32-1", ar_len, "file name runs past the end");
	build_good();
	ar_set_field(hello_at, FIELD_NAMESIZE, 5);
	refused("namesize one short (no NUL)", ar_len, "not NUL-terminated");
	build_good();
	ar_set_field(hello_at, FIELD_NAMESIZE, 7);
	refused("namesize one long (NUL early)", ar_len, "not NUL-terminated");
	build_good();
	ar_set_field(hello_at, FIELD_FILESIZE, 0xffffffff);
	refused("filesize 2^32-1", ar_len, "file data runs past the end");
	build_good();
	ar_set_field(hello_at, FIELD_FILESIZE, ar_len);
	refused("filesize past the end", ar_len, "file data runs past the end");
	build_good();
	ar_set_field(hello_at, FIELD_FILESIZE, strlen(prog) + 2);
	refused("filesize 2 more: the next header 4 bytes off", ar_len, "bad magic");
	build_good();
	memcpy(ar + dup_at + CPIO_HDR_SIZE, "abcd\0", 6);
	ar_set_field(dup_at, FIELD_NAMESIZE, 5);
	refused("two files named abcd", ar_len, "same name");
	build_good();
	refused("no trailer", dup_at, "no TRAILER!!!");
	many_files(INITRD_MAX_FILES);
	tap_ok(init_len(ar_len) == INITRD_MAX_FILES, "%d files: accepted", INITRD_MAX_FILES);
	many_files(INITRD_MAX_FILES + 1);
	refused("one file more than INITRD_MAX_FILES", ar_len, "more than 1024 files");

	/* Every cut before the trailer's end is refused (and read within its length: ASan). */
	build_good();
	bad = 0;
	for (len = 0; len < trailer_end; len++) {
		use_old();
		if (init_len(len) != -EINVAL || !finds("old", "old", 3))
			bad++;
	}
	tap_ok(!bad, "every truncation of the good archive refused (%zu accepted)", bad);
}

int main(void)
{
	tap_plan(2 + 12 + 18 + 1);
	test_none();
	test_good();
	test_refusals();
	free(copy);
	free(old);
	return tap_done();
}
