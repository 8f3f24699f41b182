#include "kernel/drivers/acpi.h"
#include "arch/x86_64/asm/special_insns.h"
#include "arch/x86_64/asm/io.h"
#include "arch/x86_64/power.h"
#include "kernel/printk/printk.h"
#include "kernel/lib/string.h"
#include "mm/vmalloc.h"

/* Byte offsets in the FADT (ACPI spec, "Fixed ACPI Description Table"). */
#define FADT_DSDT	    40
#define FADT_SMI_CMD	    48
#define FADT_ACPI_ENABLE    52
#define FADT_PM1A_CNT	    64
#define FADT_PM1B_CNT	    68
#define FADT_IAPC_BOOT_ARCH 109
#define FADT_FLAGS	    112
#define FADT_RESET_REG	    116
#define FADT_RESET_VALUE    128
#define FADT_X_DSDT	    140
#define FADT_RESET_REG_SUP  (1 << 10)
#define BOOT_ARCH_8042	    (1 << 1)
#define PM1_SCI_EN	    (1 << 0)
#define PM1_SLP_EN	    (1 << 13)
#define SDT_HEADER_LEN	    36
#define RSDP_OEM_ID	    9

struct acpi_info acpi;
struct madt acpi_madt;

static u8 read8(const u8 *p, u32 off)
{
	return p[off];
}

static u16 read16(const u8 *p, u32 off)
{
	return p[off] | (u16)p[off + 1] << 8;
}

static u32 read32(const u8 *p, u32 off)
{
	return read16(p, off) | (u32)read16(p, off + 2) << 16;
}

static u64 read64(const u8 *p, u32 off)
{
	return read32(p, off) | (u64)read32(p, off + 4) << 32;
}

/* Map a whole table: its header first, to learn its length. NULL if it is not sane. */
static const u8 *map_table(u64 phys, const char *sig)
{
	const u8 *hdr = ioremap(phys, SDT_HEADER_LEN);
	bool bad;
	u32 len;
	u8 sum = 0;
	u32 i;

	if (!hdr)
		return NULL;
	len = read32(hdr, 4);
	bad = (sig && memcmp(hdr, sig, 4)) || len < SDT_HEADER_LEN || len > (1 << 20);
	iounmap(hdr);
	if (bad)
		return NULL;
	hdr = ioremap(phys, len);
	if (!hdr)
		return NULL;
	for (i = 0; i < len; i++)
		sum += hdr[i];
	if (sum)
		pr_warn("acpi: table %.4s at %#lx has a bad checksum; using it anyway\n",
			(const char *)hdr, phys);
	return hdr;
}

/*
 * Map the first table with this signature through the RSDT (ACPI 1) or XSDT (2+), looking from
 * the root's entry *next on; *next is left after it, for the next one. The caller unmaps it.
 */
static const u8 *find_next_table(const struct mb2_info *mb, const char *sig, u32 *next)
{
	const u8 *rsdp = mb->acpi.rsdp, *root, *found = NULL;
	bool xsdt = mb->acpi.version >= 2 && read64(rsdp, 24);
	u32 entry = xsdt ? 8 : 4, i, n;

	root = xsdt ? map_table(read64(rsdp, 24), "XSDT") : map_table(read32(rsdp, 16), "RSDT");
	if (!root)
		return NULL;
	n = (read32(root, 4) - SDT_HEADER_LEN) / entry;
	for (i = *next; i < n && !found; i++) {
		u32 off = SDT_HEADER_LEN + i * entry;
		const u8 *t = map_table(xsdt ? read64(root, off) : read32(root, off), NULL);

		if (t && !memcmp(t, sig, 4))
			found = t;
		else if (t)
			iounmap(t);
	}
	iounmap(root);
	*next = i;
	return found;
}

static const u8 *find_table(const struct mb2_info *mb, const char *sig)
{
	u32 first = 0;

	return find_next_table(mb, sig, &first);
}

/*
 * The MADT lists the CPUs for kernel/smp_boot.c. A table that does not parse is reported and not
 * used: the kernel then runs on one CPU, as with no MADT at all.
 */
static void find_madt(const struct mb2_info *mb)
{
	const u8 *t = find_table(mb, "APIC");
	char err[128];

	if (!t) {
		pr_info("acpi: no MADT: one CPU\n");
		return;
	}
	if (madt_parse(t, read32(t, 4), &acpi_madt, err, sizeof(err)))
		pr_err("acpi: malformed MADT, not used (the kernel runs on one CPU): %s\n", err);
	else
		acpi.madt_found = true;
	iounmap(t);
	/*
	 * The mappings are freed lazily (mm/vmalloc.c); purge them at once, so that the vmalloc
	 * range is left as it was before (the counted benchmarks see the same layout).
	 */
	vmalloc_purge();
}

/*
 * \_S5 in the AML of the DSDT or an SSDT: NameOp "_S5_" PackageOp PkgLength NumElements SLP_TYPa
 * SLP_TYPb. Each value is ZeroOp (0), OneOp (1) or BytePrefix (0x0a) followed by the byte.
 */
static int aml_small_int(const u8 *p, u32 *pos)
{
	u8 op = p[(*pos)++];

	if (op == 0x00 || op == 0x01)
		return op;
	if (op == 0x0a)
		return p[(*pos)++];
	return -1;
}

