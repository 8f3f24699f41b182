/*
 * Host unit tests for boot/multiboot2.c.
 *
 * Info blocks are assembled with a small builder, then copied into a heap allocation of
 * exactly max_size bytes, so AddressSanitizer reports any read past the end of the block.
 */
#include <stdint.h>
#include <string.h>

#include "kernel/lib/types.h"
#include "boot/multiboot2.h"
#include "tests/le_put.h"
#include "tests/tap.h"

#define BUILD_CAP 4096

/* ---- builder ---- */

struct builder {
	u8 *buf;
	size_t pos;
};

static u64 build_storage[BUILD_CAP / 8];

static u32 get32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, 4);
	return v;
}

static void b_init(struct builder *b)
{
	memset(build_storage, 0, sizeof(build_storage));
	b->buf = (u8 *)build_storage;
	b->pos = 8;
}

/* Append a tag with @len payload bytes (copied from @payload if not NULL); returns its offset. */
static size_t b_tag(struct builder *b, u32 type, const void *payload, u32 len)
{
	size_t off = b->pos;

	put32(b->buf + off, type);
	put32(b->buf + off + 4, 8 + len);
	if (payload)
		memcpy(b->buf + off + 8, payload, len);
	b->pos = ALIGN_UP(off + 8 + len, 8);
	return off;
}

static size_t b_string(struct builder *b, u32 type, const char *s)
{
	return b_tag(b, type, s, strlen(s) + 1);
}

static size_t b_end(struct builder *b)
{
	b_tag(b, MB2_TAG_END, NULL, 0);
	put32(b->buf, b->pos);
	return b->pos;
}

static size_t b_mmap(struct builder *b, u32 entry_size, u32 n, const struct mb2_mmap_entry *e)
{
	u8 body[8 + 8 * 64] = { 0 };
	u32 i;

	put32(body, entry_size);
	put32(body + 4, 0);
	for (i = 0; i < n; i++)
		memcpy(body + 8 + i * entry_size, &e[i], sizeof(e[i]));
	return b_tag(b, MB2_TAG_MMAP, body, 8 + n * entry_size);
}

static size_t b_module(struct builder *b, u32 start, u32 end, const char *cmdline)
{
	u8 body[128] = { 0 };

	put32(body, start);
	put32(body + 4, end);
	strcpy((char *)body + 8, cmdline);
	return b_tag(b, MB2_TAG_MODULE, body, 8 + strlen(cmdline) + 1);
}

static const struct mb2_mmap_entry test_mmap[3] = {
	{ 0x0, 0x9fc00, MB2_MMAP_AVAILABLE, 0 },
	{ 0xf0000, 0x10000, MB2_MMAP_RESERVED, 0 },
	{ 0x100000, 0x7ee0000, MB2_MMAP_AVAILABLE, 0 },
};

/* Offsets of interesting tags in the realistic block, for the tests that corrupt them. */
struct layout {
	size_t cmdline, name, meminfo, mmap, module, elf, fb, rsdp1, rsdp2, efi64, end, total;
};

