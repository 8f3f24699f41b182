/*
 * Kernel command-line parser.
 *
 * Syntax: words separated by spaces or tabs (newlines and carriage returns count as spaces
 * too). A word is "key=value" or a bare "key" (a flag; its value is ""). The first '=' in
 * a word splits it. Double quotes may appear anywhere in a word; they are removed and only
 * stop whitespace from ending the word: console="ttyS0 115200" gives the value
 * "ttyS0 115200". There is no escape character.
 *
 * The kernel declares the keys it knows in a table:
 *
 *	static const struct cmdline_param boot_params[] = {
 *		{ "loglevel", set_loglevel },
 *		{ "nosmp", set_nosmp },
 *		{ "initrd", NULL },		(known, but read elsewhere with cmdline_get)
 *		{ NULL, NULL },
 *	};
 *	n = cmdline_parse(mi.cmdline, buf, sizeof(buf), boot_params, warn_unknown, NULL,
 *			  err, sizeof(err));
 *
 * A table, rather than a list of names plus one callback, keeps the per-key code next to
 * its key and spares every caller a chain of string compares.
 *
 * Pure logic: no libc, no allocation, no printing.
 */
#ifndef BOOT_CMDLINE_H
#define BOOT_CMDLINE_H

#include "kernel/lib/types.h"

/* @value is "" for a bare flag. Both strings live in the caller's buffer. */
typedef void (*cmdline_handler_t)(const char *key, const char *value, void *ctx);

struct cmdline_param {
	const char *key;	   /* NULL terminates the table */
	cmdline_handler_t handler; /* NULL: key is known but nothing is called */
};

/*
 * Copy @cmdline (NULL counts as "") into @buf, split it there and call, for each word in
 * order, the handler of its key in @params, or @on_unknown (may be NULL) for keys not in
 * the table. Repeated keys are passed on every time, so "last one wins" for handlers that
 * just store the value. The key and value strings stay valid as long as @buf does.
 *
 * Returns 0, or minus the number of problems found: a word with an empty key ("=x") is
 * skipped; an unterminated quote drops its word (the rest of the line); a line that does
 * not fit in @buf stops at the last whole word that fits. The first problem is described
 * in @err (may be NULL), cut to @err_len - 1 characters.
 */
int cmdline_parse(const char *cmdline, char *buf, size_t buf_len,
		  const struct cmdline_param *params, cmdline_handler_t on_unknown, void *ctx,
		  char *err, size_t err_len);

/*
 * Early-boot shortcut: find the last word whose key is @key and copy its value (quotes
 * removed, "" for a bare flag) into @out. Returns false, with @out set to "", if the key
 * is absent or the value does not fit in @out_len - 1 characters: a cut value such as
 * "root=/dev/sda1" from "/dev/sda12" would be worse than none. With @out NULL only
 * presence is tested. Words with an unterminated quote are ignored. Nothing is written
 * to @cmdline.
 */
bool cmdline_get(const char *cmdline, const char *key, char *out, size_t out_len);

#endif
