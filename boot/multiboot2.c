/*
 * Multiboot2 boot-information parser. See multiboot2.h.
 *
 * The block is untrusted input: a buggy loader or a corrupted copy must produce an error
 * message, never a read outside the block. The walk therefore checks each tag header
 * against total_size before looking at it, and each tag body against the tag's own size.
 */
#include "kernel/lib/types.h"
#include "kernel/lib/unaligned.h"
#include "boot/multiboot2.h"
#include "kernel/lib/vsprintf.h"

/*
 * Fixed-part sizes of the tags we decode. The layouts follow what GRUB actually writes:
 * the framebuffer tag has a 16-bit reserved field (fixed part 32 bytes), an indexed one a
 * 16-bit colour count after it, and the ELF sections tag uses 32-bit num/entsize/shndx
 * (fixed part 20 bytes), where some versions of the spec text show other widths.
 */
#define TAG_HDR_SIZE	  8
#define STRING_TAG_MIN	  8
#define MODULE_MIN	  16
#define BASIC_MEMINFO_MIN 16
#define MMAP_HDR_SIZE	  16
#define MMAP_ENTRY_MIN	  24
#define FB_FIXED_SIZE	  32
#define FB_RGB_SIZE	  38
#define FB_PALETTE	  34 /* the first palette entry, after the 16-bit colour count */
#define ELF_HDR_SIZE	  20
#define EFI64_MIN	  16
#define RSDP_V1_LEN	  20
#define RSDP_V2_LEN	  36
#define EFI_MMAP_MIN	  16
#define LOAD_BASE_MIN	  12

struct tag_desc {
	const char *name;
	u32 min_size; /* smallest legal size field, header included */
};

static const struct tag_desc tag_descs[] = {
	[MB2_TAG_END] = { "end", TAG_HDR_SIZE },
	[MB2_TAG_CMDLINE] = { "command line", STRING_TAG_MIN },
	[MB2_TAG_BOOTLOADER_NAME] = { "boot loader name", STRING_TAG_MIN },
	[MB2_TAG_MODULE] = { "module", MODULE_MIN },
	[MB2_TAG_BASIC_MEMINFO] = { "basic memory info", BASIC_MEMINFO_MIN },
	[MB2_TAG_BOOTDEV] = { "BIOS boot device", TAG_HDR_SIZE },
	[MB2_TAG_MMAP] = { "memory map", MMAP_HDR_SIZE },
	[MB2_TAG_VBE] = { "VBE info", TAG_HDR_SIZE },
	[MB2_TAG_FRAMEBUFFER] = { "framebuffer info", FB_FIXED_SIZE },
	[MB2_TAG_ELF_SECTIONS] = { "ELF sections", ELF_HDR_SIZE },
	[MB2_TAG_APM] = { "APM table", TAG_HDR_SIZE },
	[MB2_TAG_EFI32] = { "EFI32 system table", TAG_HDR_SIZE },
	[MB2_TAG_EFI64] = { "EFI64 system table", EFI64_MIN },
	[MB2_TAG_SMBIOS] = { "SMBIOS tables", TAG_HDR_SIZE },
	[MB2_TAG_ACPI_OLD] = { "ACPI old RSDP", TAG_HDR_SIZE + RSDP_V1_LEN },
	[MB2_TAG_ACPI_NEW] = { "ACPI new RSDP", TAG_HDR_SIZE + RSDP_V2_LEN },
	[MB2_TAG_NETWORK] = { "networking info", TAG_HDR_SIZE },
	[MB2_TAG_EFI_MMAP] = { "EFI memory map", EFI_MMAP_MIN },
	[MB2_TAG_EFI_BS] = { "EFI boot services not terminated", TAG_HDR_SIZE },
	[MB2_TAG_EFI32_IH] = { "EFI32 image handle", TAG_HDR_SIZE },
	[MB2_TAG_EFI64_IH] = { "EFI64 image handle", TAG_HDR_SIZE },
	[MB2_TAG_LOAD_BASE_ADDR] = { "image load base address", LOAD_BASE_MIN },
};

const char *mb2_tag_name(u32 type)
{
	if (type >= ARRAY_SIZE(tag_descs))
		return "unknown";
	return tag_descs[type].name;
}

static u32 tag_min_size(u32 type)
{
	if (type >= ARRAY_SIZE(tag_descs))
		return TAG_HDR_SIZE;
	return tag_descs[type].min_size;
}

/* A byte field; the wider ones are read with kernel/lib/unaligned.h. */
static u8 get_u8(const u8 *p)
{
	return p[0];
}