/* A block like the one GRUB gives a 64-bit kernel on a small QEMU machine. */
static size_t build_valid(struct layout *l)
{
	struct builder b;
	u8 body[12 + 4 * 64];
	u32 i;

	b_init(&b);
	l->cmdline = b_string(&b, MB2_TAG_CMDLINE, "console=ttyS0 loglevel=7");
	l->name = b_string(&b, MB2_TAG_BOOTLOADER_NAME, "GRUB 2.06");
	l->module = b_module(&b, 0x200000, 0x280000, "initrd");

	memset(body, 0, sizeof(body));
	put32(body, 639);
	put32(body + 4, 130048);
	l->meminfo = b_tag(&b, MB2_TAG_BASIC_MEMINFO, body, 8);

	l->mmap = b_mmap(&b, 24, 3, test_mmap);

	/* ELF sections: 4 section headers of 64 bytes, string table at index 3. */
	memset(body, 0, sizeof(body));
	put32(body, 4);
	put32(body + 4, 64);
	put32(body + 8, 3);
	for (i = 0; i < 4; i++)
		body[12 + i * 64] = (u8)(0xa0 + i);
	l->elf = b_tag(&b, MB2_TAG_ELF_SECTIONS, body, 12 + 4 * 64);

	/* Framebuffer: 1024x768x32 RGB at 0xfd000000 with colour info. */
	memset(body, 0, sizeof(body));
	put64(body, 0xfd000000);
	put32(body + 8, 4096);
	put32(body + 12, 1024);
	put32(body + 16, 768);
	body[20] = 32;
	body[21] = MB2_FB_TYPE_RGB;
	body[24] = 16;
	body[25] = 8;
	body[26] = 8;
	body[27] = 8;
	body[28] = 0;
	body[29] = 8;
	l->fb = b_tag(&b, MB2_TAG_FRAMEBUFFER, body, 30);

	/* Both RSDP copies, as GRUB passes them; v2 must win. */
	memset(body, 0, sizeof(body));
	memcpy(body, "RSD PTR ", 8);
	body[15] = 0;
	l->rsdp1 = b_tag(&b, MB2_TAG_ACPI_OLD, body, 20);
	body[15] = 2;
	put32(body + 20, 36);
	l->rsdp2 = b_tag(&b, MB2_TAG_ACPI_NEW, body, 36);

	memset(body, 0, sizeof(body));
	put64(body, 0x7fe8f018);
	l->efi64 = b_tag(&b, MB2_TAG_EFI64, body, 8);

	memset(body, 0, sizeof(body));
	put32(body, 48);
	put32(body + 4, 1);
	b_tag(&b, MB2_TAG_EFI_MMAP, body, 8 + 48);

	memset(body, 0, sizeof(body));
	put32(body, 0x100000);
	b_tag(&b, MB2_TAG_LOAD_BASE_ADDR, body, 4);

	l->end = b.pos;
	l->total = b_end(&b);
	return l->total;
}

/* ---- running the parser on an exact-size heap copy ---- */

static char errmsg[256];

/*
 * Copy @max_size bytes of @src into a heap buffer of exactly that size and parse it there.
 * The buffer is freed on return: results pointing into it must be checked by the caller
 * through *@keep, which then owns (and frees) the buffer.
 */
static int parse_copy(const void *src, size_t max_size, struct mb2_info *mi, u8 **keep)
{
	u8 *heap = malloc(max_size ? max_size : 1);
	int ret;

	memcpy(heap, src, max_size);
	ret = mb2_parse(heap, max_size, mi, errmsg, sizeof(errmsg));
	if (keep)
		*keep = heap;
	else
		free(heap);
	return ret;
}

/* Parse the builder's block in a heap buffer of exactly max_size; expect rejection. */
static void expect_reject(size_t max_size, const char *needle, const char *what)
{
	struct mb2_info mi;
	int ret = parse_copy(build_storage, max_size, &mi, NULL);

	tap_ok(ret == -1 && strstr(errmsg, needle) != NULL, "reject %s: \"%s\"", what, errmsg);
}

static u8 *blk(size_t off)
{
	return (u8 *)build_storage + off;
}

/* ---- the tests ---- */

