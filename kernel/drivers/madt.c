/* The MADT parser: see madt.h. Byte offsets are from the ACPI spec's tables of each entry. */
#include "kernel/drivers/madt.h"
#include "kernel/lib/vsprintf.h"

/* The smallest valid length of each entry type we read. */
#define LAPIC_LEN	   8
#define IOAPIC_LEN	   12
#define OVERRIDE_LEN	   10
#define LAPIC_OVERRIDE_LEN 12
#define X2APIC_LEN	   16

#define MADT_LAPIC_ADDR 36
#define MADT_FLAGS	40
#define LAPIC_ENABLED	(1u << 0)

static u16 get16(const u8 *p)
{
	return p[0] | (u16)p[1] << 8;
}

static u32 get32(const u8 *p)
{
	return get16(p) | (u32)get16(p + 2) << 16;
}

static u64 get64(const u8 *p)
{
	return get32(p) | (u64)get32(p + 4) << 32;
}

static int fail(char *err, size_t err_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;

	if (err && err_len) {
		va_start(ap, fmt);
		vsnprintf(err, err_len, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int add_cpu(struct madt *m, u32 apic_id, u32 uid, u32 flags, bool x2apic, u32 off, char *err,
		   size_t err_len)
{
	u32 i;

	for (i = 0; i < m->nr_cpus; i++) {
		if (m->cpus[i].apic_id == apic_id)
			return fail(err, err_len,
				    "MADT entry at offset %u: APIC id %u listed twice", off,
				    apic_id);
	}
	if (m->nr_cpus == MADT_MAX_CPUS) {
		m->nr_cpus_dropped++;
		return 0;
	}
	m->cpus[m->nr_cpus++] = (struct madt_cpu){
		.apic_id = apic_id, .uid = uid, .enabled = flags & LAPIC_ENABLED, .x2apic = x2apic
	};
	return 0;
}

/* One entry of `len` bytes at e (offset off): checked against the minimum of its type. */
static int parse_entry(struct madt *m, const u8 *e, u32 len, u32 off, char *err, size_t err_len)
{
	static const u8 min_len[] = { [MADT_LAPIC] = LAPIC_LEN,
				      [MADT_IOAPIC] = IOAPIC_LEN,
				      [MADT_OVERRIDE] = OVERRIDE_LEN,
				      [MADT_LAPIC_OVERRIDE] = LAPIC_OVERRIDE_LEN,
				      [MADT_X2APIC] = X2APIC_LEN };
	u8 type = e[0];

	if (type < sizeof(min_len) && min_len[type] && len < min_len[type])
		return fail(err, err_len, "MADT entry at offset %u: type %u is %u bytes, needs %u",
			    off, type, len, min_len[type]);
	switch (type) {
	case MADT_LAPIC:
		return add_cpu(m, e[3], e[2], get32(e + 4), false, off, err, err_len);
	case MADT_X2APIC:
		return add_cpu(m, get32(e + 4), get32(e + 12), get32(e + 8), true, off, err,
			       err_len);
	case MADT_IOAPIC:
		if (m->nr_ioapics == MADT_MAX_IOAPICS)
			return fail(err, err_len, "MADT: more than %u I/O APICs", MADT_MAX_IOAPICS);
		m->ioapics[m->nr_ioapics++] = (struct madt_ioapic){ .id = e[2],
								    .addr = get32(e + 4),
								    .gsi_base = get32(e + 8) };
		return 0;
	case MADT_OVERRIDE:
		if (m->nr_overrides == MADT_MAX_OVERRIDES)
			return fail(err, err_len, "MADT: more than %u interrupt source overrides",
				    MADT_MAX_OVERRIDES);
		m->overrides[m->nr_overrides++] = (struct madt_override){
			.bus = e[2], .source = e[3], .gsi = get32(e + 4), .flags = get16(e + 8)
		};
		return 0;
	case MADT_LAPIC_OVERRIDE:
		m->lapic_addr = get64(e + 4);
		return 0;
	default:
		return 0; /* a type this kernel does not use */
	}
}

static int parse_table(const void *table, size_t avail, struct madt *out, char *err, size_t err_len)
{
	const u8 *t = table;
	u32 len, off;
	u8 sum = 0;

	*out = (struct madt){ 0 };
	if (err && err_len)
		err[0] = '\0';
	if (!t || avail < MADT_HEADER_LEN)
		return fail(err, err_len, "MADT: %zu bytes, shorter than its header", avail);
	if (t[0] != 'A' || t[1] != 'P' || t[2] != 'I' || t[3] != 'C')
		return fail(err, err_len, "MADT: signature is not APIC");
	len = get32(t + 4);
	if (len < MADT_HEADER_LEN || len > avail)
		return fail(err, err_len, "MADT: length %u is outside %u..%zu", len,
			    MADT_HEADER_LEN, avail);
	for (off = 0; off < len; off++)
		sum += t[off];
	if (sum)
		return fail(err, err_len, "MADT: bad checksum (the bytes sum to %#x, not 0)", sum);
	out->lapic_addr = get32(t + MADT_LAPIC_ADDR);
	out->pcat_compat = get32(t + MADT_FLAGS) & 1;
	for (off = MADT_HEADER_LEN; off < len;) {
		u32 elen;

		if (len - off < 2)
			return fail(err, err_len,
				    "MADT: entry header at offset %u runs past the end", off);
		elen = t[off + 1];
		if (elen < 2)
			return fail(err, err_len, "MADT entry at offset %u: length %u", off, elen);
		if (elen > len - off)
			return fail(err, err_len,
				    "MADT entry at offset %u: %u bytes run past the end (%u)", off,
				    elen, len);
		if (parse_entry(out, t + off, elen, off, err, err_len))
			return -1;
		off += elen;
	}
	return 0;
}

int madt_parse(const void *table, size_t avail, struct madt *out, char *err, size_t err_len)
{
	if (parse_table(table, avail, out, err, err_len)) {
		*out = (struct madt){ 0 }; /* no half-parsed result */
		return -1;
	}
	return 0;
}
