/*
 * Kernel command-line parser. See cmdline.h for the syntax.
 *
 * Both entry points read words through the same cursor, so cmdline_parse() and
 * cmdline_get() can never disagree about where a word ends or what its value is.
 */
#include "kernel/lib/types.h"
#include "boot/cmdline.h"
#include "kernel/lib/vsprintf.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static const char *skip_spaces(const char *p)
{
	while (is_space(*p))
		p++;
	return p;
}

static bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* ---- reading one word ---- */

struct cursor {
	const char *p; /* next source character */
	bool in_quote;
	bool unterminated; /* the string ended inside quotes */
};

#define WORD_END (-1)

/* The next character of the current word with quotes removed, or WORD_END. */
static int next_char(struct cursor *c)
{
	for (;;) {
		char ch = *c->p;

		if (ch == '\0') {
			if (c->in_quote)
				c->unterminated = true;
			return WORD_END;
		}
		if (ch == '"') {
			c->in_quote = !c->in_quote;
			c->p++;
			continue;
		}
		if (!c->in_quote && is_space(ch))
			return WORD_END;
		c->p++;
		return (unsigned char)ch;
	}
}

static void skip_word(struct cursor *c)
{
	while (next_char(c) != WORD_END)
		;
}

/* ---- cmdline_parse ---- */

struct parse_state {
	char *buf;
	size_t len;
	size_t pos;
	int problems;
	char *err; /* the caller's error line; err_len is 0 if there is none */
	size_t err_len;
	size_t err_used; /* characters of err written so far */
};

/* Only the first problem is described; later ones are counted. */
static void __attribute__((format(printf, 2, 3)))
problem(struct parse_state *st, const char *fmt, ...)
{
	va_list ap;

	if (st->problems++ || !st->err_len)
		return;
	va_start(ap, fmt);
	st->err_used = vscnprintf(st->err, st->err_len, fmt, ap);
	va_end(ap);
}

/*
 * Copy the word under @c into the buffer as "key\0value\0" (or "key\0" for a flag),
 * splitting at the first '='. Returns false if the buffer cannot hold the whole word.
 */
static bool copy_word(struct parse_state *st, struct cursor *c, const char **value)
{
	int ch;

	*value = NULL;
	while ((ch = next_char(c)) != WORD_END) {
		/* keep one byte for the terminating NUL */
		if (st->pos + 1 >= st->len)
			return false;
		if (ch == '=' && !*value) {
			st->buf[st->pos++] = '\0';
			*value = st->buf + st->pos;
		} else {
			st->buf[st->pos++] = (char)ch;
		}
	}
	if (st->pos >= st->len)
		return false;
	st->buf[st->pos++] = '\0';
	return true;
}

static void dispatch(const struct cmdline_param *params, cmdline_handler_t on_unknown, void *ctx,
		     const char *key, const char *value)
{
	const struct cmdline_param *prm;

	for (prm = params; prm && prm->key; prm++) {
		if (str_eq(prm->key, key)) {
			if (prm->handler)
				prm->handler(key, value, ctx);
			return;
		}
	}
	if (on_unknown)
		on_unknown(key, value, ctx);
}

int cmdline_parse(const char *cmdline, char *buf, size_t buf_len,
		  const struct cmdline_param *params, cmdline_handler_t on_unknown, void *ctx,
		  char *err, size_t err_len)
{
	struct parse_state st = {
		.buf = buf,
		.len = buf ? buf_len : 0,
		.err = err,
		.err_len = err ? err_len : 0,
	};
	const char *line = cmdline ? cmdline : "";
	const char *p = line;

	if (st.err_len)
		err[0] = '\0';
	for (;;) {
		struct cursor c;
		size_t col, start;
		const char *value;

		p = skip_spaces(p);
		if (!*p)
			break;
		col = p - line;
		start = st.pos;
		c = (struct cursor){ .p = p };
		if (!copy_word(&st, &c, &value)) {
			/* Never hand out a cut word: "mem=1024M" must not become "mem=10". */
			problem(&st,
				"command line does not fit in the %zu-byte buffer; ignored "
				"from column %zu",
				st.len, col);
			break;
		}
		p = c.p;
		if (c.unterminated) {
			problem(&st, "unterminated quote in the word at column %zu", col);
			break;
		}
		if (st.buf[start] == '\0') {
			problem(&st, "empty key in the word at column %zu", col);
			st.pos = start;
			continue;
		}
		dispatch(params, on_unknown, ctx, st.buf + start, value ? value : "");
	}
	/* err_used counts only what fit: after a cut first message this writes just the NUL. */
	if (st.problems > 1 && st.err_len)
		scnprintf(err + st.err_used, st.err_len - st.err_used, " (+%d more)",
			  st.problems - 1);
	return -st.problems;
}

/* ---- cmdline_get ---- */

/*
 * Read the key part of the word under @c and compare it with @key. On a match the cursor
 * is left at the start of the value (or at the end of a flag word).
 */
static bool key_matches(struct cursor *c, const char *key)
{
	bool match = true;
	size_t i = 0;
	int ch;

	while ((ch = next_char(c)) != WORD_END && ch != '=') {
		if (match && key[i] == (char)ch)
			i++;
		else
			match = false;
	}
	return match && i > 0 && key[i] == '\0';
}

static bool copy_value(struct cursor *c, char *out, size_t out_len)
{
	size_t n = 0;
	int ch;

	if (!out || !out_len)
		return true;
	while ((ch = next_char(c)) != WORD_END) {
		if (n + 1 >= out_len) {
			out[0] = '\0';
			return false;
		}
		out[n++] = (char)ch;
	}
	out[n] = '\0';
	return true;
}

bool cmdline_get(const char *cmdline, const char *key, char *out, size_t out_len)
{
	struct cursor found = { 0 };
	bool have = false;
	const char *p = cmdline;

	if (out && out_len)
		out[0] = '\0';
	if (!cmdline || !key || !*key)
		return false;
	for (;;) {
		struct cursor c, value_at;
		bool match;

		p = skip_spaces(p);
		if (!*p)
			break;
		c = (struct cursor){ .p = p };
		match = key_matches(&c, key);
		value_at = c;
		skip_word(&c);
		/* a later occurrence overrides an earlier one, as with cmdline_parse() */
		if (match && !c.unterminated) {
			found = value_at;
			have = true;
		}
		p = c.p;
	}
	if (!have)
		return false;
	return copy_value(&found, out, out_len);
}
