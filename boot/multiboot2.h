/*
 * Multiboot2 boot-information parser.
 *
 * The boot loader hands the kernel a block of 8-byte aligned tags. mb2_parse() checks the
 * whole block (every tag stays inside total_size, strings are terminated, tables fit) before
 * filling struct mb2_info, so later code can use the result without re-checking. Pointers in
 * struct mb2_info point into the block that was passed in; they are valid as long as it is.
 *
 * Pure logic: no libc, no allocation, no printing. Host unit tests use it unchanged.
 */
#ifndef BOOT_MULTIBOOT2_H
#define BOOT_MULTIBOOT2_H

#include "kernel/lib/types.h"

/* Value in %eax when a multiboot2 loader enters the kernel. */
#define MB2_BOOTLOADER_MAGIC 0x36d76289

/* Fixed header (total_size, reserved) plus the 8-byte end tag. */
#define MB2_MIN_TOTAL_SIZE 16
#define MB2_TAG_ALIGN	   8

/* Tag types of the boot information (multiboot2 spec, section 3.6). */
#define MB2_TAG_END		0
#define MB2_TAG_CMDLINE		1
#define MB2_TAG_BOOTLOADER_NAME 2
#define MB2_TAG_MODULE		3
#define MB2_TAG_BASIC_MEMINFO	4
#define MB2_TAG_BOOTDEV		5
#define MB2_TAG_MMAP		6
#define MB2_TAG_VBE		7
#define MB2_TAG_FRAMEBUFFER	8
#define MB2_TAG_ELF_SECTIONS	9
#define MB2_TAG_APM		10
#define MB2_TAG_EFI32		11
#define MB2_TAG_EFI64		12
#define MB2_TAG_SMBIOS		13
#define MB2_TAG_ACPI_OLD	14
#define MB2_TAG_ACPI_NEW	15
#define MB2_TAG_NETWORK		16
#define MB2_TAG_EFI_MMAP	17
#define MB2_TAG_EFI_BS		18
#define MB2_TAG_EFI32_IH	19
#define MB2_TAG_EFI64_IH	20
#define MB2_TAG_LOAD_BASE_ADDR	21

/* Memory map entry types. Anything else must be treated as reserved. */
#define MB2_MMAP_AVAILABLE	  1
#define MB2_MMAP_RESERVED	  2
#define MB2_MMAP_ACPI_RECLAIMABLE 3
#define MB2_MMAP_NVS		  4
#define MB2_MMAP_BAD		  5

#define MB2_FB_TYPE_INDEXED  0
#define MB2_FB_TYPE_RGB	     1
#define MB2_FB_TYPE_EGA_TEXT 2

#define MB2_MAX_MODULES 8

/* One memory map entry as the loader lays it out (entries may be larger; see entry_size). */
struct mb2_mmap_entry {
	u64 addr;
	u64 len;
	u32 type;
	u32 reserved;
};

struct mb2_mmap {
	bool present;
	const u8 *base; /* first entry, inside the info block */
	u32 entry_size; /* stride between entries: >= 24, multiple of 8 */
	u32 entry_version;
	u32 nr_entries;
};

struct mb2_module {
	u32 start;	     /* physical address of the first byte */
	u32 end;	     /* physical address one past the last byte */
	const char *cmdline; /* never NULL for a recorded module, may be "" */
};

struct mb2_elf_sections {
	bool present;
	u32 num;	   /* number of section headers */
	u32 entsize;	   /* size of one section header */
	u32 shndx;	   /* index of the section-name string table */
	const u8 *headers; /* num * entsize bytes, inside the info block */
};

struct mb2_framebuffer {
	bool present;
	u64 addr;
	u32 pitch; /* bytes per scan line */
	u32 width;
	u32 height;
	u8 bpp;
	u8 type;      /* MB2_FB_TYPE_* */
	bool has_rgb; /* the fields below are valid (type RGB with colour info) */
	u8 red_pos, red_size;
	u8 green_pos, green_size;
	u8 blue_pos, blue_size;
	/*
	 * Type indexed: nr_colors as the tag gives it, and the palette (nr_colors red, green,
	 * blue byte triples inside the info block), or NULL with palette_error saying why the
	 * tag's palette is unusable. A bad palette costs only the screen, not the boot.
	 */
	u16 nr_colors;
	const u8 *palette;
	const char *palette_error;
};

struct mb2_acpi {
	u8 version;	/* 0: absent, 1: RSDP v1 copy (tag 14), 2: v2+ copy (tag 15) */
	const u8 *rsdp; /* copy of the RSDP inside the info block */
	u32 rsdp_len;	/* bytes available at rsdp */
};

struct mb2_info {
	u32 total_size;
	u32 nr_tags;   /* tags walked, end tag excluded */
	u32 tags_seen; /* bit n set: a tag of type n (< 32) was present */

	const char *cmdline;	     /* NULL if absent */
	const char *bootloader_name; /* NULL if absent */

	bool has_basic_meminfo;
	u32 mem_lower_kb;
	u32 mem_upper_kb;

	struct mb2_mmap mmap;

	struct mb2_module modules[MB2_MAX_MODULES];
	u32 nr_modules;
	u32 nr_modules_dropped; /* module tags beyond MB2_MAX_MODULES */
	u32 nr_modules_bad;	/* module tags whose end is below their start: ignored */

	struct mb2_elf_sections elf;
	struct mb2_framebuffer fb;
	struct mb2_acpi acpi;

	bool has_efi64_system_table;
	u64 efi64_system_table;

	bool has_efi_mmap;

	bool has_load_base;
	u32 load_base_addr;
};

/*
 * Check and decode the boot information at @info. At most min(total_size, @max_size) bytes
 * are read. Returns 0 and fills @out, or -1 with a one-line reason in @err (which may be
 * NULL; the text is cut to @err_len - 1 characters). On failure @out is cleared.
 * Unknown tag types are skipped; of duplicate tags the first wins (except that an ACPI v2
 * RSDP is preferred over a v1 one, since loaders commonly pass both).
 */
int mb2_parse(const void *info, u64 max_size, struct mb2_info *out, char *err, size_t err_len);

/* Entry @i of the memory map, or NULL if @i is out of range. Honours entry_size. */
const struct mb2_mmap_entry *mb2_mmap_entry(const struct mb2_info *mi, u32 i);

/* Human-readable name of a tag type for debug listings ("unknown" if not known). */
const char *mb2_tag_name(u32 type);

#endif
