/*
 * libFuzzer harness for mb2_parse().
 *
 * The input is copied into a heap buffer of exactly its size (malloc returns 16-byte aligned
 * memory, so the block is 8-aligned), which lets AddressSanitizer flag any read past it.
 * The first input byte picks max_size smaller than the data now and then, so the
 * "total_size > max_size" path is fuzzed too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/lib/types.h"
#include "boot/multiboot2.h"

/* Touch everything a successful parse points at, so over-long results are caught here. */
static void walk_result(const struct mb2_info *mi)
{
	volatile u8 sink = 0;
	u32 i;
	u64 j, n;

	if (mi->cmdline)
		sink ^= (u8)strlen(mi->cmdline);
	if (mi->bootloader_name)
		sink ^= (u8)strlen(mi->bootloader_name);
	for (i = 0; i < mi->nr_modules; i++)
		sink ^= (u8)strlen(mi->modules[i].cmdline);
	for (i = 0; i < mi->mmap.nr_entries; i++) {
		const struct mb2_mmap_entry *e = mb2_mmap_entry(mi, i);

		sink ^= (u8)(e->addr ^ e->len ^ e->type ^ e->reserved);
	}
	if (mi->elf.present) {
		n = (u64)mi->elf.num * mi->elf.entsize;
		for (j = 0; j < n; j++)
			sink ^= mi->elf.headers[j];
	}
	for (j = 0; mi->acpi.version && j < mi->acpi.rsdp_len; j++)
		sink ^= mi->acpi.rsdp[j];
	for (j = 0; mi->fb.palette && j < 3 * (u64)mi->fb.nr_colors; j++)
		sink ^= mi->fb.palette[j];
	(void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mb2_info mi;
	char err[160];
	u8 *buf;
	size_t max_size;

	if (size < 1)
		return 0;
	max_size = size - 1;
	buf = malloc(max_size ? max_size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, max_size);
	if (mb2_parse(buf, max_size, &mi, err, sizeof(err)) == 0) {
		walk_result(&mi);
	} else if (err[0] == '\0') {
		abort(); /* every rejection must say why */
	}
	/* the same bytes with a max_size chosen by the first input byte */
	if (data[0] < max_size) {
		u8 *small = malloc(data[0] ? data[0] : 1);

		memcpy(small, data + 1, data[0]);
		if (mb2_parse(small, data[0], &mi, err, sizeof(err)) == 0)
			walk_result(&mi);
		free(small);
	}
	free(buf);
	return 0;
}