static void test_valid(void)
{
	struct layout l;
	size_t total = build_valid(&l);
	u8 *heap = malloc(total);
	struct mb2_info mi;
	const struct mb2_mmap_entry *e;
	int ret;

	memcpy(heap, build_storage, total);
	ret = mb2_parse(heap, total, &mi, errmsg, sizeof(errmsg));
	if (!tap_ok(ret == 0, "valid block parses (%s)", errmsg))
		tap_diag("err: %s", errmsg);
	tap_ok(errmsg[0] == '\0', "no error text on success");
	tap_ok(mi.total_size == total, "total_size %u", mi.total_size);
	tap_ok(mi.cmdline && !strcmp(mi.cmdline, "console=ttyS0 loglevel=7"), "cmdline");
	tap_ok(mi.cmdline == (const char *)heap + l.cmdline + 8, "cmdline points into block");
	tap_ok(mi.bootloader_name && !strcmp(mi.bootloader_name, "GRUB 2.06"), "loader name");
	tap_ok(mi.has_basic_meminfo && mi.mem_lower_kb == 639 && mi.mem_upper_kb == 130048,
	       "basic meminfo");
	tap_ok(mi.mmap.present && mi.mmap.nr_entries == 3 && mi.mmap.entry_size == 24,
	       "mmap has 3 entries of 24 bytes");
	e = mb2_mmap_entry(&mi, 2);
	tap_ok(e && e->addr == 0x100000 && e->len == 0x7ee0000 && e->type == MB2_MMAP_AVAILABLE,
	       "mmap entry 2");
	e = mb2_mmap_entry(&mi, 1);
	tap_ok(e && e->addr == 0xf0000 && e->type == MB2_MMAP_RESERVED, "mmap entry 1");
	tap_ok(mb2_mmap_entry(&mi, 3) == NULL, "mmap entry 3 out of range is NULL");
	tap_ok(mi.nr_modules == 1 && mi.modules[0].start == 0x200000 &&
		       mi.modules[0].end == 0x280000 && !strcmp(mi.modules[0].cmdline, "initrd"),
	       "module");
	tap_ok(mi.elf.present && mi.elf.num == 4 && mi.elf.entsize == 64 && mi.elf.shndx == 3 &&
		       mi.elf.headers == heap + l.elf + 20 && mi.elf.headers[64 * 3] == 0xa3,
	       "ELF sections");
	tap_ok(mi.fb.present && mi.fb.addr == 0xfd000000 && mi.fb.pitch == 4096 &&
		       mi.fb.width == 1024 && mi.fb.height == 768 && mi.fb.bpp == 32 &&
		       mi.fb.type == MB2_FB_TYPE_RGB,
	       "framebuffer");
	tap_ok(mi.fb.has_rgb && mi.fb.red_pos == 16 && mi.fb.red_size == 8 &&
		       mi.fb.green_pos == 8 && mi.fb.blue_pos == 0 && mi.fb.blue_size == 8,
	       "framebuffer RGB layout");
	tap_ok(mi.acpi.version == 2 && mi.acpi.rsdp_len == 36 &&
		       mi.acpi.rsdp == heap + l.rsdp2 + 8 && !memcmp(mi.acpi.rsdp, "RSD PTR ", 8),
	       "ACPI RSDP v2 preferred over v1");
	tap_ok(mi.has_efi64_system_table && mi.efi64_system_table == 0x7fe8f018, "EFI64 table");
	tap_ok(mi.has_efi_mmap, "EFI memory map flag");
	tap_ok(mi.has_load_base && mi.load_base_addr == 0x100000, "load base address");
	tap_ok(mi.nr_tags == 12 && (mi.tags_seen & (1U << MB2_TAG_MMAP)) &&
		       !(mi.tags_seen & (1U << MB2_TAG_VBE)),
	       "tag count %u and tags_seen", mi.nr_tags);
	free(heap);
}

static void test_minimal_and_names(void)
{
	struct builder b;
	struct mb2_info mi;
	u8 *heap;
	size_t total;
	int ret;

	b_init(&b);
	total = b_end(&b);
	ret = parse_copy(build_storage, total, &mi, &heap);
	tap_ok(ret == 0 && total == 16 && !mi.cmdline && !mi.mmap.present && !mi.fb.present &&
		       mi.acpi.version == 0 && mb2_mmap_entry(&mi, 0) == NULL,
	       "16-byte block with only an end tag");
	free(heap);
	tap_ok(!strcmp(mb2_tag_name(6), "memory map") && !strcmp(mb2_tag_name(99), "unknown") &&
		       !strcmp(mb2_tag_name(0xffffffff), "unknown"),
	       "mb2_tag_name");
}

