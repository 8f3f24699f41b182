/*
 * Host unit tests for kernel/drivers/madt.c, the MADT parser.
 *
 * Tables are assembled with a small builder (checksum fixed last), then copied into a heap
 * allocation of exactly the bytes the parser is told it may read, so AddressSanitizer reports
 * any read past them.
 */
#include <stdlib.h>
#include <string.h>

#include "kernel/lib/types.h"
#include "kernel/drivers/madt.c"
#include "tests/le_put.h"
#include "tests/tap.h"

static u8 tbl[8192]; /* room for MADT_MAX_CPUS + 3 x2APIC entries of 16 bytes */
static u32 tlen;

static void t_init(u32 lapic, u32 flags)
{
	memset(tbl, 0, sizeof(tbl));
	memcpy(tbl, "APIC", 4);
	tbl[8] = 5; /* revision */
	memcpy(tbl + 10, "VMSTCK", 6);
	put32(tbl + 36, lapic);
	put32(tbl + 40, flags);
	tlen = MADT_HEADER_LEN;
}

static u8 *t_entry(u8 type, u8 len)
{
	u8 *e = tbl + tlen;

	e[0] = type;
	e[1] = len;
	tlen += len;
	return e;
}

static void lapic(u8 uid, u8 id, u32 flags)
{
	u8 *e = t_entry(MADT_LAPIC, 8);

	e[2] = uid;
	e[3] = id;
	put32(e + 4, flags);
}

static void x2apic(u32 id, u32 flags, u32 uid)
{
	u8 *e = t_entry(MADT_X2APIC, 16);

	put32(e + 4, id);
	put32(e + 8, flags);
	put32(e + 12, uid);
}

static void ioapic(u8 id, u32 addr, u32 gsi)
{
	u8 *e = t_entry(MADT_IOAPIC, 12);

	e[2] = id;
	put32(e + 4, addr);
	put32(e + 8, gsi);
}

static void override(u8 src, u32 gsi, u16 flags)
{
	u8 *e = t_entry(MADT_OVERRIDE, 10);

	e[3] = src;
	put32(e + 4, gsi);
	put16(e + 8, flags);
}

/* Set the length and fix the checksum, as firmware does. */
static void t_finish(void)
{
	u8 sum = 0;
	u32 i;

	put32(tbl + 4, tlen);
	tbl[9] = 0;
	for (i = 0; i < tlen; i++)
		sum += tbl[i];
	tbl[9] = -sum;
}

static struct madt m;
static char err[128];

/* Parse the table with exactly `avail` bytes readable. */
static int parse_avail(size_t avail)
{
	u8 *copy = malloc(avail ? avail : 1);
	int r;

	memcpy(copy, tbl, avail);
	r = madt_parse(copy, avail, &m, err, sizeof(err));
	free(copy);
	return r;
}

static int parse(void)
{
	return parse_avail(tlen);
}

/* A table like QEMU's for -smp 4 on pc: four CPUs, one I/O APIC, the usual overrides. */
static void qemu_like(void)
{
	int i;

	t_init(0xfee00000, 1);
	for (i = 0; i < 4; i++)
		lapic(i, i, 1);
	ioapic(0, 0xfec00000, 0);
	override(0, 2, 0);
	override(5, 5, 0xd);
	override(9, 9, 0xd);
	override(10, 10, 0xd);
	override(11, 11, 0xd);
}

static void test_good(void)
{
	qemu_like();
	t_finish();
	tap_ok(parse() == 0 && err[0] == '\0', "a QEMU-like table parses (%s)", err);
	tap_ok(m.nr_cpus == 4 && m.cpus[3].apic_id == 3 && m.cpus[3].enabled && !m.cpus[3].x2apic,
	       "four CPUs, APIC ids 0-3, enabled");
	tap_ok(m.lapic_addr == 0xfee00000 && m.pcat_compat, "local APIC address and PCAT_COMPAT");
	tap_ok(m.nr_ioapics == 1 && m.ioapics[0].addr == 0xfec00000 && m.ioapics[0].gsi_base == 0,
	       "one I/O APIC at 0xfec00000, GSI base 0");
	tap_ok(m.nr_overrides == 5 && m.overrides[0].source == 0 && m.overrides[0].gsi == 2 &&
		       m.overrides[1].flags == 0xd,
	       "interrupt source overrides: IRQ 0 -> GSI 2, flags kept");
}

