#include "kernel/lib/ksyms.h"
#include "kernel/lib/string.h"
#include "kernel/lib/vsprintf.h"

/* Generated into build/ksyms.c, sorted by address. */
extern const struct ksym ksym_table[];
extern const u32 ksym_count;
extern const char ksym_names[];

bool ksym_lookup(u64 addr, const char **name, u64 *offset, u64 *size)
{
	u32 lo = 0, hi = ksym_count;

	/* Binary search for the last symbol starting at or below addr. */
	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (ksym_table[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return false;
	const struct ksym *s = &ksym_table[lo - 1];

	/* Past the end of the nearest function: not something we know. */
	if (s->size && addr >= s->addr + s->size)
		return false;
	*name = ksym_names + s->name_offset;
	*offset = addr - s->addr;
	*size = s->size;
	return true;
}

void ksym_format(u64 addr, char *buf, size_t len)
{
	const char *name;
	u64 off, size;

	if (ksym_lookup(addr, &name, &off, &size))
		snprintf(buf, len, "%s+0x%lx/0x%lx", name, off, size);
	else
		snprintf(buf, len, "0x%016lx", addr);
}

void ksym_format_return(u64 addr, char *buf, size_t len)
{
	const char *name;
	u64 off, size;

	/* A call that never returns can be a function's last instruction: look up addr - 1. */
	if (ksym_lookup(addr - 1, &name, &off, &size))
		snprintf(buf, len, "%s+0x%lx/0x%lx", name, off + 1, size);
	else
		snprintf(buf, len, "0x%016lx", addr);
}

u64 ksym_address(const char *name)
{
	u32 i;

	for (i = 0; i < ksym_count; i++) {
		if (!strcmp(ksym_names + ksym_table[i].name_offset, name))
			return ksym_table[i].addr;
	}
	return 0;
}