/* ---- the parser ---- */

struct parser {
	const u8 *base;
	u32 total_size;
	struct mb2_info *out;
	char *err; /* the caller's error line; err_len is 0 if there is none */
	size_t err_len;
	/* the tag being decoded, for messages */
	u32 type;
	u32 off;
};

/*
 * Write "multiboot2 info at <base>: [tag <type> (<name>) at offset <off>: ]<details>", cut
 * to err_len - 1 characters. scnprintf() counts only what fit, so once the line is full n
 * stays at err_len - 1 and the remaining pieces write nothing but the NUL.
 */
static void vfail(struct parser *ps, bool in_tag, const char *fmt, va_list ap)
{
	size_t n;

	if (!ps->err_len)
		return;
	n = scnprintf(ps->err, ps->err_len, "multiboot2 info at %p: ", ps->base);
	if (in_tag)
		n += scnprintf(ps->err + n, ps->err_len - n,
			       "tag %u (%s) at offset 0x%x: ", ps->type, mb2_tag_name(ps->type),
			       ps->off);
	vscnprintf(ps->err + n, ps->err_len - n, fmt, ap);
}

/* A problem with the block as a whole. */
static int __attribute__((format(printf, 2, 3))) fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(ps, false, fmt, ap);
	va_end(ap);
	return -1;
}

/* A problem with the tag at ps->off. */
static int __attribute__((format(printf, 2, 3))) tag_fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(ps, true, fmt, ap);
	va_end(ap);
	return -1;
}

/* A string field must end with a NUL before the tag ends, or users would run off it. */
static const char *tag_string(const u8 *s, u32 avail)
{
	u32 i;

	for (i = 0; i < avail; i++) {
		if (s[i] == '\0')
			return (const char *)s;
	}
	return NULL;
}

static int parse_string(struct parser *ps, const u8 *tag, u32 size, const char **slot)
{
	const char *s = tag_string(tag + TAG_HDR_SIZE, size - TAG_HDR_SIZE);

	if (!s)
		return tag_fail(ps, "string is not NUL-terminated inside the tag");
	if (!*slot)
		*slot = s;
	return 0;
}

static int parse_module(struct parser *ps, const u8 *tag, u32 size)
{
	struct mb2_info *mi = ps->out;
	u32 start = get_unaligned_le32(tag + 8);
	u32 end = get_unaligned_le32(tag + 12);
	const char *cmdline = tag_string(tag + MODULE_MIN, size - MODULE_MIN);

	if (!cmdline)
		return tag_fail(ps, "module command line is not NUL-terminated inside the tag");
	/* A module is optional: one whose range makes no sense is counted and left out, and the
	 * kernel boots without it (kernel/init/main.c says so). */
	if (end < start) {
		mi->nr_modules_bad++;
		return 0;
	}
	if (mi->nr_modules == MB2_MAX_MODULES) {
		mi->nr_modules_dropped++;
		return 0;
	}
	mi->modules[mi->nr_modules].start = start;
	mi->modules[mi->nr_modules].end = end;
	mi->modules[mi->nr_modules].cmdline = cmdline;
	mi->nr_modules++;
	return 0;
}

static int parse_basic_meminfo(struct parser *ps, const u8 *tag)
{
	struct mb2_info *mi = ps->out;

	if (mi->has_basic_meminfo)
		return 0;
	mi->has_basic_meminfo = true;
	mi->mem_lower_kb = get_unaligned_le32(tag + 8);
	mi->mem_upper_kb = get_unaligned_le32(tag + 12);
	return 0;
}

/*
 * Entries are read at base + i * entry_size as struct mb2_mmap_entry, so entry_size must
 * cover the struct and keep every entry 8-byte aligned, and the entries must fill the tag
 * exactly: a ragged tail means the size or the stride is wrong.
 */
static int parse_mmap(struct parser *ps, const u8 *tag, u32 size)
{
	struct mb2_mmap *mm = &ps->out->mmap;
	u32 entry_size = get_unaligned_le32(tag + 8);
	u32 bytes = size - MMAP_HDR_SIZE;

	if (entry_size < MMAP_ENTRY_MIN)
		return tag_fail(ps, "memory map entry_size %u is smaller than %d", entry_size,
				MMAP_ENTRY_MIN);
	if (!IS_ALIGNED(entry_size, 8))
		return tag_fail(ps, "memory map entry_size %u is not a multiple of 8", entry_size);
	if (bytes % entry_size)
		return tag_fail(ps,
				"memory map has %u bytes of entries, not a multiple of "
				"entry_size %u",
				bytes, entry_size);
	if (mm->present)
		return 0;
	mm->present = true;
	mm->base = tag + MMAP_HDR_SIZE;
	mm->entry_size = entry_size;
	mm->entry_version = get_unaligned_le32(tag + 12);
	mm->nr_entries = bytes / entry_size;
	return 0;
}

