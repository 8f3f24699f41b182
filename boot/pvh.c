/*
 * PVH start-information parser. See pvh.h.
 *
 * Like the multiboot2 block, the start information is untrusted input: every address it
 * holds is checked through @phys before it is read, every count is bounded, and a string
 * must end within its limit.
 */
#include "boot/pvh.h"
#include "kernel/lib/string.h"
#include "kernel/lib/vsprintf.h"

#define MODULE_ENTRY_SIZE 32
#define MMAP_ENTRY_SIZE	  24
#define RSDP_V1_LEN	  20
#define RSDP_V2_LEN	  36
#define RSDP_REVISION	  15 /* offset of the revision byte: 0 is ACPI 1.0 */

/* What is kept after the loader's memory is reused: copies, not pointers into it. */
static char cmdline_copy[PVH_MAX_CMDLINE];
static struct mb2_mmap_entry mmap_copy[PVH_MAX_MMAP_ENTRIES];
static u8 rsdp_copy[RSDP_V2_LEN];

static u32 rd32(const u8 *p, u32 off)
{
	u32 v;

	memcpy(&v, p + off, 4);
	return v;
}

static u64 rd64(const u8 *p, u32 off)
{
	u64 v;

	memcpy(&v, p + off, 8);
	return v;
}

/* Copy the NUL-terminated string at @phys into @dst; false if it is unreadable or too long. */
static bool copy_string(pvh_phys_fn phys, u64 addr, char *dst, size_t cap)
{
	size_t i;

	for (i = 0; i < cap; i++) {
		const char *c = phys(addr + i, 1);

		if (!c)
			return false;
		dst[i] = *c;
		if (!*c)
			return true;
	}
	return false;
}

static int parse_modules(const u8 *si, pvh_phys_fn phys, struct mb2_info *out, char *err,
			 size_t err_len)
{
	u32 i, n = rd32(si, 12);
	const u8 *list;

	if (!n)
		return 0;
	list = phys(rd64(si, 16), (u64)n * MODULE_ENTRY_SIZE);
	if (!list || n > 1024) {
		snprintf(err, err_len, "pvh: module list of %u entries at %#lx unreadable", n,
			 rd64(si, 16));
		return -1;
	}
	for (i = 0; i < n; i++) {
		u64 start = rd64(list, i * MODULE_ENTRY_SIZE);
		u64 size = rd64(list, i * MODULE_ENTRY_SIZE + 8);

		if (out->nr_modules == MB2_MAX_MODULES) {
			out->nr_modules_dropped++;
			continue;
		}
		/* mb2_module holds 32-bit addresses, as multiboot2 does. */
		if (start + size > 0xffffffffull || start + size < start) {
			out->nr_modules_bad++;
			continue;
		}
		/* QEMU gives a module no command line; the kernel looks for "initrd". */
		out->modules[out->nr_modules++] = (struct mb2_module){ .start = (u32)start,
								       .end = (u32)(start + size),
								       .cmdline = "initrd" };
	}
	return 0;
}

static int parse_mmap(const u8 *si, pvh_phys_fn phys, struct mb2_info *out, char *err,
		      size_t err_len)
{
	u32 n = rd32(si, 48);
	const u8 *map;

	if (rd32(si, 4) < 1 || !n) {
		snprintf(err, err_len, "pvh: no memory map (start info version %u)", rd32(si, 4));
		return -1;
	}
	if (n > PVH_MAX_MMAP_ENTRIES) {
		snprintf(err, err_len, "pvh: the memory map has %u entries, at most %u are taken",
			 n, PVH_MAX_MMAP_ENTRIES);
		return -1;
	}
	map = phys(rd64(si, 40), (u64)n * MMAP_ENTRY_SIZE);
	if (!map) {
		snprintf(err, err_len, "pvh: memory map at %#lx unreadable", rd64(si, 40));
		return -1;
	}
	memcpy(mmap_copy, map, (size_t)n * MMAP_ENTRY_SIZE);
	out->mmap = (struct mb2_mmap){ .present = true,
				       .base = (const u8 *)mmap_copy,
				       .entry_size = MMAP_ENTRY_SIZE,
				       .nr_entries = n };
	return 0;
}

/* The RSDP, if the loader found one: ACPI (the CPUs, power-off) needs it. */
static void parse_rsdp(const u8 *si, pvh_phys_fn phys, struct mb2_info *out)
{
	const u8 *rsdp = rd64(si, 32) ? phys(rd64(si, 32), RSDP_V1_LEN) : NULL;
	u32 len = RSDP_V1_LEN;

	if (!rsdp || memcmp(rsdp, "RSD PTR ", 8))
		return;
	if (rsdp[RSDP_REVISION] >= 2 && phys(rd64(si, 32), RSDP_V2_LEN))
		len = RSDP_V2_LEN;
	memcpy(rsdp_copy, rsdp, len);
	out->acpi = (struct mb2_acpi){ .version = len == RSDP_V2_LEN ? 2 : 1,
				       .rsdp = rsdp_copy,
				       .rsdp_len = len };
}

int pvh_parse(u64 info_phys, pvh_phys_fn phys, struct mb2_info *out, char *err, size_t err_len)
{
	const u8 *si = phys(info_phys, PVH_START_INFO_SIZE);

	memset(out, 0, sizeof(*out));
	if (!si) {
		snprintf(err, err_len, "pvh: start info at %#lx unreadable", info_phys);
		return -1;
	}
	if (rd32(si, 0) != PVH_START_MAGIC) {
		snprintf(err, err_len, "pvh: bad start info magic %#x", rd32(si, 0));
		return -1;
	}
	out->total_size = PVH_START_INFO_SIZE;
	out->bootloader_name = "PVH (QEMU -kernel)";
	if (rd64(si, 24)) {
		if (!copy_string(phys, rd64(si, 24), cmdline_copy, sizeof(cmdline_copy))) {
			snprintf(err, err_len, "pvh: command line unreadable or over %u bytes",
				 PVH_MAX_CMDLINE - 1);
			goto fail;
		}
		out->cmdline = cmdline_copy;
	}
	if (parse_modules(si, phys, out, err, err_len) < 0 ||
	    parse_mmap(si, phys, out, err, err_len) < 0)
		goto fail;
	parse_rsdp(si, phys, out);
	return 0;
fail:
	memset(out, 0, sizeof(*out));
	return -1;
}
