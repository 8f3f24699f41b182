#include "kernel/printk/printk.h"
#include "arch/x86_64/asm/io.h"
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

int vprintk(const char *fmt, va_list ap)
{
	static int last_level = LOGLEVEL_DEFAULT;
	char buf[512];
	bool cont;
	int level = parse_level(&fmt, &cont);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	size_t len = MIN((size_t)n, sizeof(buf) - 1);
	u64 flags = local_irq_save();

	/*
	 * No lock: with interrupts off only a fault inside printk itself can re-enter it, and then
	 * printing anyway (rather than waiting for a lock nobody will release) gets the report out.
	 * SMP will need a lock here that an oops may break.
	 */
	if (cont)
		level = last_level;
	last_level = level;
	log_store(buf, len);
	if (level < console_loglevel || panic_in_progress)
		console_write(buf, len, level);
	local_irq_restore(flags);
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