/*
 * An indexed framebuffer's palette: a 16-bit count, then that many 3-byte entries, all
 * inside the tag. A bad one is noted, not fatal: only the screen console needs it.
 */
static void parse_palette(struct mb2_framebuffer *fb, const u8 *tag, u32 size)
{
	if (size < FB_PALETTE) {
		fb->palette_error = "the tag ends before the colour count";
		return;
	}
	fb->nr_colors = get_unaligned_le16(tag + FB_FIXED_SIZE);
	if (!fb->nr_colors)
		fb->palette_error = "the palette has no colours";
	else if ((u64)fb->nr_colors * 3 > size - FB_PALETTE)
		fb->palette_error = "the colours run past the end of the tag";
	else
		fb->palette = tag + FB_PALETTE;
}

static int parse_framebuffer(struct parser *ps, const u8 *tag, u32 size)
{
	struct mb2_framebuffer *fb = &ps->out->fb;

	if (fb->present)
		return 0;
	fb->present = true;
	fb->addr = get_unaligned_le64(tag + 8);
	fb->pitch = get_unaligned_le32(tag + 16);
	fb->width = get_unaligned_le32(tag + 20);
	fb->height = get_unaligned_le32(tag + 24);
	fb->bpp = get_u8(tag + 28);
	fb->type = get_u8(tag + 29);
	/* The colour description is optional as far as we are concerned. */
	if (fb->type == MB2_FB_TYPE_RGB && size >= FB_RGB_SIZE) {
		fb->has_rgb = true;
		fb->red_pos = get_u8(tag + 32);
		fb->red_size = get_u8(tag + 33);
		fb->green_pos = get_u8(tag + 34);
		fb->green_size = get_u8(tag + 35);
		fb->blue_pos = get_u8(tag + 36);
		fb->blue_size = get_u8(tag + 37);
	}
	if (fb->type == MB2_FB_TYPE_INDEXED)
		parse_palette(fb, tag, size);
	return 0;
}

static int parse_elf_sections(struct parser *ps, const u8 *tag, u32 size)
{
	struct mb2_elf_sections *elf = &ps->out->elf;
	u32 num = get_unaligned_le32(tag + 8);
	u32 entsize = get_unaligned_le32(tag + 12);
	u32 shndx = get_unaligned_le32(tag + 16);

	/* Both factors are 32-bit, so the product cannot overflow 64 bits. */
	if ((u64)num * entsize > size - ELF_HDR_SIZE)
		return tag_fail(ps, "%u section headers of %u bytes do not fit in the tag", num,
				entsize);
	if (num && shndx >= num)
		return tag_fail(ps, "shndx %u is not below num %u", shndx, num);
	if (elf->present)
		return 0;
	elf->present = true;
	elf->num = num;
	elf->entsize = entsize;
	elf->shndx = shndx;
	elf->headers = tag + ELF_HDR_SIZE;
	return 0;
}

/* GRUB passes both the old and the new RSDP; the newer one is the useful one. */
static int parse_acpi(struct parser *ps, const u8 *tag, u32 size, u8 version)
{
	struct mb2_acpi *acpi = &ps->out->acpi;

	if (acpi->version >= version)
		return 0;
	acpi->version = version;
	acpi->rsdp = tag + TAG_HDR_SIZE;
	acpi->rsdp_len = size - TAG_HDR_SIZE;
	return 0;
}

static int parse_efi64(struct parser *ps, const u8 *tag)
{
	struct mb2_info *mi = ps->out;

	if (mi->has_efi64_system_table)
		return 0;
	mi->has_efi64_system_table = true;
	mi->efi64_system_table = get_unaligned_le64(tag + 8);
	return 0;
}

static int parse_load_base(struct parser *ps, const u8 *tag)
{
	struct mb2_info *mi = ps->out;

	if (mi->has_load_base)
		return 0;
	mi->has_load_base = true;
	mi->load_base_addr = get_unaligned_le32(tag + 8);
	return 0;
}

