/*
 * ELF64 program images. See elf.h.
 *
 * The image is untrusted input (a file of the initrd, which anyone can rebuild): every field is
 * checked against the file's length and against the user half before the result is handed out,
 * so the loader can map what elf_parse() returns without checking anything again. Fields are
 * assembled byte by byte, so the image needs no particular alignment.
 */
#include "kernel/lib/types.h"
#include "kernel/lib/unaligned.h"
#include "kernel/lib/errno.h"
#include "kernel/user/elf.h"

/* The ELF64 file header and program header, as offsets (System V gABI, ELF-64 object format). */
#define EHDR_SIZE     64
#define EI_CLASS      4
#define EI_DATA	      5
#define EI_VERSION    6
#define ELFCLASS64    2
#define ELFDATA2LSB   1
#define EV_CURRENT    1
#define E_TYPE	      16
#define E_MACHINE     18
#define E_VERSION     20
#define E_ENTRY	      24
#define E_PHOFF	      32
#define E_PHENTSIZE   54
#define E_PHNUM	      56
#define ET_EXEC	      2
#define EM_X86_64     62
#define PHDR_SIZE     56
#define P_TYPE	      0
#define P_FLAGS	      4
#define P_OFFSET      8
#define P_VADDR	      16
#define P_FILESZ      32
#define P_MEMSZ	      40
#define PT_LOAD	      1
#define PT_DYNAMIC    2
#define PT_INTERP     3
#define KERNEL_HALF   0xffff800000000000UL
#define ELF_SEG_FLAGS (ELF_SEG_R | ELF_SEG_W | ELF_SEG_X)

/* The file header: is this a static x86-64 executable whose program header table is in the file? */
static const char *check_header(const u8 *p, size_t len)
{
	u64 phoff, phnum;

	if (len < EHDR_SIZE)
		return "truncated ELF header";
	if (p[0] != 0x7f || p[1] != 'E' || p[2] != 'L' || p[3] != 'F')
		return "bad magic (not an ELF file)";
	if (p[EI_CLASS] != ELFCLASS64)
		return "not a 64-bit ELF file";
	if (p[EI_DATA] != ELFDATA2LSB)
		return "not little-endian";
	if (p[EI_VERSION] != EV_CURRENT || get_unaligned_le32(p + E_VERSION) != EV_CURRENT)
		return "unknown ELF version";
	if (get_unaligned_le16(p + E_MACHINE) != EM_X86_64)
		return "not an x86-64 program";
	if (get_unaligned_le16(p + E_TYPE) != ET_EXEC)
		return "not a static executable (ET_EXEC)";
	if (get_unaligned_le16(p + E_PHENTSIZE) != PHDR_SIZE)
		return "bad program header size";
	phoff = get_unaligned_le64(p + E_PHOFF);
	phnum = get_unaligned_le16(p + E_PHNUM);
	/* phnum * PHDR_SIZE < 2^22, so only phoff can make the sum wrap. */
	if (phoff > len || phnum * PHDR_SIZE > len - phoff)
		return "program header table outside the file";
	return NULL;
}

/* One PT_LOAD header: inside the file, inside the user half, never writable and executable. */
static const char *check_segment(const struct elf_segment *s, size_t len)
{
	if (s->filesz > s->memsz)
		return "segment's file size exceeds its memory size";
	/* A segment of bss alone reads nothing of the file: its offset does not matter. */
	if (s->filesz && (s->offset > len || s->filesz > len - s->offset))
		return "segment outside the file";
	if (s->memsz > ~0UL - s->vaddr)
		return "segment address overflows";
	if (s->vaddr < USER_BASE)
		return "segment below USER_BASE";
	if (s->vaddr + s->memsz > KERNEL_HALF)
		return "segment in the kernel half";
	if (s->vaddr + s->memsz > USER_TOP)
		return "segment above the user half";
	/* The gABI's rule for loadable segments: the loader may then map file pages as they are. */
	if ((s->vaddr ^ s->offset) & (PAGE_SIZE - 1))
		return "segment's address and file offset differ modulo the page size";
	if ((s->flags & ELF_SEG_W) && (s->flags & ELF_SEG_X))
		return "segment both writable and executable";
	return NULL;
}

