/*
 * The kernel's own symbol table, for backtraces. scripts/gen-ksyms writes it from the linked
 * kernel's `nm` output; the Makefile links twice and checks that no symbol moved.
 */
#ifndef KERNEL_KSYMS_H
#define KERNEL_KSYMS_H

#include "kernel/lib/types.h"

struct ksym {
	u64 addr;
	u32 size;
	u32 name_offset; /* into ksym_names */
};

/* Find the function containing addr; false if none. */
bool ksym_lookup(u64 addr, const char **name, u64 *offset, u64 *size);
/* Format as "name+0xoff/0xsize", or the bare hex address if unknown. */
void ksym_format(u64 addr, char *buf, size_t len);
/* The same for a return address, which may point just past the end of its function. */
void ksym_format_return(u64 addr, char *buf, size_t len);
/* Address of a symbol by name, 0 if not found. */
u64 ksym_address(const char *name);

#endif
