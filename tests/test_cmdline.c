/*
 * Host unit tests for boot/cmdline.c.
 *
 * Handlers append "key=value;" (known) or "?key=value;" (unknown) to a log string, so each
 * case is checked with one string compare that also shows the order of the calls.
 */
#include <string.h>

#include "kernel/lib/types.h"
#include "boot/cmdline.h"
#include "tests/tap.h"

static char log_buf[1024];

static void log_append(const char *prefix, const char *key, const char *value)
{
	size_t used = strlen(log_buf);

	snprintf(log_buf + used, sizeof(log_buf) - used, "%s%s=%s;", prefix, key, value);
}

static void on_known(const char *key, const char *value, void *ctx)
{
	(void)ctx;
	log_append("", key, value);
}

static void on_unknown(const char *key, const char *value, void *ctx)
{
	(void)ctx;
	log_append("?", key, value);
}

static void count_call(const char *key, const char *value, void *ctx)
{
	(void)key;
	(void)value;
	++*(int *)ctx;
}

static const struct cmdline_param params[] = {
	{ "console", on_known }, { "loglevel", on_known },
	{ "quiet", on_known },	 { "root", on_known },
	{ "init", on_known },	 { "initrd", NULL }, /* known, handled elsewhere */
	{ NULL, NULL },
};

static char err[128];

/* Parse @line with a @buf_len-byte heap buffer (ASan sees overruns); returns the result. */
static int run(const char *line, size_t buf_len)
{
	char *buf = malloc(buf_len ? buf_len : 1);
	int ret;

	log_buf[0] = '\0';
	memset(err, 'x', sizeof(err));
	ret = cmdline_parse(line, buf_len ? buf : NULL, buf_len, params, on_unknown, NULL, err,
			    sizeof(err));
	free(buf);
	return ret;
}

/* @s with tabs and newlines made visible, so a TAP description stays on one line */
static const char *show(const char *s)
{
	static char out[512];
	size_t n = 0;

	for (; *s && n + 3 < sizeof(out); s++) {
		if (*s == '\t' || *s == '\n' || *s == '\r') {
			out[n++] = '\\';
			out[n++] = *s == '\t' ? 't' : *s == '\n' ? 'n' : 'r';
		} else {
			out[n++] = *s;
		}
	}
	out[n] = '\0';
	return out;
}

static void expect(const char *line, int ret_want, const char *log_want, const char *err_want)
{
	int ret = run(line, 256);

	tap_ok(ret == ret_want && !strcmp(log_buf, log_want) && strstr(err, err_want),
	       "parse [%s] -> %d [%s] \"%s\"", show(line), ret, log_buf, err);
}

static void test_parse(void)
{
	expect("console=ttyS0 loglevel=7", 0, "console=ttyS0;loglevel=7;", "");
	expect("quiet", 0, "quiet=;", "");
	expect("  quiet\t\tloglevel=3  ", 0, "quiet=;loglevel=3;", "");
	expect("init=/bin/sh -- foo", 0, "init=/bin/sh;?--=;?foo=;", "");
	expect("console=\"ttyS0 115200\" quiet", 0, "console=ttyS0 115200;quiet=;", "");
	expect("\"console=a b\"", 0, "console=a b;", "");
	expect("root=a=b=c", 0, "root=a=b=c;", "");
	expect("root= quiet", 0, "root=;quiet=;", "");
	expect("root=\"\"", 0, "root=;", "");
	expect("root=x root=y", 0, "root=x;root=y;", "");
	expect("foo=1 bar loglevel=2", 0, "?foo=1;?bar=;loglevel=2;", "");
	expect("initrd=/boot/initrd quiet", 0, "quiet=;", "");
	expect("console", 0, "console=;", "");
	expect("Console=x", 0, "?Console=x;", "");
	expect("", 0, "", "");
	expect("   \t  \n ", 0, "", "");

	expect("=x quiet", -1, "quiet=;", "empty key in the word at column 0");
	expect("quiet = loglevel=1", -1, "quiet=;loglevel=1;", "empty key in the word at column 6");
	expect("quiet \"\"", -1, "quiet=;", "empty key");
	expect("quiet console=\"ttyS0", -1, "quiet=;",
	       "unterminated quote in the word at column 6");
	expect("=a =b", -2, "", "empty key in the word at column 0 (+1 more)");
}

/*
 * Parse @line with an error buffer of exactly @len heap bytes (ASan sees overruns); true if
 * it then holds the first @len - 1 characters of @full, or is untouched when @len is 0.
 */
static bool err_cut_ok(const char *line, const char *full, size_t len)
{
	char *small = malloc(len ? len : 1);
	size_t want = MIN(len ? len - 1 : 0, strlen(full));
	char buf[64];
	bool ok;

	small[0] = 'x';
	cmdline_parse(line, buf, sizeof(buf), params, NULL, NULL, small, len);
	ok = len ? strlen(small) == want && !strncmp(small, full, want) : small[0] == 'x';
	free(small);
	return ok;
}

