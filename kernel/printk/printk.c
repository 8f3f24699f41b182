#include "kernel/printk/printk.h"
#include "arch/x86_64/asm/irqflags.h"
#include "arch/x86_64/asm/special_insns.h"
#include "arch/x86_64/asm/smp.h"
#include "kernel/printk/console.h"
#include "kernel/lib/string.h"
#include "kernel/lib/vsprintf.h"

int console_loglevel = LOGLEVEL_DEFAULT + 1;

#define LOG_BUF_SIZE (1 << 16)

static char log_buf[LOG_BUF_SIZE];
static u64 log_head; /* bytes ever written; the buffer keeps the last LOG_BUF_SIZE */

static void log_store(const char *s, size_t n)
{
	while (n--)
		log_buf[log_head++ % LOG_BUF_SIZE] = *s++;
}

static int parse_level(const char **fmt, bool *cont)
{
	int level = LOGLEVEL_DEFAULT;

	*cont = false;
	while ((*fmt)[0] == KERN_SOH[0] && (*fmt)[1]) {
		char c = (*fmt)[1];

		if (c >= '0' && c <= '7')
			level = c - '0';
		else if (c == 'c')
			*cont = true;
		*fmt += 2;
	}
	return level;
}

/*
 * One CPU prints at a time, so two CPUs' messages never mix mid-line. The lock is taken for each
 * message, and by oops_begin() for a whole report, so two oopses never mix at all. It is a ticket
 * lock - CPUs get it in the order they asked - because a CPU printing in a loop would otherwise
 * take it again and again while the others starve. It is recursive for the CPU holding it: a
 * fault inside printk, or a printk inside an oops, prints rather than wait for itself forever.
 * Interrupts are off while it is held. A panic takes it over (printk_bust_lock) once it has
 * stopped the other CPUs, whoever held it then.
 */
static u32 next_ticket, now_serving;
static u32 printk_owner; /* CPU number + 1 of the holder; 0: free */
static u32 printk_depth; /* how often the holder took it */
static u32 this_cpu_tag(void)
{
	return raw_smp_processor_id() + 1;
}

static void printk_lock(void)
{
	u32 me = this_cpu_tag(), ticket;

	if (__atomic_load_n(&printk_owner, __ATOMIC_RELAXED) == me) {
		printk_depth++;
		return;
	}
	ticket = __atomic_fetch_add(&next_ticket, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&now_serving, __ATOMIC_ACQUIRE) != ticket)
		cpu_relax();
	printk_owner = me;
	printk_depth = 1;
}

static void printk_unlock(void)
{
	if (--printk_depth)
		return;
	printk_owner = 0;
	__atomic_store_n(&now_serving, now_serving + 1, __ATOMIC_RELEASE);
}

u64 oops_begin(void)
{
	u64 flags = local_irq_save();

	printk_lock();
	return flags;
}

void oops_end(u64 flags)
{
	printk_unlock();
	local_irq_restore(flags);
}

u64 console_lock(void)
{
	return oops_begin();
}

void console_unlock(u64 flags)
{
	oops_end(flags);
}

void console_print(const char *s, size_t n, int level)
{
	u64 flags = oops_begin();

	console_write(s, n, level);
	oops_end(flags);
}

void printk_bust_lock(void)
{
	u32 me = this_cpu_tag(), held_by = printk_owner;

	printk_owner = me;
	printk_depth = 1;
	/*
	 * A CPU stopped while it held the lock was in the middle of a line, in the log or in a
	 * console: end it, so that the report starts on a line of its own.
	 */
	if (held_by && held_by != me) {
		if (log_head && log_buf[(log_head - 1) % LOG_BUF_SIZE] != '\n')
			log_store("\n", 1);
		console_write("\n", 1, 0);
	}
}

int vprintk(const char *fmt, va_list ap)
{
	static int last_level = LOGLEVEL_DEFAULT;
	char buf[512];
	bool cont;
	int level = parse_level(&fmt, &cont);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	size_t len = MIN((size_t)n, sizeof(buf) - 1);
	u64 flags = oops_begin();

	if (cont)
		level = last_level;
	last_level = level;
	log_store(buf, len);
	if (level < console_loglevel || panic_in_progress)
		console_write(buf, len, level);
	oops_end(flags);
	return n;
}

int printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}

u64 printk_log_mark(void)
{
	return log_head;
}

static u64 oldest_kept(u64 since)
{
	if (log_head > LOG_BUF_SIZE && since < log_head - LOG_BUF_SIZE)
		return log_head - LOG_BUF_SIZE;
	return since;
}

bool printk_log_contains(u64 since, const char *needle)
{
	size_t n = strlen(needle);
	u64 pos, i;

	for (pos = oldest_kept(since); pos + n <= log_head; pos++) {
		for (i = 0; i < n; i++) {
			if (log_buf[(pos + i) % LOG_BUF_SIZE] != needle[i])
				break;
		}
		if (i == n)
			return true;
	}
	return false;
}

size_t printk_log_read(u64 *pos, char *buf, size_t len)
{
	size_t n = 0;

	*pos = oldest_kept(*pos);
	while (*pos < log_head && n + 1 < len)
		buf[n++] = log_buf[(*pos)++ % LOG_BUF_SIZE];
	if (len)
		buf[n] = '\0';
	return n;
}