static void test_unknown_and_duplicates(void)
{
	struct builder b;
	struct mb2_info mi;
	u8 *heap;
	u8 junk[13] = "abcdefghijkl";
	size_t total;
	int ret;

	b_init(&b);
	b_tag(&b, 99, junk, sizeof(junk)); /* odd size: next tag still 8-aligned */
	b_string(&b, MB2_TAG_CMDLINE, "first");
	b_tag(&b, 0x7fffffff, NULL, 0);
	b_string(&b, MB2_TAG_CMDLINE, "second");
	total = b_end(&b);
	ret = parse_copy(build_storage, total, &mi, &heap);
	tap_ok(ret == 0 && mi.cmdline && !strcmp(mi.cmdline, "first"),
	       "unknown tags skipped, first of duplicate cmdlines kept (%s)", errmsg);
	free(heap);

	/* an ACPI v1 tag after the v2 one must not replace it */
	b_init(&b);
	{
		u8 rsdp[36] = "RSD PTR ";

		rsdp[15] = 2;
		b_tag(&b, MB2_TAG_ACPI_NEW, rsdp, 36);
		rsdp[15] = 0;
		b_tag(&b, MB2_TAG_ACPI_OLD, rsdp, 20);
	}
	total = b_end(&b);
	ret = parse_copy(build_storage, total, &mi, &heap);
	tap_ok(ret == 0 && mi.acpi.version == 2 && mi.acpi.rsdp_len == 36,
	       "ACPI v2 kept when v1 follows");
	free(heap);
}

static void test_mmap_stride(void)
{
	struct builder b;
	struct mb2_info mi;
	u8 *heap;
	const struct mb2_mmap_entry *e;
	size_t total;
	int ret;

	/* A future-version loader may use larger entries; the accessor must step by entry_size. */
	b_init(&b);
	b_mmap(&b, 32, 3, test_mmap);
	total = b_end(&b);
	ret = parse_copy(build_storage, total, &mi, &heap);
	e = ret ? NULL : mb2_mmap_entry(&mi, 2);
	tap_ok(ret == 0 && mi.mmap.nr_entries == 3 && e && e->addr == 0x100000 &&
		       e->type == MB2_MMAP_AVAILABLE,
	       "mmap with 32-byte entries honours entry_size");
	free(heap);
}

/* An EGA text framebuffer carries no RGB layout: has_rgb must stay false. */
static void test_fb_text(void)
{
	struct builder b;
	struct mb2_info mi;
	u8 *heap;
	u8 body[24] = { 0 };
	size_t total;
	int ret;

	b_init(&b);
	put64(body, 0xb8000);
	put32(body + 8, 160);
	put32(body + 12, 80);
	put32(body + 16, 25);
	body[20] = 16;
	body[21] = MB2_FB_TYPE_EGA_TEXT;
	b_tag(&b, MB2_TAG_FRAMEBUFFER, body, sizeof(body));
	total = b_end(&b);
	ret = parse_copy(build_storage, total, &mi, &heap);
	tap_ok(ret == 0 && mi.fb.present && mi.fb.type == MB2_FB_TYPE_EGA_TEXT &&
		       mi.fb.width == 80 && !mi.fb.has_rgb,
	       "EGA text framebuffer, no RGB fields");
	free(heap);
}

/*
 * An indexed framebuffer tag of @size bytes (header included) whose colour count says
 * @nr_colors; the palette's entries follow as (i, 255 - i, i / 2). Returns the parse result.
 */
static int parse_indexed(u32 size, u16 nr_colors, struct mb2_info *mi, u8 **heap)
{
	struct builder b;
	u8 body[8 + 26 + 3 * 256 + 8] = { 0 };
	u32 i;

	b_init(&b);
	put64(body, 0xfd000000);
	put32(body + 8, 640);
	put32(body + 12, 640);
	put32(body + 16, 480);
	body[20] = 8;
	body[21] = MB2_FB_TYPE_INDEXED;
	if (size >= 34) {
		body[24] = (u8)nr_colors;
		body[25] = (u8)(nr_colors >> 8);
	}
	for (i = 0; 26 + 3 * i + 2 < sizeof(body) && i < 256; i++) {
		body[26 + 3 * i] = (u8)i;
		body[26 + 3 * i + 1] = (u8)(255 - i);
		body[26 + 3 * i + 2] = (u8)(i / 2);
	}
	b_tag(&b, MB2_TAG_FRAMEBUFFER, body, size - 8);
	return parse_copy(build_storage, b_end(&b), mi, heap);
}

