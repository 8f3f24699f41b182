/*
 * Host unit tests for boot/pvh.c: start-information blocks are laid out in a buffer that
 * stands for physical memory from PHYS_BASE, and every address outside it is unreadable, so a
 * read the parser did not check shows as a failure here (and AddressSanitizer watches the rest).
 */
#include <stdint.h>
#include <string.h>

#include "boot/pvh.h"
#include "kernel/lib/types.h"
#include "tests/tap.h"

#define PHYS_BASE 0x10000ull
#define PHYS_SIZE 0x4000ull
#define INFO	  (PHYS_BASE + 0x000) /* the start info */
#define MODLIST	  (PHYS_BASE + 0x100)
#define CMDLINE	  (PHYS_BASE + 0x400)
#define MEMMAP	  (PHYS_BASE + 0x800)
#define RSDP	  (PHYS_BASE + 0x1000)

static u8 mem[PHYS_SIZE];
static char err[160];

static const void *phys(u64 addr, u64 len)
{
	if (addr < PHYS_BASE || len > PHYS_SIZE || addr - PHYS_BASE > PHYS_SIZE - len)
		return NULL;
	return mem + (addr - PHYS_BASE);
}

static void put32(u64 addr, u32 v)
{
	memcpy(mem + (addr - PHYS_BASE), &v, 4);
}

static void put64(u64 addr, u64 v)
{
	memcpy(mem + (addr - PHYS_BASE), &v, 8);
}

static void add_module(u32 i, u64 start, u64 size)
{
	put64(MODLIST + i * 32, start);
	put64(MODLIST + i * 32 + 8, size);
}

static void add_region(u32 i, u64 addr, u64 len, u32 type)
{
	put64(MEMMAP + i * 24, addr);
	put64(MEMMAP + i * 24 + 8, len);
	put32(MEMMAP + i * 24 + 16, type);
}

/* What QEMU's -kernel passes: a command line, the initrd, the RSDP, a memory map. */
static void good_block(void)
{
	memset(mem, 0, sizeof(mem));
	put32(INFO, PVH_START_MAGIC);
	put32(INFO + 4, 1);
	put32(INFO + 12, 1);
	put64(INFO + 16, MODLIST);
	put64(INFO + 24, CMDLINE);
	put64(INFO + 32, RSDP);
	put64(INFO + 40, MEMMAP);
	put32(INFO + 48, 3);
	add_module(0, 0xfe00000, 0x25000);
	strcpy((char *)mem + (CMDLINE - PHYS_BASE), "test=mm.* loglevel=7");
	add_region(0, 0, 0x9fc00, 1);
	add_region(1, 0xf0000, 0x10000, 2);
	add_region(2, 0x100000, 0xfee0000, 1);
	memcpy(mem + (RSDP - PHYS_BASE), "RSD PTR ", 8);
	mem[RSDP - PHYS_BASE + 15] = 2;
}

static int parse(struct mb2_info *mi)
{
	err[0] = 0;
	return pvh_parse(INFO, phys, mi, err, sizeof(err));
}

static void test_good_block(void)
{
	struct mb2_info mi;
	const struct mb2_mmap_entry *e;

	good_block();
	tap_ok(parse(&mi) == 0, "a block as QEMU writes it parses %s", err);
	tap_ok(mi.cmdline && !strcmp(mi.cmdline, "test=mm.* loglevel=7"), "the command line");
	tap_ok(mi.nr_modules == 1 && mi.modules[0].start == 0xfe00000 &&
		       mi.modules[0].end == 0xfe25000 && !strcmp(mi.modules[0].cmdline, "initrd"),
	       "the initrd is module 0, named as the kernel looks for it");
	tap_ok(mi.mmap.present && mi.mmap.nr_entries == 3, "three memory map entries");
	e = mb2_mmap_entry(&mi, 2);
	tap_ok(e && e->addr == 0x100000 && e->len == 0xfee0000 && e->type == MB2_MMAP_AVAILABLE,
	       "an entry reads as a multiboot2 entry");
	tap_ok(mi.acpi.version == 2 && mi.acpi.rsdp_len == 36 &&
		       !memcmp(mi.acpi.rsdp, "RSD PTR ", 8),
	       "an ACPI 2.0 RSDP is kept whole");
	tap_ok(mi.bootloader_name && strstr(mi.bootloader_name, "PVH"), "the loader is named PVH");
	/* The loader's memory is reused later: what the kernel keeps must be copies. */
	memset(mem, 0xaa, sizeof(mem));
	tap_ok(!strcmp(mi.cmdline, "test=mm.* loglevel=7") &&
		       mb2_mmap_entry(&mi, 0)->len == 0x9fc00 &&
		       !memcmp(mi.acpi.rsdp, "RSD PTR ", 8),
	       "command line, memory map and RSDP are copies, not pointers into the block");
}