static void test_parse_limits(void)
{
	static char long_line[5000];
	int ret, n = 0;
	size_t i;
	char buf[16];

	/* "quiet loglevel=12": 6 + 12 bytes needed; with 16 the second word must be dropped */
	ret = run("quiet loglevel=12", 16);
	tap_ok(ret == -1 && !strcmp(log_buf, "quiet=;") &&
		       strstr(err, "does not fit in the 16-byte buffer; ignored from column 6"),
	       "over-long line: whole words only [%s] \"%s\"", log_buf, err);

	ret = run("quiet loglevel=12", 18);
	tap_ok(ret == 0 && !strcmp(log_buf, "quiet=;loglevel=12;"), "exactly fitting buffer");

	ret = run("quiet", 0);
	tap_ok(ret == -1 && !strcmp(log_buf, ""), "zero-length buffer: \"%s\"", err);

	ret = run("", 0);
	tap_ok(ret == 0, "empty line with zero-length buffer");

	ret = cmdline_parse(NULL, buf, sizeof(buf), params, NULL, NULL, NULL, 0);
	tap_ok(ret == 0, "NULL cmdline, NULL err buffer");

	/* 2500 spaces then 'x': lots of whitespace, and a word past any small buffer's reach */
	memset(long_line, ' ', sizeof(long_line) - 1);
	long_line[2500] = 'x';
	ret = run(long_line, 8);
	tap_ok(ret == 0 && !strcmp(log_buf, "?x=;"), "2500 spaces around one word");

	/* 1000 words "a=b", counted through the context pointer; each needs 4 buffer bytes */
	long_line[0] = '\0';
	for (i = 0; i < 1000; i++)
		strcat(long_line, "a=b ");
	ret = cmdline_parse(long_line, NULL, 0, NULL, count_call, &n, err, sizeof(err));
	tap_ok(ret == -1 && n == 0, "no buffer: nothing dispatched, one problem");
	{
		char *big = malloc(4000);

		n = 0;
		ret = cmdline_parse(long_line, big, 4000, NULL, count_call, &n, err, sizeof(err));
		tap_ok(ret == 0 && n == 1000, "4000-byte buffer holds all 1000 words (%d)", n);
		n = 0;
		ret = cmdline_parse(long_line, big, 3999, NULL, count_call, &n, err, sizeof(err));
		tap_ok(ret == -1 && n == 999, "3999 bytes hold 999 of them (%d)", n);
		free(big);
	}

	ret = cmdline_parse("a b c", buf, sizeof(buf), params, NULL, NULL, err, 8);
	tap_ok(ret == 0 && err[0] == '\0', "unknown words with NULL on_unknown are ignored");

	ret = cmdline_parse("=", buf, sizeof(buf), params, NULL, NULL, err, 8);
	tap_ok(ret == -1 && strlen(err) == 7, "error text cut to err_len - 1: \"%s\"", err);

	/* every cut of a message with a " (+1 more)" tail */
	cmdline_parse("=a =b", buf, sizeof(buf), params, NULL, NULL, err, sizeof(err));
	for (i = 0; i <= strlen(err) + 1 && err_cut_ok("=a =b", err, i); i++)
		;
	tap_ok(i > strlen(err) + 1, "\"%s\" cut right at every err_len below %zu", err, i);
}

static void test_get(void)
{
	char out[16];
	bool ok;

	ok = cmdline_get("console=ttyS0 loglevel=7", "loglevel", out, sizeof(out));
	tap_ok(ok && !strcmp(out, "7"), "get loglevel");
	ok = cmdline_get("console=ttyS0 loglevel=7", "log", out, sizeof(out));
	tap_ok(!ok && out[0] == '\0', "get: key prefix does not match");
	ok = cmdline_get("loglevelx=1", "loglevel", out, sizeof(out));
	tap_ok(!ok, "get: longer key does not match");
	ok = cmdline_get("quiet loglevel=7", "quiet", out, sizeof(out));
	tap_ok(ok && out[0] == '\0', "get: flag gives \"\"");
	ok = cmdline_get("root=a root=b", "root", out, sizeof(out));
	tap_ok(ok && !strcmp(out, "b"), "get: last occurrence wins");
	ok = cmdline_get("console=\"ttyS0 115200\" x", "console", out, sizeof(out));
	tap_ok(ok && !strcmp(out, "ttyS0 115200"), "get: quoted value");
	ok = cmdline_get("\"key\"=v", "key", out, sizeof(out));
	tap_ok(ok && !strcmp(out, "v"), "get: quoted key");
	ok = cmdline_get("root=/dev/sda12345678901234", "root", out, sizeof(out));
	tap_ok(!ok && out[0] == '\0', "get: value too long is refused, not cut");
	ok = cmdline_get("root=ok root=\"open", "root", out, sizeof(out));
	tap_ok(ok && !strcmp(out, "ok"), "get: unterminated later word ignored");
	ok = cmdline_get("nosmp", "nosmp", NULL, 0);
	tap_ok(ok, "get: presence test with NULL out");
	ok = cmdline_get(NULL, "x", out, sizeof(out)) || cmdline_get("x", "", out, sizeof(out)) ||
	     cmdline_get("=x", "", out, sizeof(out));
	tap_ok(!ok, "get: NULL line and empty key give false");
	ok = cmdline_get("", "x", out, 1);
	tap_ok(!ok && out[0] == '\0', "get: empty line");
}

int main(void)
{
	tap_plan(45);
	test_parse();
	test_parse_limits();
	test_get();
	return tap_done();
}
