/*
 * printk on several CPUs at once: every message arrives whole. The CPUs print at the same time
 * (the others from an IPI, the boot CPU from the test), each line says who printed it, and the
 * log must hold every line exactly as printed, none torn or lost.
 */
#include "arch/x86_64/asm/special_insns.h"
#include "kernel/debug/ktest.h"
#include "kernel/lib/string.h"
#include "kernel/lib/vsprintf.h"
#include "kernel/printk/printk.h"
#include "kernel/smp.h"

#define MIX_LINES  100
#define MIX_ROUNDS 20
#define MIX_TAG	   "printk-mix "

static u32 arrived;

/*
 * Every CPU waits until all have arrived, then prints: the lines race for real. At KERN_DEBUG
 * they go to the log only: the race is on the log, and the console stays quiet.
 */
static void print_lines(void *arg)
{
	u32 cpu = smp_processor_id(), all = *(u32 *)arg;
	int i;

	__atomic_fetch_add(&arrived, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&arrived, __ATOMIC_ACQUIRE) < all)
		cpu_relax();
	for (i = 0; i < MIX_LINES; i++)
		printk(KERN_DEBUG MIX_TAG "cpu%02u line%04d abcdefghijklmnopqrstuvwxyz0123456789\n",
		       cpu, i);
}

static void nothing(void *arg)
{
	(void)arg;
}

static char log_copy[1 << 16];

/* Check one logged line; count it for its CPU if it is whole. */
static bool line_is_whole(const char *line, size_t len, u32 *count)
{
	char want[96];
	unsigned int cpu;

	if (len < sizeof(MIX_TAG) + 5 || memcmp(line + sizeof(MIX_TAG) - 1, "cpu", 3))
		return false;
	cpu = (line[sizeof(MIX_TAG) + 2] - '0') * 10 + (line[sizeof(MIX_TAG) + 3] - '0');
	if (cpu >= NR_CPUS)
		return false;
	snprintf(want, sizeof(want),
		 MIX_TAG "cpu%02u line%04u abcdefghijklmnopqrstuvwxyz0123456789", cpu, count[cpu]);
	if (len != strlen(want) || memcmp(line, want, len))
		return false;
	count[cpu]++;
	return true;
}

/* One round: all CPUs print at once; returns false (and says why) if a line was torn or lost. */
static bool mix_round(void)
{
	u32 count[NR_CPUS] = { 0 }, cpu, torn = 0, all = num_online_cpus();
	u64 mark = printk_log_mark(), pos = mark;
	size_t n;
	char *line, *end;

	arrived = 0;
	if (smp_call_function(print_lines, &all, false) != (int)all - 1) {
		KT_EXPECT_MSG(false, "smp_call_function did not reach every CPU");
		return false;
	}
	print_lines(&all);
	/* The others serve the next call only after print_lines() returned there. */
	smp_call_function(nothing, NULL, true);

	n = printk_log_read(&pos, log_copy, sizeof(log_copy));
	if (pos - mark != n) {
		KT_EXPECT_MSG(false, "the log wrapped: %lu bytes printed", pos - mark);
		return false;
	}
	for (line = log_copy; line < log_copy + n; line = end + 1) {
		end = strchr(line, '\n');
		if (!end)
			end = log_copy + n;
		*end = '\0';
		if (!strstr(line, "printk-mix"))
			continue;
		if (!line_is_whole(line, end - line, count) && torn++ == 0)
			KT_EXPECT_MSG(false, "torn line: %s", line);
	}
	KT_EXPECT_MSG(torn == 0, "%u lines torn", torn);
	for (cpu = 0; cpu < nr_cpu_ids(); cpu++) {
		if (cpu_info(cpu)->state == CPU_ONLINE && count[cpu] != MIX_LINES) {
			KT_EXPECT_MSG(false, "CPU %u: %u of %d lines whole", cpu, count[cpu],
				      MIX_LINES);
			torn++;
		}
	}
	return torn == 0;
}

/*
 * One round without the print lock tears a line only now and then (the emulated CPUs do not
 * always overlap); twenty rounds catch it every time.
 */
KTEST(printk, cpus_printing_at_once_never_mix_mid_line)
{
	int round;

	if (num_online_cpus() < 2) {
		ktest_skip("one CPU online");
		return;
	}
	for (round = 0; round < MIX_ROUNDS; round++) {
		if (!mix_round())
			return;
	}
}
