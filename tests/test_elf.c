/*
 * Host unit tests for kernel/user/elf.c, the ELF64 image checker.
 *
 * A good image is built field by field (two segments: text R+X, data R+W with bss), then each
 * test breaks one thing and checks that elf_parse() refuses it with the matching reason and
 * leaves no result behind. Every image is copied into a heap allocation of exactly the length
 * the parser is told, so AddressSanitizer reports any read past it.
 */
#include <stdlib.h>
#include <string.h>

#include "kernel/lib/types.h"
#include "kernel/user/elf.c"
#include "tests/le_put.h"
#include "tests/tap.h"

#define IMG_CAP	  0x3000
#define TEXT_OFF  0x1000
#define DATA_OFF  0x2000
#define TEXT_ADDR 0x400000UL
#define DATA_ADDR 0x401000UL
#define GOOD_LEN  (DATA_OFF + 0x10)

static u8 img[IMG_CAP];
static size_t img_len;

static u8 *phdr(int i)
{
	return img + EHDR_SIZE + i * PHDR_SIZE;
}

static void set_phdr(int i, u32 type, u32 flags, u64 offset, u64 vaddr, u64 filesz, u64 memsz)
{
	u8 *ph = phdr(i);

	put32(ph + P_TYPE, type);
	put32(ph + P_FLAGS, flags);
	put64(ph + P_OFFSET, offset);
	put64(ph + P_VADDR, vaddr);
	put64(ph + 24, vaddr); /* p_paddr */
	put64(ph + P_FILESZ, filesz);
	put64(ph + P_MEMSZ, memsz);
	put64(ph + 48, PAGE_SIZE); /* p_align */
}

static void set_phnum(u16 n)
{
	put16(img + E_PHNUM, n);
}

/* The good image: text (R+X, 0x100 bytes) and data (R+W, 0x10 bytes and 0x1ff0 of bss). */
static void build_good(void)
{
	memset(img, 0, sizeof(img));
	memcpy(img,
	       "\x7f"
	       "ELF",
	       4);
	img[EI_CLASS] = ELFCLASS64;
	img[EI_DATA] = ELFDATA2LSB;
	img[EI_VERSION] = EV_CURRENT;
	put16(img + E_TYPE, ET_EXEC);
	put16(img + E_MACHINE, EM_X86_64);
	put32(img + E_VERSION, EV_CURRENT);
	put64(img + E_ENTRY, TEXT_ADDR + 0x10);
	put64(img + E_PHOFF, EHDR_SIZE);
	put16(img + 52, EHDR_SIZE); /* e_ehsize */
	put16(img + E_PHENTSIZE, PHDR_SIZE);
	set_phnum(3);
	set_phdr(0, PT_LOAD, ELF_SEG_R | ELF_SEG_X, TEXT_OFF, TEXT_ADDR, 0x100, 0x100);
	set_phdr(1, PT_LOAD, ELF_SEG_R | ELF_SEG_W, DATA_OFF, DATA_ADDR, 0x10, 0x2000);
	set_phdr(2, 0x6474e551, ELF_SEG_R | ELF_SEG_W, 0, 0, 0, 0); /* PT_GNU_STACK: ignored */
	memset(img + TEXT_OFF, 0x90, 0x100);
	img_len = GOOD_LEN;
}

static struct elf_image res;
static const char *why;

/* Parse img_len bytes of img from an allocation of exactly that size. */
static int parse_len(size_t len)
{
	u8 *copy = malloc(len ? len : 1);
	int ret;

	memcpy(copy, img, len);
	why = "(not set)";
	ret = elf_parse(copy, len, &res, &why);
	free(copy);
	return ret;
}

static bool res_is_empty(void)
{
	static const struct elf_image zero;

	return !memcmp(&res, &zero, sizeof(res));
}

/* Expect a refusal whose reason contains `reason`, with nothing left in the result. */
static void refused(const char *name, const char *reason)
{
	int ret = parse_len(img_len);

	tap_ok(ret == -ENOEXEC && why && strstr(why, reason) && res_is_empty(),
	       "%s: refused (%d, \"%s\", want \"%s\")", name, ret, why ? why : "(null)", reason);
}

static void accepted(const char *name)
{
	int ret = parse_len(img_len);

	tap_ok(ret == 0 && why == NULL, "%s: accepted (%d, \"%s\")", name, ret,
	       why ? why : "(null)");
}

static void test_good(void)
{
	build_good();
	accepted("good image");
	tap_ok(res.entry == TEXT_ADDR + 0x10 && res.nr_segments == 2,
	       "good image: entry %#lx, %d segments", res.entry, res.nr_segments);
	tap_ok(res.seg[0].vaddr == TEXT_ADDR && res.seg[0].memsz == 0x100 &&
		       res.seg[0].filesz == 0x100 && res.seg[0].offset == TEXT_OFF &&
		       res.seg[0].flags == (ELF_SEG_R | ELF_SEG_X),
	       "good image: text segment described");
	tap_ok(res.seg[1].vaddr == DATA_ADDR && res.seg[1].memsz == 0x2000 &&
		       res.seg[1].filesz == 0x10 && res.seg[1].offset == DATA_OFF &&
		       res.seg[1].flags == (ELF_SEG_R | ELF_SEG_W),
	       "good image: data segment described");
	tap_ok(elf_parse(img, img_len, &res, NULL) == 0, "good image: err may be NULL");
}

