/*
 * printk: the kernel's log. Messages carry a level as in Linux (KERN_ERR "..."), go into a log
 * buffer (read back by `dmesg` and by tests) and to every console whose level lets them through.
 */
#ifndef KERNEL_PRINTK_H
#define KERNEL_PRINTK_H

#include <stdarg.h>

#include "kernel/lib/types.h"

#define KERN_SOH     "\001"
#define KERN_EMERG   KERN_SOH "0"
#define KERN_ALERT   KERN_SOH "1"
#define KERN_CRIT    KERN_SOH "2"
#define KERN_ERR     KERN_SOH "3"
#define KERN_WARNING KERN_SOH "4"
#define KERN_NOTICE  KERN_SOH "5"
#define KERN_INFO    KERN_SOH "6"
#define KERN_DEBUG   KERN_SOH "7"
#define KERN_CONT    KERN_SOH "c"

#define LOGLEVEL_ERR	 3
#define LOGLEVEL_INFO	 6
#define LOGLEVEL_DEBUG	 7
#define LOGLEVEL_DEFAULT LOGLEVEL_INFO

int printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintk(const char *fmt, va_list ap);

/*
 * Between these, no other CPU prints: an oops (or any report of several lines) stays whole.
 * They nest, turn interrupts off, and must be paired on the same CPU before it switches tasks or
 * exits one. printk itself takes the same lock for each message.
 */
u64 oops_begin(void);
void oops_end(u64 flags);
/*
 * Text that is not a log message (a program's write(), the shell's echo) straight to the
 * consoles, under the same lock: a line of it never splits a report line, and no two CPUs
 * draw on a console at once (the consoles keep cursor state with no lock of their own).
 */
void console_print(const char *s, size_t n, int level);
/*
 * The same lock, for a console drawing on its own outside any message (fbcon redrawing its
 * scrollback from the keyboard's interrupt): no other CPU writes to the consoles meanwhile.
 */
u64 console_lock(void);
void console_unlock(u64 flags);
/* Panic and power-off only, with the other CPUs stopped: take the print lock whoever holds it. */
void printk_bust_lock(void);

#define pr_emerg(fmt, ...)  printk(KERN_EMERG fmt, ##__VA_ARGS__)
#define pr_alert(fmt, ...)  printk(KERN_ALERT fmt, ##__VA_ARGS__)
#define pr_crit(fmt, ...)   printk(KERN_CRIT fmt, ##__VA_ARGS__)
#define pr_err(fmt, ...)    printk(KERN_ERR fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...)   printk(KERN_WARNING fmt, ##__VA_ARGS__)
#define pr_notice(fmt, ...) printk(KERN_NOTICE fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...)   printk(KERN_INFO fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...)  printk(KERN_DEBUG fmt, ##__VA_ARGS__)
#define pr_cont(fmt, ...)   printk(KERN_CONT fmt, ##__VA_ARGS__)

/* Messages with a level numerically below this reach the consoles (all reach the log). */
extern int console_loglevel;

/* The log buffer: a position to remember, and a search of everything logged since then. */
u64 printk_log_mark(void);
bool printk_log_contains(u64 since, const char *needle);
/*
 * Copy the log from *pos on into buf (NUL-terminated) and advance *pos; returns the number of
 * bytes copied, 0 at the end. Start with *pos = 0 for everything the buffer still holds.
 */
size_t printk_log_read(u64 *pos, char *buf, size_t len);

__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);
extern bool panic_in_progress;

#define BUG_ON(cond)                                                                               \
	do {                                                                                       \
		if (cond)                                                                          \
			panic("BUG_ON(%s) at %s:%d", #cond, __FILE__, __LINE__);                   \
	} while (0)

#endif