static void test_x2apic_and_disabled(void)
{
	u8 *e;

	t_init(0xfee00000, 0);
	lapic(0, 0, 1);
	lapic(1, 1, 0); /* present, not enabled */
	x2apic(300, 1, 7);
	e = t_entry(MADT_LAPIC_OVERRIDE, 12);
	put64(e + 4, 0x1fee00000ULL);
	t_entry(0x7f, 6); /* a type from a future spec: skipped */
	t_finish();
	tap_ok(parse() == 0, "x2APIC entry, disabled CPU, address override, unknown type (%s)",
	       err);
	tap_ok(m.nr_cpus == 3 && !m.cpus[1].enabled && m.cpus[2].x2apic &&
		       m.cpus[2].apic_id == 300 && m.cpus[2].uid == 7,
	       "the disabled CPU is kept as such; the x2APIC id is 32 bits");
	tap_ok(m.lapic_addr == 0x1fee00000ULL && !m.pcat_compat,
	       "a type 5 entry overrides the local APIC address");
}

static void test_too_many_cpus(void)
{
	u32 i;

	t_init(0xfee00000, 1);
	for (i = 0; i < MADT_MAX_CPUS + 3; i++)
		x2apic(i, 1, i);
	t_finish();
	parse();
	tap_ok(m.nr_cpus == MADT_MAX_CPUS && m.nr_cpus_dropped == 3,
	       "CPUs past MADT_MAX_CPUS are counted, not kept (%u kept, %u dropped)", m.nr_cpus,
	       m.nr_cpus_dropped);
}

/* Each malformed table must fail with a message naming the problem, and leave no result. */
static void expect_bad(const char *what, const char *needle)
{
	int r = parse();

	tap_ok(r == -1 && strstr(err, needle) && m.nr_cpus == 0, "%s: rejected (\"%s\")", what,
	       err);
}

static void test_malformed(void)
{
	u8 *e;

	qemu_like();
	t_finish();
	tbl[9]++;
	expect_bad("bad checksum", "checksum");

	qemu_like();
	t_finish();
	memcpy(tbl, "APIX", 4);
	expect_bad("wrong signature", "signature");

	qemu_like();
	t_finish();
	put32(tbl + 4, tlen + 100); /* claims more than there is */
	tap_ok(parse_avail(tlen) == -1 && strstr(err, "length"),
	       "length past the readable bytes (%s)", err);

	t_init(0xfee00000, 1);
	t_finish();
	tap_ok(parse_avail(20) == -1 && strstr(err, "header"), "shorter than the header (%s)", err);

	t_init(0xfee00000, 1);
	lapic(0, 0, 1);
	e = t_entry(MADT_LAPIC, 8);
	e[1] = 0; /* a zero length would loop forever */
	t_finish();
	expect_bad("entry of length 0", "length 0");

	t_init(0xfee00000, 1);
	lapic(0, 0, 1);
	e = t_entry(MADT_LAPIC, 8);
	e[1] = 40; /* runs past the end */
	e[3] = 1;
	t_finish();
	expect_bad("entry past the end", "past the end");

	t_init(0xfee00000, 1);
	lapic(0, 0, 1);
	t_entry(MADT_X2APIC, 8); /* an x2APIC entry needs 16 bytes */
	t_finish();
	expect_bad("entry shorter than its type", "needs 16");

	t_init(0xfee00000, 1);
	lapic(0, 0, 1);
	lapic(1, 0, 1);
	t_finish();
	expect_bad("the same APIC id twice", "listed twice");

	t_init(0xfee00000, 1);
	lapic(0, 0, 1);
	tbl[tlen++] = MADT_LAPIC; /* one stray byte: no room for an entry header */
	t_finish();
	expect_bad("a stray byte at the end", "runs past the end");

	tap_ok(madt_parse(NULL, 0, &m, err, sizeof(err)) == -1, "NULL table (%s)", err);
}

int main(void)
{
	tap_plan(19);
	test_good();
	test_x2apic_and_disabled();
	test_too_many_cpus();
	test_malformed();
	return tap_done();
}