static void test_header(void)
{
	build_good();
	img_len = EHDR_SIZE - 1;
	refused("63-byte file", "truncated ELF header");
	img_len = 0;
	refused("empty file", "truncated ELF header");

	build_good();
	img[1] = 'e';
	refused("bad magic", "bad magic");
	build_good();
	img[EI_CLASS] = 1;
	refused("32-bit class", "not a 64-bit");
	build_good();
	img[EI_DATA] = 2;
	refused("big-endian", "not little-endian");
	build_good();
	put32(img + E_VERSION, 2);
	refused("e_version 2", "unknown ELF version");
	build_good();
	put16(img + E_MACHINE, 3); /* EM_386 */
	refused("i386 machine", "not an x86-64 program");
	build_good();
	put16(img + E_TYPE, 3); /* ET_DYN */
	refused("ET_DYN", "not a static executable");
	build_good();
	put16(img + E_TYPE, 1); /* ET_REL */
	refused("ET_REL", "not a static executable");
	build_good();
	put16(img + E_PHENTSIZE, 64);
	refused("phentsize 64", "bad program header size");
}

static void test_phdr_table(void)
{
	build_good();
	put64(img + E_PHOFF, GOOD_LEN - PHDR_SIZE + 1);
	set_phnum(1);
	refused("phdr table one byte past the end", "program header table outside the file");
	build_good();
	put64(img + E_PHOFF, ~0UL - 8);
	refused("phoff near 2^64", "program header table outside the file");
	build_good();
	set_phnum(0xffff);
	refused("65535 program headers", "program header table outside the file");
	build_good();
	set_phdr(2, PT_INTERP, ELF_SEG_R, 0, 0, 0, 0);
	refused("PT_INTERP", "dynamic linker");
	build_good();
	set_phnum(0);
	refused("no program headers", "no loadable segment");
	build_good();
	set_phdr(0, 4 /* PT_NOTE */, ELF_SEG_R | ELF_SEG_X, TEXT_OFF, TEXT_ADDR, 0x100, 0x100);
	set_phdr(1, 4, ELF_SEG_R | ELF_SEG_W, DATA_OFF, DATA_ADDR, 0x10, 0x2000);
	refused("only notes", "no loadable segment");
}

static void test_segment_file_bounds(void)
{
	build_good();
	set_phdr(1, PT_LOAD, ELF_SEG_R | ELF_SEG_W, DATA_OFF, DATA_ADDR, 0x11, 0x2000);
	refused("data one byte past the end", "segment outside the file");
	build_good();
	set_phdr(1, PT_LOAD, ELF_SEG_R | ELF_SEG_W, ~0UL - 0xfff, DATA_ADDR, 0x10, 0x2000);
	refused("offset near 2^64", "segment outside the file");
	build_good();
	set_phdr(1, PT_LOAD, ELF_SEG_R | ELF_SEG_W, DATA_OFF, DATA_ADDR, 0x2000, 0x10);
	refused("filesz > memsz", "file size exceeds its memory size");
	build_good();
	set_phdr(1, PT_LOAD, ELF_SEG_R | ELF_SEG_W, 0x7000, DATA_ADDR, 0, 0x2000);
	accepted("bss-only segment with an offset past the file");
	build_good();
	set_phdr(2, PT_LOAD, ELF_SEG_R | ELF_SEG_W, 0xe8, 0, 0, 0);
	accepted("an empty PT_LOAD at address 0 (ld's, for a program without data)");
	tap_ok(res.nr_segments == 2, "the empty PT_LOAD is left out (%d segments)",
	       res.nr_segments);
	build_good();
	set_phdr(2, PT_LOAD, ELF_SEG_R | ELF_SEG_W, DATA_OFF, 0, 1, 0);
	refused("a PT_LOAD of memsz 0 with file bytes", "file size exceeds its memory size");
	build_good();
	set_phdr(1, PT_LOAD, ELF_SEG_R | ELF_SEG_W, DATA_OFF + 8, DATA_ADDR, 8, 0x2000);
	refused("offset and vaddr not congruent", "modulo the page size");

	/* Every shorter file cuts into the data segment, the header or the phdrs. */
	build_good();
	{
		size_t len, bad = 0;

		for (len = 0; len < GOOD_LEN; len++)
			if (parse_len(len) != -ENOEXEC || !res_is_empty())
				bad++;
		tap_ok(!bad, "every truncation of the good image refused (%zu accepted)", bad);
	}
}

static void set_data_addr(u64 vaddr, u64 memsz)
{
	set_phdr(1, PT_LOAD, ELF_SEG_R | ELF_SEG_W, DATA_OFF, vaddr, 0x10, memsz);
}