/*
 * The palette of an indexed framebuffer: the 16-bit count at byte 32 and the entries from
 * byte 34, inside the tag. A bad palette is noted, never fatal, and never points outside.
 */
static void test_fb_indexed(void)
{
	struct mb2_info mi;
	u8 *heap;
	int ret;

	/* GRUB's 8 bpp tag: 256 colours, 34 + 768 bytes. */
	ret = parse_indexed(34 + 3 * 256, 256, &mi, &heap);
	tap_ok(ret == 0 && mi.fb.present && mi.fb.type == MB2_FB_TYPE_INDEXED && mi.fb.bpp == 8 &&
		       !mi.fb.has_rgb && mi.fb.nr_colors == 256 && !mi.fb.palette_error,
	       "indexed framebuffer: 256 colours");
	tap_ok(ret == 0 && mi.fb.palette == heap + 8 + 34 && mi.fb.palette[3 * 7] == 7 &&
		       mi.fb.palette[3 * 7 + 1] == 248 && mi.fb.palette[3 * 255 + 2] == 127,
	       "palette points at the tag's entries, 3 bytes each");
	free(heap);

	/* 16 colours exactly filling the tag; the count is little-endian 16-bit. */
	ret = parse_indexed(34 + 3 * 16, 16, &mi, &heap);
	tap_ok(ret == 0 && mi.fb.nr_colors == 16 && mi.fb.palette == heap + 8 + 34,
	       "indexed framebuffer: 16 colours fill the tag exactly");
	free(heap);

	/* One byte short of the last entry: no palette, the boot goes on. */
	ret = parse_indexed(34 + 3 * 16 - 1, 16, &mi, &heap);
	tap_ok(ret == 0 && mi.fb.present && !mi.fb.palette && mi.fb.palette_error &&
		       strstr(mi.fb.palette_error, "past the end"),
	       "palette running past the tag: none, \"%s\"",
	       mi.fb.palette_error ? mi.fb.palette_error : "");
	free(heap);

	/* A count far beyond the tag (would read 196605 bytes). */
	ret = parse_indexed(34 + 3 * 2, 0xffff, &mi, &heap);
	tap_ok(ret == 0 && !mi.fb.palette && mi.fb.nr_colors == 0xffff && mi.fb.palette_error,
	       "palette count 65535 in a 40-byte tag: none");
	free(heap);

	ret = parse_indexed(34 + 3 * 4, 0, &mi, &heap);
	tap_ok(ret == 0 && !mi.fb.palette && mi.fb.palette_error &&
		       strstr(mi.fb.palette_error, "no colours"),
	       "zero colours: no palette, \"%s\"", mi.fb.palette_error ? mi.fb.palette_error : "");
	free(heap);

	/* The fixed part only: no room for the count. */
	ret = parse_indexed(32, 0, &mi, &heap);
	tap_ok(ret == 0 && mi.fb.present && !mi.fb.palette && mi.fb.palette_error &&
		       strstr(mi.fb.palette_error, "colour count"),
	       "indexed tag without a colour count: no palette");
	free(heap);
}

static void test_modules_limit(void)
{
	struct builder b;
	struct mb2_info mi;
	u8 *heap;
	size_t total;
	int ret, i;

	b_init(&b);
	for (i = 0; i < MB2_MAX_MODULES + 2; i++)
		b_module(&b, 0x1000 * i, 0x1000 * i + 0x800, "m");
	total = b_end(&b);
	ret = parse_copy(build_storage, total, &mi, &heap);
	tap_ok(ret == 0 && mi.nr_modules == MB2_MAX_MODULES && mi.nr_modules_dropped == 2 &&
		       mi.modules[7].start == 0x7000,
	       "module table caps at %d, counts the rest", MB2_MAX_MODULES);
	free(heap);
}

