/*
 * ELF64 program images: check one completely before anything of it is mapped. Pure logic, no
 * allocation and no mapping, so host tests and a fuzzer run it unchanged.
 */
#ifndef KERNEL_USER_ELF_H
#define KERNEL_USER_ELF_H

#include "arch/x86_64/memlayout.h" /* USER_BASE, USER_TOP */
#include "kernel/lib/types.h"

#define ELF_MAX_SEGMENTS 8
/* Segment permissions, the values of ELF's PF_X, PF_W, PF_R. */
#define ELF_SEG_X 1
#define ELF_SEG_W 2
#define ELF_SEG_R 4

/* The most memory all the segments of one program may span together, in page-rounded bytes. */
#define ELF_MAX_IMAGE_SIZE (64UL << 20)

struct elf_segment {
	u64 vaddr, memsz, filesz, offset;
	u32 flags; /* ELF_SEG_* */
};

struct elf_image {
	u64 entry;
	int nr_segments;
	struct elf_segment seg[ELF_MAX_SEGMENTS];
};

/*
 * Check img (len bytes) as a static x86-64 executable and describe its loadable segments:
 * magic, class, byte order, machine, type, header and segment table inside the file, every
 * segment inside the file and inside [USER_BASE, USER_TOP) without overflow, filesz <= memsz,
 * no two segments sharing a page, no segment both writable and executable, the entry inside an
 * executable segment, and a sane total size. Returns 0, or -ENOEXEC with *err a short reason.
 */
int elf_parse(const void *img, size_t len, struct elf_image *out, const char **err);

#endif