static void test_segment_addresses(void)
{
	build_good();
	set_data_addr(0xffffffff80000000UL, 0x2000);
	refused("data in the kernel image's range", "kernel half");
	build_good();
	set_data_addr(0xffff888000000000UL, 0x2000);
	refused("data in the direct map", "kernel half");
	build_good();
	set_data_addr(0x0000000000001000UL, 0x2000);
	refused("data below USER_BASE", "below USER_BASE");
	build_good();
	set_data_addr(0, 0x2000);
	refused("data at address 0", "below USER_BASE");
	build_good();
	set_data_addr(DATA_ADDR, 0xfffffffffffff000UL);
	refused("vaddr + memsz wraps", "overflows");
	build_good();
	set_data_addr(0xfffffffffffff000UL, 0x2000);
	refused("segment wrapping past 2^64", "overflows");
	build_good();
	set_data_addr(USER_TOP - 0x1000, 0x2000);
	refused("data past USER_TOP", "above the user half");
	build_good();
	set_data_addr(0x0000900000000000UL, 0x2000);
	refused("non-canonical data", "above the user half");
	build_good();
	set_data_addr(USER_TOP - 0x2000, 0x2000);
	accepted("data ending exactly at USER_TOP");
}

static void test_overlap_and_rights(void)
{
	build_good();
	set_phdr(1, PT_LOAD, ELF_SEG_R | ELF_SEG_W, DATA_OFF + 0x800, TEXT_ADDR + 0x800, 0x10,
		 0x10);
	img_len = DATA_OFF + 0x810;
	refused("data sharing the text's page", "share a page");
	build_good();
	set_phdr(1, PT_LOAD, ELF_SEG_R | ELF_SEG_W, DATA_OFF, TEXT_ADDR, 0x10, 0x2000);
	refused("data on top of text", "overlap");
	build_good();
	set_phdr(0, PT_LOAD, ELF_SEG_R | ELF_SEG_X, TEXT_OFF, TEXT_ADDR, 0x100, 0x1001);
	refused("text's bss reaching into the data page", "share a page");
	build_good();
	set_phdr(1, PT_LOAD, ELF_SEG_R | ELF_SEG_W | ELF_SEG_X, DATA_OFF, DATA_ADDR, 0x10, 0x2000);
	refused("W+X data", "writable and executable");
	build_good();
	set_phdr(0, PT_LOAD, ELF_SEG_W | ELF_SEG_X, TEXT_OFF, TEXT_ADDR, 0x100, 0x100);
	refused("W+X text", "writable and executable");
}

static void test_entry(void)
{
	build_good();
	put64(img + E_ENTRY, DATA_ADDR);
	refused("entry in the data segment", "entry point");
	build_good();
	put64(img + E_ENTRY, TEXT_ADDR + 0x100);
	refused("entry just past the text", "entry point");
	build_good();
	put64(img + E_ENTRY, TEXT_ADDR - 1);
	refused("entry just below the text", "entry point");
	build_good();
	put64(img + E_ENTRY, 0xffffffff80100000UL);
	refused("entry in the kernel half", "entry point");
	build_good();
	put64(img + E_ENTRY, TEXT_ADDR + 0xff);
	accepted("entry at the text's last byte");
}

static void test_sizes(void)
{
	int i;

	build_good();
	set_data_addr(DATA_ADDR, ELF_MAX_IMAGE_SIZE - 0x1000);
	accepted("image of exactly ELF_MAX_IMAGE_SIZE");
	build_good();
	set_data_addr(DATA_ADDR, ELF_MAX_IMAGE_SIZE - 0xfff);
	refused("image one byte over ELF_MAX_IMAGE_SIZE (a page more)", "too big");
	build_good();
	set_data_addr(DATA_ADDR, 1UL << 40);
	refused("a terabyte of bss", "too big");

	/* Text plus 7 one-page data segments: 8, the most; a ninth is refused. */
	build_good();
	for (i = 1; i < ELF_MAX_SEGMENTS; i++)
		set_phdr(i, PT_LOAD, ELF_SEG_R | ELF_SEG_W, DATA_OFF, DATA_ADDR + i * 0x1000, 0x10,
			 0x10);
	set_phnum(ELF_MAX_SEGMENTS);
	accepted("8 segments");
	tap_ok(res.nr_segments == ELF_MAX_SEGMENTS, "8 segments: all described (%d)",
	       res.nr_segments);
	set_phdr(ELF_MAX_SEGMENTS, PT_LOAD, ELF_SEG_R, DATA_OFF, DATA_ADDR + 0x100000, 0x10, 0x10);
	set_phnum(ELF_MAX_SEGMENTS + 1);
	refused("9 segments", "too many loadable segments");
}

int main(void)
{
	tap_plan(55);
	test_good();
	test_header();
	test_phdr_table();
	test_segment_file_bounds();
	test_segment_addresses();
	test_overlap_and_rights();
	test_entry();
	test_sizes();
	return tap_done();
}