static void test_header_rejects(void)
{
	struct layout l;
	struct mb2_info mi;
	size_t total = build_valid(&l);
	u8 *heap;
	int ret;

	ret = mb2_parse(NULL, 64, &mi, errmsg, sizeof(errmsg));
	tap_ok(ret == -1 && strstr(errmsg, "NULL"), "reject NULL pointer: \"%s\"", errmsg);

	/* misaligned: the block starts 1 byte into the allocation and ends at its last byte */
	heap = malloc(total + 1);
	memcpy(heap + 1, build_storage, total);
	ret = mb2_parse(heap + 1, total, &mi, errmsg, sizeof(errmsg));
	tap_ok(ret == -1 && strstr(errmsg, "not 8-byte aligned"),
	       "reject misaligned pointer: \"%s\"", errmsg);
	free(heap);

	put32(blk(0), 12);
	expect_reject(64, "total_size 12 is smaller than the 16-byte minimum", "total_size < 16");

	put32(blk(0), total);
	expect_reject(total - 8, "oversized", "total_size > max_size");
	expect_reject(4, "cannot hold the 8-byte fixed header", "max_size < 8");
}

static void test_tag_rejects(void)
{
	struct layout l;
	size_t total;

	/* total_size cut inside the memory map tag */
	total = build_valid(&l);
	put32(blk(0), l.mmap + 20);
	expect_reject(l.mmap + 20, "runs past total_size", "total_size cut inside a tag");

	/* a tag whose size field runs past the end of the block */
	total = build_valid(&l);
	put32(blk(l.fb + 4), total - l.fb + 8);
	expect_reject(total, "runs past total_size", "tag size past end");

	/* the end tag removed: total_size stops right before it */
	total = build_valid(&l);
	put32(blk(0), l.end);
	expect_reject(l.end, "no end tag", "missing end tag");

	/* the end tag turned into an unknown tag: the walk runs out */
	total = build_valid(&l);
	put32(blk(l.end), 77);
	expect_reject(total, "no end tag", "end tag replaced by unknown tag");

	total = build_valid(&l);
	put32(blk(l.end + 4), 16);
	expect_reject(total, "runs past", "end tag with size 16 past total_size");

	/* an end tag of size 16 that still fits inside total_size */
	total = build_valid(&l);
	put32(blk(l.end + 4), 16);
	put32(blk(0), total + 8);
	expect_reject(total + 8, "end tag has size 16, expected 8", "end tag of size 16");

	total = build_valid(&l);
	put32(blk(l.meminfo + 4), 4);
	expect_reject(total, "smaller than the 8-byte tag header", "tag size < 8");

	total = build_valid(&l);
	put32(blk(l.meminfo + 4), 12);
	expect_reject(total, "shorter than the 16-byte fixed part", "short basic meminfo");

	/* cmdline "console=ttyS0 loglevel=7" + NUL is 25 bytes: cut the NUL off */
	total = build_valid(&l);
	put32(blk(l.cmdline + 4), 8 + 24);
	expect_reject(total, "not NUL-terminated", "unterminated cmdline");

	total = build_valid(&l);
	put32(blk(l.name + 4), 8 + 9);
	expect_reject(total, "not NUL-terminated", "unterminated loader name");

	total = build_valid(&l);
	put32(blk(l.module + 4), 16 + 6);
	expect_reject(total, "module command line is not NUL-terminated", "unterminated module");

	total = build_valid(&l);
	put32(blk(l.module + 12), 0x100000);
	{
		struct mb2_info mi;
		int ret = parse_copy(build_storage, total, &mi, NULL);

		tap_ok(ret == 0 && mi.nr_modules == 0 && mi.nr_modules_bad == 1,
		       "module end < start: left out and counted, the rest parsed (%d, %u, %u)",
		       ret, mi.nr_modules, mi.nr_modules_bad);
	}

	total = build_valid(&l);
	put32(blk(l.mmap + 8), 20);
	expect_reject(total, "entry_size 20 is smaller than 24", "mmap entry_size 20");

	total = build_valid(&l);
	put32(blk(l.mmap + 8), 28);
	expect_reject(total, "entry_size 28 is not a multiple of 8", "mmap entry_size 28");

	total = build_valid(&l);
	put32(blk(l.mmap + 8), 0);
	expect_reject(total, "entry_size 0 is smaller", "mmap entry_size 0");

	/* 3 * 24 bytes of entries read with a 32-byte stride leave a ragged tail */
	total = build_valid(&l);
	put32(blk(l.mmap + 8), 32);
	expect_reject(total, "not a multiple of entry_size 32", "mmap length not k*entry_size");

	total = build_valid(&l);
	put32(blk(l.fb + 4), 8 + 20);
	expect_reject(total, "shorter than the 32-byte fixed part", "short framebuffer");

	total = build_valid(&l);
	put32(blk(l.elf + 8), 5);
	expect_reject(total, "5 section headers of 64 bytes do not fit", "ELF num too big");

	total = build_valid(&l);
	put32(blk(l.elf + 8), 0x10000);
	put32(blk(l.elf + 12), 0x10000);
	expect_reject(total, "do not fit", "ELF num*entsize overflowing 32 bits");

	total = build_valid(&l);
	put32(blk(l.elf + 16), 4);
	expect_reject(total, "shndx 4 is not below num 4", "ELF shndx out of range");

	total = build_valid(&l);
	put32(blk(l.rsdp2 + 4), 8 + 20);
	expect_reject(total, "shorter than the 44-byte fixed part", "short RSDP v2");

	total = build_valid(&l);
	put32(blk(l.efi64 + 4), 12);
	expect_reject(total, "shorter than the 16-byte fixed part", "short EFI64 tag");
}

