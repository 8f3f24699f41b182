/*
 * The initial ramdisk. See initrd.h.
 *
 * A cpio "newc" archive is a run of entries, each a 110-byte text header, the file's name and
 * the file's data, the name and the data each padded to a multiple of 4 bytes (counted from the
 * start of the archive); an entry named TRAILER!!! ends it. The header is ASCII: the magic
 * "070701" and 13 fields of 8 hex digits (ino, mode, uid, gid, nlink, mtime, filesize, devmajor,
 * devminor, rdevmajor, rdevminor, namesize, check).
 *
 * The archive is untrusted input: initrd_init() walks all of it, checking every field against
 * the archive's end, before it is used; a malformed archive is reported and not used at all.
 * Later walks read only what that walk already checked.
 */
#include "kernel/lib/types.h"
#include "kernel/lib/errno.h"
#include "kernel/lib/string.h"
#include "kernel/printk/printk.h"
#include "kernel/user/initrd.h"

#define CPIO_MAGIC	 "070701"
#define CPIO_MAGIC_LEN	 6
#define CPIO_FIELD_LEN	 8
#define CPIO_HDR_SIZE	 (CPIO_MAGIC_LEN + 13 * CPIO_FIELD_LEN)
#define CPIO_ALIGN	 4
#define CPIO_TRAILER	 "TRAILER!!!"
#define __stringify_1(x) #x
#define __stringify(x)	 __stringify_1(x) /* a macro's value as a string, as Linux's */
#define FIELD_MODE	 1
#define FIELD_FILESIZE	 6
#define FIELD_NAMESIZE	 11
#define S_IFMT		 0170000
#define S_IFREG		 0100000

/* One entry of the archive, as cpio_next() found it. */
struct cpio_entry {
	const char *name; /* NUL-terminated, inside the archive */
	const u8 *data;
	size_t len;
	u32 mode;
};

/* A walk through an archive; off is where the next header starts. */
struct cpio_walk {
	const u8 *base;
	size_t len;
	size_t off;
};