/* @tag has passed the header checks: its @size bytes lie inside the block. */
static int parse_tag(struct parser *ps, const u8 *tag, u32 size)
{
	struct mb2_info *mi = ps->out;
	u32 min = tag_min_size(ps->type);

	if (size < min)
		return tag_fail(ps, "size %u is shorter than the %u-byte fixed part", size, min);

	switch (ps->type) {
	case MB2_TAG_CMDLINE:
		return parse_string(ps, tag, size, &mi->cmdline);
	case MB2_TAG_BOOTLOADER_NAME:
		return parse_string(ps, tag, size, &mi->bootloader_name);
	case MB2_TAG_MODULE:
		return parse_module(ps, tag, size);
	case MB2_TAG_BASIC_MEMINFO:
		return parse_basic_meminfo(ps, tag);
	case MB2_TAG_MMAP:
		return parse_mmap(ps, tag, size);
	case MB2_TAG_FRAMEBUFFER:
		return parse_framebuffer(ps, tag, size);
	case MB2_TAG_ELF_SECTIONS:
		return parse_elf_sections(ps, tag, size);
	case MB2_TAG_ACPI_OLD:
		return parse_acpi(ps, tag, size, 1);
	case MB2_TAG_ACPI_NEW:
		return parse_acpi(ps, tag, size, 2);
	case MB2_TAG_EFI64:
		return parse_efi64(ps, tag);
	case MB2_TAG_EFI_MMAP:
		mi->has_efi_mmap = true;
		return 0;
	case MB2_TAG_LOAD_BASE_ADDR:
		return parse_load_base(ps, tag);
	default:
		/* Unknown or unused types are legal; the size checks above still applied. */
		return 0;
	}
}

/*
 * Walk the tags from offset 8. Offsets are kept in 64 bits so that off + size can never
 * wrap, and every header is checked against total_size before it is read.
 */
static int walk_tags(struct parser *ps)
{
	u64 off = 8;

	for (;;) {
		const u8 *tag;
		u32 size;

		if (off + TAG_HDR_SIZE > ps->total_size)
			return fail(ps,
				    "no end tag (tags run out at offset 0x%lx of total_size %u)",
				    off, ps->total_size);
		tag = ps->base + off;
		ps->type = get_unaligned_le32(tag);
		ps->off = (u32)off;
		size = get_unaligned_le32(tag + 4);
		if (size < TAG_HDR_SIZE)
			return tag_fail(ps, "size %u is smaller than the 8-byte tag header", size);
		if (size > ps->total_size - off)
			return tag_fail(ps, "size %u runs past total_size %u (truncated)", size,
					ps->total_size);
		if (ps->type == MB2_TAG_END) {
			if (size != TAG_HDR_SIZE)
				return tag_fail(ps, "end tag has size %u, expected 8", size);
			return 0;
		}
		if (parse_tag(ps, tag, size))
			return -1;
		ps->out->nr_tags++;
		if (ps->type < 32)
			ps->out->tags_seen |= 1U << ps->type;
		off += ALIGN_UP((u64)size, MB2_TAG_ALIGN);
	}
}

int mb2_parse(const void *info, u64 max_size, struct mb2_info *out, char *err, size_t err_len)
{
	struct parser ps = { .base = info, .out = out, .err = err, .err_len = err ? err_len : 0 };
	u32 total_size;

	*out = (struct mb2_info){ 0 };
	if (ps.err_len)
		err[0] = '\0';

	if (!info) {
		snprintf(ps.err, ps.err_len, "multiboot2 info pointer is NULL");
		return -1;
	}
	if (!IS_ALIGNED((uintptr_t)info, MB2_TAG_ALIGN))
		return fail(&ps, "info block is not 8-byte aligned");
	/* Not even the total_size field can be read safely. */
	if (max_size < 8)
		return fail(&ps, "max_size %lu cannot hold the 8-byte fixed header", max_size);
	total_size = get_unaligned_le32(ps.base);
	if (total_size < MB2_MIN_TOTAL_SIZE)
		return fail(&ps, "total_size %u is smaller than the %d-byte minimum", total_size,
			    MB2_MIN_TOTAL_SIZE);
	if (total_size > max_size)
		return fail(&ps, "total_size %u exceeds max_size %lu (oversized)", total_size,
			    max_size);
	ps.total_size = total_size;
	out->total_size = total_size;

	if (walk_tags(&ps)) {
		/* Callers must not act on half-filled results. */
		*out = (struct mb2_info){ 0 };
		return -1;
	}
	return 0;
}

const struct mb2_mmap_entry *mb2_mmap_entry(const struct mb2_info *mi, u32 i)
{
	if (!mi->mmap.present || i >= mi->mmap.nr_entries)
		return NULL;
	return (const struct mb2_mmap_entry *)(mi->mmap.base + (u64)i * mi->mmap.entry_size);
}