/*
 * Parse @info with an error buffer of exactly @len heap bytes (ASan sees overruns); true if
 * it then holds the first @len - 1 characters of @full, or is untouched when @len is 0.
 */
static bool err_cut_ok(const void *info, size_t size, const char *full, size_t len)
{
	char *small = malloc(len ? len : 1);
	size_t want = MIN(len ? len - 1 : 0, strlen(full));
	struct mb2_info mi;
	bool ok;

	small[0] = 'x';
	mb2_parse(info, size, &mi, small, len);
	ok = len ? strlen(small) == want && !strncmp(small, full, want) : small[0] == 'x';
	free(small);
	return ok;
}

static void test_err_buffer(void)
{
	struct layout l;
	struct mb2_info mi;
	char small[8];
	size_t total = build_valid(&l);
	u8 *heap = malloc(total);
	size_t i;
	int ret;

	put32(blk(0), 12);
	memcpy(heap, build_storage, total);
	memset(small, 'x', sizeof(small));
	ret = mb2_parse(heap, total, &mi, small, sizeof(small));
	tap_ok(ret == -1 && small[7] == '\0' && strlen(small) == 7,
	       "error text cut to err_len - 1: \"%s\"", small);
	ret = mb2_parse(heap, total, &mi, NULL, 0);
	tap_ok(ret == -1 && mi.total_size == 0, "NULL err buffer accepted, out cleared");
	free(heap);

	/* every cut of a tag error, which is written in three pieces */
	total = build_valid(&l);
	put32(blk(l.meminfo + 4), 12);
	heap = malloc(total);
	memcpy(heap, build_storage, total);
	mb2_parse(heap, total, &mi, errmsg, sizeof(errmsg));
	for (i = 0; i <= strlen(errmsg) + 1 && err_cut_ok(heap, total, errmsg, i); i++)
		;
	tap_ok(i > strlen(errmsg) + 1, "tag error cut right at every err_len below %zu", i);
	free(heap);
}

/* ---- fuzz-ish: random mutations must parse or be rejected, never over-read ---- */