/* expect_error(what, pattern): the block as good_block() made it, then changed, fails. */
static void expect_error(const char *what, const char *want)
{
	struct mb2_info mi;
	int r = parse(&mi);

	tap_ok(r < 0 && strstr(err, want) && mi.nr_modules == 0 && !mi.cmdline,
	       "%s: refused (\"%s\")", what, err);
}

static void test_bad_blocks(void)
{
	struct mb2_info mi;

	tap_ok(pvh_parse(PHYS_BASE + PHYS_SIZE - 8, phys, &mi, err, sizeof(err)) < 0 &&
		       strstr(err, "unreadable"),
	       "a start info running off readable memory is refused (\"%s\")", err);
	good_block();
	put32(INFO, 0x36d76289);
	expect_error("a multiboot2 magic", "bad start info magic");
	good_block();
	put32(INFO + 4, 0);
	expect_error("version 0 (no memory map)", "no memory map");
	good_block();
	put32(INFO + 48, 0);
	expect_error("an empty memory map", "no memory map");
	good_block();
	put32(INFO + 48, PVH_MAX_MMAP_ENTRIES + 1);
	expect_error("too many memory map entries", "at most");
	good_block();
	put64(INFO + 40, PHYS_BASE + PHYS_SIZE - 24);
	expect_error("a memory map running off memory", "unreadable");
	good_block();
	memset(mem + (CMDLINE - PHYS_BASE), 'x', PVH_MAX_CMDLINE + 8);
	expect_error("a command line without its NUL", "command line");
	good_block();
	put64(INFO + 24, PHYS_BASE + PHYS_SIZE + 0x100);
	expect_error("a command line outside memory", "command line");
	good_block();
	put32(INFO + 12, 100000);
	expect_error("a huge module count", "module list");
	good_block();
	put64(INFO + 16, 8);
	expect_error("a module list at an unreadable address", "module list");
}

static void test_odd_but_usable(void)
{
	struct mb2_info mi;
	u32 i;

	good_block();
	put64(INFO + 24, 0);
	tap_ok(parse(&mi) == 0 && !mi.cmdline, "no command line: parsed, cmdline NULL");
	good_block();
	put64(INFO + 32, 0);
	tap_ok(parse(&mi) == 0 && mi.acpi.version == 0, "no RSDP: parsed, no ACPI");
	good_block();
	memcpy(mem + (RSDP - PHYS_BASE), "RSD PTX ", 8);
	tap_ok(parse(&mi) == 0 && mi.acpi.version == 0, "an RSDP with a bad signature is ignored");
	good_block();
	mem[RSDP - PHYS_BASE + 15] = 0;
	tap_ok(parse(&mi) == 0 && mi.acpi.version == 1 && mi.acpi.rsdp_len == 20,
	       "an ACPI 1.0 RSDP: 20 bytes");
	good_block();
	put32(INFO + 12, 0);
	tap_ok(parse(&mi) == 0 && mi.nr_modules == 0, "no modules: parsed, no initrd");
	good_block();
	add_module(0, 0xfffff000, 0x2000);
	tap_ok(parse(&mi) == 0 && mi.nr_modules == 0 && mi.nr_modules_bad == 1,
	       "a module past 4 GiB is counted as bad, not truncated");
	good_block();
	put32(INFO + 12, MB2_MAX_MODULES + 2);
	for (i = 0; i < MB2_MAX_MODULES + 2; i++)
		add_module(i, 0x200000 + i * 0x1000, 0x1000);
	tap_ok(parse(&mi) == 0 && mi.nr_modules == MB2_MAX_MODULES && mi.nr_modules_dropped == 2,
	       "modules beyond %u are dropped and counted", MB2_MAX_MODULES);
}

int main(void)
{
	tap_plan(8 + 10 + 7);
	test_good_block();
	test_bad_blocks();
	test_odd_but_usable();
	return tap_done();
}