/* Header field i (0: ino ... 12: check): 0 with *val set, or -1 if it is not 8 hex digits. */
static int cpio_field(const u8 *hdr, int i, u32 *val)
{
	const u8 *p = hdr + CPIO_MAGIC_LEN + i * CPIO_FIELD_LEN;
	u32 v = 0;
	int j;

	for (j = 0; j < CPIO_FIELD_LEN; j++) {
		u8 c = p[j];

		if (c >= '0' && c <= '9')
			v = v << 4 | (c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v = v << 4 | (c - 'A' + 10);
		else
			return -1;
	}
	*val = v;
	return 0;
}

/*
 * The entry at w->off: 1 with *e filled and w->off moved past it, 0 at the trailer, or -1 with
 * *why set (w->off stays at the bad entry, for the message). Offsets stay below w->len before
 * each addition, and the fields are 32-bit, so no sum can wrap.
 */
static int cpio_next(struct cpio_walk *w, struct cpio_entry *e, const char **why)
{
	const u8 *hdr;
	size_t name_off, data_off;
	u32 mode, filesize, namesize;
	int i;

	if (w->off >= w->len) {
		*why = "no TRAILER!!! entry (archive truncated?)";
		return -1;
	}
	if (w->len - w->off < CPIO_HDR_SIZE) {
		*why = "header runs past the end (archive truncated?)";
		return -1;
	}
	hdr = w->base + w->off; /* only now: off may lie past the end (by the padding) */
	if (memcmp(hdr, CPIO_MAGIC, CPIO_MAGIC_LEN)) {
		*why = "bad magic (not a cpio newc archive, 070701)";
		return -1;
	}
	for (i = 0; i < 13; i++) {
		u32 v;

		if (cpio_field(hdr, i, &v)) {
			*why = "a header field is not 8 hex digits";
			return -1;
		}
	}
	cpio_field(hdr, FIELD_MODE, &mode);
	cpio_field(hdr, FIELD_FILESIZE, &filesize);
	cpio_field(hdr, FIELD_NAMESIZE, &namesize);
	name_off = w->off + CPIO_HDR_SIZE;
	if (namesize < 2) {
		*why = "empty file name";
		return -1;
	}
	if (namesize > w->len - name_off) {
		*why = "file name runs past the end";
		return -1;
	}
	/* namesize counts the NUL: exactly the last byte of the name is one. */
	if (strnlen((const char *)w->base + name_off, namesize) != namesize - 1) {
		*why = "file name is not NUL-terminated where namesize says";
		return -1;
	}
	data_off = ALIGN_UP(name_off + namesize, CPIO_ALIGN);
	if (data_off > w->len || filesize > w->len - data_off) {
		*why = "file data runs past the end";
		return -1;
	}
	e->name = (const char *)w->base + name_off;
	e->data = w->base + data_off;
	e->len = filesize;
	e->mode = mode;
	if (!strcmp(e->name, CPIO_TRAILER))
		return 0;
	w->off = ALIGN_UP(data_off + filesize, CPIO_ALIGN);
	return 1;
}

static bool is_file(const struct cpio_entry *e)
{
	return (e->mode & S_IFMT) == S_IFREG;
}

/* The archive in use: set only by an initrd_init() whose check passed. */
static struct {
	const u8 *base;
	size_t len;
} initrd;

/* Is there a file called name among the entries before offset end? */
static bool seen_before(const u8 *base, size_t end, const char *name)
{
	struct cpio_walk w = { base, end, 0 };
	struct cpio_entry e;
	const char *why;

	while (w.off < end && cpio_next(&w, &e, &why) == 1) {
		if (is_file(&e) && !strcmp(e.name, name))
			return true;
	}
	return false;
}

/*
 * Walk the whole archive: the number of regular files, or -1 with *why and *at (the offset of
 * the bad entry). Two files of one name would make initrd_find() ambiguous: refused too.
 */
static int check_archive(const u8 *base, size_t len, const char **why, size_t *at)
{
	struct cpio_walk w = { base, len, 0 };
	struct cpio_entry e;
	int ret, n = 0;

	while ((ret = cpio_next(&w, &e, why)) == 1) {
		if (!is_file(&e))
			continue;
		if (n == INITRD_MAX_FILES) {
			*why = "more than " __stringify(INITRD_MAX_FILES) " files";
			ret = -1;
			w.off = (size_t)((const u8 *)e.name - base) - CPIO_HDR_SIZE;
			break;
		}
		if (seen_before(base, (size_t)((const u8 *)e.name - base), e.name)) {
			*why = "two files have the same name";
			ret = -1;
			w.off = (size_t)((const u8 *)e.name - base) - CPIO_HDR_SIZE;
			break;
		}
		n++;
	}
	*at = w.off;
	return ret < 0 ? -1 : n;
}

int initrd_init(const void *base, size_t len)
{
	const char *why;
	size_t at;
	int n;

	n = check_archive(base, len, &why, &at);
	if (n < 0) {
		pr_err("initrd: malformed archive (%zu bytes): %s, at offset %#zx; not used\n", len,
		       why, at);
		return -EINVAL;
	}
	initrd.base = base;
	initrd.len = len;
	pr_info("initrd: %d file%s, %zu bytes\n", n, n == 1 ? "" : "s", len);
	return n;
}

int initrd_find(const char *name, const void **data, size_t *len)
{
	struct cpio_walk w = { initrd.base, initrd.len, 0 };
	struct cpio_entry e;
	const char *why;

	if (!initrd.base)
		return -ENOENT;
	while (cpio_next(&w, &e, &why) == 1) {
		if (is_file(&e) && !strcmp(e.name, name)) {
			*data = e.data;
			*len = e.len;
			return 0;
		}
	}
	return -ENOENT;
}

int initrd_for_each(void (*fn)(const char *name, size_t len, void *arg), void *arg)
{
	struct cpio_walk w = { initrd.base, initrd.len, 0 };
	struct cpio_entry e;
	const char *why;
	int n = 0;

	if (!initrd.base)
		return 0;
	while (cpio_next(&w, &e, &why) == 1) {
		if (is_file(&e)) {
			fn(e.name, e.len, arg);
			n++;
		}
	}
	return n;
}
