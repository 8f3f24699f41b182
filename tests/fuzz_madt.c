/*
 * libFuzzer harness for madt_parse() (kernel/drivers/madt.c).
 *
 * The input is copied into a heap buffer of exactly its size, so AddressSanitizer flags any read
 * past it. The checksum is fixed up most of the time: otherwise nearly every input would stop at
 * the checksum and the entries would never be parsed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/lib/types.h"
#include "kernel/drivers/madt.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct madt m;
	char err[128];
	u8 *copy = malloc(size ? size : 1);
	u8 sum = 0;
	size_t i;

	memcpy(copy, data, size);
	if (size >= MADT_HEADER_LEN && (size & 7)) {
		memcpy(copy, "APIC", 4);
		copy[9] = 0;
		for (i = 0; i < size && i < get32(copy + 4); i++)
			sum += copy[i];
		copy[9] = -sum;
	}
	if (madt_parse(copy, size, &m, err, sizeof(err)) == 0) {
		if (m.nr_cpus > MADT_MAX_CPUS || m.nr_ioapics > MADT_MAX_IOAPICS ||
		    m.nr_overrides > MADT_MAX_OVERRIDES)
			abort();
	} else if (!err[0] || m.nr_cpus) {
		abort(); /* a failure must say why and leave no result */
	}
	free(copy);
	return 0;
}