static u32 rng_state = 0x12345678;

static u32 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* On success every pointer must lie inside the block it was given. */
static bool inside(const void *p, const u8 *base, size_t len)
{
	return (const u8 *)p >= base && (const u8 *)p < base + len;
}

static bool result_sane(const struct mb2_info *mi, const u8 *base, size_t len)
{
	u32 i;

	if (mi->cmdline && !inside(mi->cmdline + strlen(mi->cmdline), base, len))
		return false;
	if (mi->bootloader_name &&
	    !inside(mi->bootloader_name + strlen(mi->bootloader_name), base, len))
		return false;
	for (i = 0; i < mi->mmap.nr_entries; i++) {
		const struct mb2_mmap_entry *e = mb2_mmap_entry(mi, i);

		if (!inside((const u8 *)e + sizeof(*e) - 1, base, len))
			return false;
	}
	for (i = 0; i < mi->nr_modules; i++) {
		if (!inside(mi->modules[i].cmdline + strlen(mi->modules[i].cmdline), base, len))
			return false;
	}
	if (mi->elf.present) {
		u64 bytes = mi->elf.num * (u64)mi->elf.entsize;

		if (bytes != 0 && !inside(mi->elf.headers + bytes - 1, base, len))
			return false;
	}
	if (mi->acpi.version && !inside(mi->acpi.rsdp + mi->acpi.rsdp_len - 1, base, len))
		return false;
	if (mi->fb.palette &&
	    (!mi->fb.nr_colors || !inside(mi->fb.palette + 3 * mi->fb.nr_colors - 1, base, len)))
		return false;
	return true;
}

static void test_fuzz(void)
{
	static const u32 interesting[] = { 0,	       1,	  7,	  8,	      9,
					   15,	       16,	  20,	  24,	      0x7f,
					   0x80,       0xff,	  0xffff, 0x7fffffff, 0x80000000,
					   0xfffffff8, 0xffffffff };
	struct layout l;
	size_t total = build_valid(&l);
	u8 orig[BUILD_CAP];
	int iter, accepted = 0, rejected = 0, bad = 0;

	memcpy(orig, build_storage, total);
	for (iter = 0; iter < 20000; iter++) {
		u8 *mut = (u8 *)build_storage;
		size_t max_size = total;
		int n, k;
		struct mb2_info mi;
		u8 *heap;
		int ret;

		memcpy(mut, orig, total);
		n = 1 + rnd() % 4;
		for (k = 0; k < n; k++) {
			u32 where = rnd() % total;

			switch (rnd() % 4) {
			case 0:
				mut[where] ^= 1 << (rnd() % 8);
				break;
			case 1:
				mut[where] = (u8)rnd();
				break;
			case 2: /* hit a 4-aligned field (type, size, counts) */
				put32(mut + (where & ~3U) % (total - 3),
				      interesting[rnd() % ARRAY_SIZE(interesting)]);
				break;
			case 3:
				max_size = 8 + rnd() % (total - 7);
				break;
			}
		}
		heap = malloc(max_size);
		memcpy(heap, mut, max_size);
		ret = mb2_parse(heap, max_size, &mi, errmsg, sizeof(errmsg));
		if (ret == 0) {
			accepted++;
			if (!result_sane(&mi, heap, MIN(max_size, (size_t)get32(heap))))
				bad++;
		} else if (ret == -1 && errmsg[0]) {
			rejected++;
		} else {
			bad++;
		}
		free(heap);
	}
	tap_ok(bad == 0, "20000 mutated blocks: %d accepted, %d rejected, %d bad", accepted,
	       rejected, bad);
}

int main(void)
{
	tap_plan(65);
	test_valid();
	test_minimal_and_names();
	test_unknown_and_duplicates();
	test_mmap_stride();
	test_fb_text();
	test_fb_indexed();
	test_modules_limit();
	test_header_rejects();
	test_tag_rejects();
	test_err_buffer();
	test_fuzz();
	return tap_done();
}