static void find_s5(const u8 *dsdt)
{
	/* A name path may start with the root prefix '\': "_S5_" is found either way. */
	u32 len = read32(dsdt, 4), i, pos;

	for (i = SDT_HEADER_LEN; i + 12 < len; i++) {
		if (memcmp(dsdt + i, "_S5_", 4) || dsdt[i + 4] != 0x12)
			continue;
		pos = i + 5;
		pos += 1 + (dsdt[pos] >> 6); /* PkgLength: bits 7-6 count its extra bytes */
		pos++;			     /* NumElements */
		int a = aml_small_int(dsdt, &pos), b = aml_small_int(dsdt, &pos);

		if (a < 0)
			return;
		acpi.slp_typa = a;
		acpi.slp_typb = b < 0 ? 0 : b;
		acpi.s5_found = true;
		return;
	}
}

static void acpi_power_off(void)
{
	u16 v;

	if (!acpi.fadt_found || !acpi.s5_found)
		return;
	v = inw(acpi.pm1a_cnt) & ~(7 << 10);
	outw(acpi.pm1a_cnt, v | acpi.slp_typa << 10 | PM1_SLP_EN);
	if (acpi.pm1b_cnt) {
		v = inw(acpi.pm1b_cnt) & ~(7 << 10);
		outw(acpi.pm1b_cnt, v | acpi.slp_typb << 10 | PM1_SLP_EN);
	}
}

static void acpi_reset(void)
{
	if (!acpi.reset_supported)
		return;
	if (acpi.reset_space == 1)
		outb(acpi.reset_addr, acpi.reset_value);
	else if (acpi.reset_space == 0) {
		volatile u8 *r = ioremap(acpi.reset_addr, 1);

		if (r)
			*r = acpi.reset_value;
	}
}

/* Firmware may still own the ACPI registers (SCI_EN clear): ask it to hand them over. */
static void acpi_enable(const u8 *fadt)
{
	u32 smi_cmd = read32(fadt, FADT_SMI_CMD);
	u8 enable = read8(fadt, FADT_ACPI_ENABLE);
	int spins;

	if ((inw(acpi.pm1a_cnt) & PM1_SCI_EN) || !smi_cmd || !enable)
		return;
	outb(smi_cmd, enable);
	for (spins = 0; spins < 1000000 && !(inw(acpi.pm1a_cnt) & PM1_SCI_EN); spins++)
		cpu_relax();
}

void acpi_init(const struct mb2_info *mb)
{
	const u8 *fadt, *dsdt, *ssdt;
	u32 flen, i;
	u64 dsdt_phys;

	if (!mb->acpi.version) {
		pr_warn("acpi: the boot loader passed no RSDP: poweroff works only in QEMU\n");
		return;
	}
	/* "BOCHS ": tables from SeaBIOS or QEMU, not a real PC's: emulator ports are safe there. */
	pm_emulated_firmware = !memcmp(mb->acpi.rsdp + RSDP_OEM_ID, "BOCHS ", 6);
	find_madt(mb);
	fadt = find_table(mb, "FACP");
	if (!fadt) {
		pr_warn("acpi: no FADT found\n");
		return;
	}
	flen = read32(fadt, 4);
	acpi.fadt_found = true;
	acpi.pm1a_cnt = read32(fadt, FADT_PM1A_CNT);
	acpi.pm1b_cnt = read32(fadt, FADT_PM1B_CNT);
	acpi.has_8042 = flen > FADT_IAPC_BOOT_ARCH + 1 &&
			(read16(fadt, FADT_IAPC_BOOT_ARCH) & BOOT_ARCH_8042);
	if (flen > FADT_RESET_VALUE && (read32(fadt, FADT_FLAGS) & FADT_RESET_REG_SUP)) {
		acpi.reset_supported = true;
		acpi.reset_space = read8(fadt, FADT_RESET_REG);
		acpi.reset_addr = read64(fadt, FADT_RESET_REG + 4);
		acpi.reset_value = read8(fadt, FADT_RESET_VALUE);
	}
	dsdt_phys = flen >= FADT_X_DSDT + 8 && read64(fadt, FADT_X_DSDT) ? read64(fadt, FADT_X_DSDT)
									 : read32(fadt, FADT_DSDT);
	dsdt = map_table(dsdt_phys, "DSDT");
	if (dsdt) {
		find_s5(dsdt);
		iounmap(dsdt);
	}
	/* SeaBIOS, where it writes the tables itself (under Bochs), has \_S5 in an SSDT. */
	for (i = 0; !acpi.s5_found && (ssdt = find_next_table(mb, "SSDT", &i));) {
		find_s5(ssdt);
		iounmap(ssdt);
	}
	if (acpi.pm1a_cnt)
		acpi_enable(fadt);
	iounmap(fadt);
	pm_power_off = acpi_power_off;
	pm_restart = acpi_reset;
	pr_info("acpi: PM1a_CNT %#x, S5 sleep type %s%u, reset register %s\n", acpi.pm1a_cnt,
		acpi.s5_found ? "" : "(not found) ", acpi.slp_typa,
		acpi.reset_supported ? "present"
				     : "absent (reboot: keyboard controller, then a triple fault)");
}