static u64 seg_first_page(const struct elf_segment *s)
{
	return ALIGN_DOWN(s->vaddr, PAGE_SIZE);
}

/* check_segment() put the end at most at USER_TOP, so rounding it up cannot wrap. */
static u64 seg_end_page(const struct elf_segment *s)
{
	return ALIGN_UP(s->vaddr + s->memsz, PAGE_SIZE);
}

/*
 * The segments as a whole: a page gets one set of permissions, so no two segments may share
 * one (that also rules out overlaps); the sum is bounded so one program cannot ask for all of
 * memory; and the entry must be in file-backed bytes of an executable segment.
 */
static const char *check_image(const struct elf_image *im)
{
	u64 total = 0;
	bool entry_ok = false;
	int i, j;

	if (!im->nr_segments)
		return "no loadable segment";
	for (i = 0; i < im->nr_segments; i++) {
		const struct elf_segment *a = &im->seg[i];

		/* Each term is below 2^47 and there are at most 8: no overflow. */
		total += seg_end_page(a) - seg_first_page(a);
		for (j = 0; j < i; j++) {
			const struct elf_segment *b = &im->seg[j];

			if (seg_first_page(a) < seg_end_page(b) &&
			    seg_first_page(b) < seg_end_page(a))
				return "segments overlap or share a page";
		}
		if ((a->flags & ELF_SEG_X) && im->entry >= a->vaddr &&
		    im->entry - a->vaddr < a->filesz)
			entry_ok = true;
	}
	if (total > ELF_MAX_IMAGE_SIZE)
		return "image too big";
	if (!entry_ok)
		return "entry point not in an executable segment";
	return NULL;
}

/* Walk the program headers into im: the loadable ones are checked and kept, the rest ignored. */
static const char *read_segments(const u8 *p, size_t len, struct elf_image *im)
{
	u64 phoff = get_unaligned_le64(p + E_PHOFF);
	unsigned int phnum = get_unaligned_le16(p + E_PHNUM), i;
	const char *why;

	for (i = 0; i < phnum; i++) {
		const u8 *ph = p + phoff + (u64)i * PHDR_SIZE;
		u32 type = get_unaligned_le32(ph + P_TYPE);
		struct elf_segment s;

		if (type == PT_INTERP || type == PT_DYNAMIC)
			return "needs a dynamic linker";
		if (type != PT_LOAD)
			continue; /* notes, GNU_STACK and the like: nothing to load */
		s.vaddr = get_unaligned_le64(ph + P_VADDR);
		s.memsz = get_unaligned_le64(ph + P_MEMSZ);
		s.filesz = get_unaligned_le64(ph + P_FILESZ);
		s.offset = get_unaligned_le64(ph + P_OFFSET);
		s.flags = get_unaligned_le32(ph + P_FLAGS) & ELF_SEG_FLAGS;
		/* An empty one occupies nothing: where it claims to be does not matter (ld writes
		 * such a header at address 0 for a program without data). */
		if (!s.memsz && !s.filesz)
			continue;
		why = check_segment(&s, len);
		if (why)
			return why;
		if (im->nr_segments == ELF_MAX_SEGMENTS)
			return "too many loadable segments";
		im->seg[im->nr_segments++] = s;
	}
	return NULL;
}

int elf_parse(const void *img, size_t len, struct elf_image *out, const char **err)
{
	const u8 *p = img;
	const char *why;

	*out = (struct elf_image){ 0 };
	why = check_header(p, len);
	if (!why) {
		out->entry = get_unaligned_le64(p + E_ENTRY);
		why = read_segments(p, len, out);
	}
	if (!why)
		why = check_image(out);
	if (why) {
		/* The caller must not act on a half-filled description. */
		*out = (struct elf_image){ 0 };
		if (err)
			*err = why;
		return -ENOEXEC;
	}
	if (err)
		*err = NULL;
	return 0;
}
