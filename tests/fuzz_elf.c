/*
 * libFuzzer harness for elf_parse() (kernel/user/elf.c).
 *
 * The input is copied into a heap buffer of exactly its size, so AddressSanitizer flags any read
 * past it. Most inputs get a valid ELF identification and header fixed up (magic, class, machine,
 * type, program header size and a table right after the header): otherwise nearly every input
 * would stop at the magic and the segment checks would never run. An accepted image is checked
 * against everything elf.h promises, so a check that lets a bad image through aborts here.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/lib/types.h"
#include "kernel/user/elf.c"

static void fix_header(u8 *p, size_t size)
{
	u8 phnum = p[56] % 12;

	memcpy(p,
	       "\x7f"
	       "ELF",
	       4);
	p[EI_CLASS] = ELFCLASS64;
	p[EI_DATA] = ELFDATA2LSB;
	p[EI_VERSION] = EV_CURRENT;
	p[E_TYPE] = ET_EXEC;
	p[E_TYPE + 1] = 0;
	p[E_MACHINE] = EM_X86_64;
	p[E_MACHINE + 1] = 0;
	memcpy(p + E_VERSION, "\1\0\0\0", 4);
	memset(p + E_PHOFF, 0, 8);
	p[E_PHOFF] = EHDR_SIZE;
	p[E_PHENTSIZE] = PHDR_SIZE;
	p[E_PHENTSIZE + 1] = 0;
	p[E_PHNUM] = phnum;
	p[E_PHNUM + 1] = 0;
	(void)size;
}

/* Everything an accepted image must satisfy, restated plainly. */
static void check_result(const struct elf_image *im, size_t size)
{
	u64 total = 0;
	bool entry_ok = false;
	int i, j;

	if (im->nr_segments < 1 || im->nr_segments > ELF_MAX_SEGMENTS)
		abort();
	for (i = 0; i < im->nr_segments; i++) {
		const struct elf_segment *s = &im->seg[i];
		u64 lo = s->vaddr & ~0xfffUL, hi;

		if (!s->memsz || s->filesz > s->memsz)
			abort();
		if (s->filesz && (s->offset > size || s->offset + s->filesz > size))
			abort();
		if (s->vaddr < USER_BASE || s->memsz > USER_TOP || s->vaddr > USER_TOP - s->memsz)
			abort();
		if ((s->flags & ELF_SEG_W) && (s->flags & ELF_SEG_X))
			abort();
		if (s->flags & ~7U)
			abort();
		hi = (s->vaddr + s->memsz + 0xfff) & ~0xfffUL;
		total += hi - lo;
		for (j = 0; j < im->nr_segments; j++) {
			const struct elf_segment *t = &im->seg[j];
			u64 tlo = t->vaddr & ~0xfffUL,
			    thi = (t->vaddr + t->memsz + 0xfff) & ~0xfffUL;

			if (j != i && lo < thi && tlo < hi)
				abort();
		}
		if ((s->flags & ELF_SEG_X) && im->entry >= s->vaddr &&
		    im->entry < s->vaddr + s->filesz)
			entry_ok = true;
	}
	if (!entry_ok || total > ELF_MAX_IMAGE_SIZE)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct elf_image zero;
	struct elf_image im;
	const char *err = NULL;
	u8 *copy = malloc(size ? size : 1);

	memcpy(copy, data, size);
	if (size >= EHDR_SIZE && (size & 7))
		fix_header(copy, size);
	if (elf_parse(copy, size, &im, &err) == 0) {
		if (err)
			abort();
		check_result(&im, size);
	} else if (!err || !*err || memcmp(&im, &zero, sizeof(im))) {
		abort(); /* a refusal must say why and leave no result */
	}
	free(copy);
	return 0;
}
