/*
 * The shell: a line editor on the console and a table of commands. It is the top layer: it may
 * call any part of the kernel, and nothing calls it.
 *
 * Editing keys: Backspace, Ctrl-U (erase line), Ctrl-W (erase word), Ctrl-C (drop line),
 * Ctrl-L (redraw), Up/Down (history). Any other control byte or a non-ASCII byte makes the line
 * invalid: it is reported when Enter is pressed and not run.
 */
#include "kernel/shell/shell.h"
#include "kernel/printk/console.h"
#include "kernel/printk/printk.h"
#include "kernel/lib/string.h"

#define HISTORY_SIZE 16

struct line_editor {
	char buf[SHELL_LINE_MAX];
	u32 len;
	u32 dropped;   /* bytes beyond SHELL_LINE_MAX - 1 */
	int bad_byte;  /* first control/non-ASCII byte, or -1 */
	int esc_state; /* 0 none, 1 after ESC, 2 inside ESC [ ... */
	bool last_was_cr;
	int hist_pos; /* how far back in history Up has gone */
};

static char history[HISTORY_SIZE][SHELL_LINE_MAX];
static int history_count;

extern const struct shell_command shell_commands[];
extern const int shell_nr_commands;

/* Echo and prompt go straight to the consoles: they are not log messages. */
static void out(const char *s)
{
	console_print(s, strlen(s), LOGLEVEL_INFO);
}

static void erase_chars(u32 n)
{
	while (n--)
		out("\b \b");
}

static void replace_line(struct line_editor *ed, const char *text)
{
	erase_chars(ed->len);
	ed->len = strlcpy(ed->buf, text, sizeof(ed->buf));
	out(ed->buf);
}

static void history_step(struct line_editor *ed, int dir)
{
	int pos = ed->hist_pos + dir;

	if (pos < 0 || pos > MIN(history_count, HISTORY_SIZE))
		return;
	ed->hist_pos = pos;
	replace_line(ed, pos ? history[(history_count - pos) % HISTORY_SIZE] : "");
}

static void history_add(const char *line)
{
	if (!*line || (history_count && !strcmp(history[(history_count - 1) % HISTORY_SIZE], line)))
		return;
	strlcpy(history[history_count % HISTORY_SIZE], line, SHELL_LINE_MAX);
	history_count++;
}

/* Escape sequences: only the arrow keys mean something; the rest is swallowed whole. */
static void handle_escape(struct line_editor *ed, u8 c)
{
	if (ed->esc_state == 1) {
		ed->esc_state = (c == '[' || c == 'O') ? 2 : 0;
		return;
	}
	if (c >= 0x40 && c <= 0x7e) {
		ed->esc_state = 0;
		if (c == 'A')
			history_step(ed, 1);
		else if (c == 'B')
			history_step(ed, -1);
	}
}

static void erase_word(struct line_editor *ed)
{
	u32 n = ed->len;

	while (n && ed->buf[n - 1] == ' ')
		n--;
	while (n && ed->buf[n - 1] != ' ')
		n--;
	erase_chars(ed->len - n);
	ed->len = n;
}

static void reset_line(struct line_editor *ed)
{
	ed->len = 0;
	ed->dropped = 0;
	ed->bad_byte = -1;
	ed->hist_pos = 0;
}

/* Feed one byte; returns true when a complete line is ready in ed->buf. */
static bool edit_byte(struct line_editor *ed, u8 c)
{
	bool after_cr = ed->last_was_cr;

	ed->last_was_cr = c == '\r';
	if (ed->esc_state) {
		handle_escape(ed, c);
		return false;
	}
	switch (c) {
	case '\n':
		if (after_cr)
			return false; /* the \n of a \r\n pair */
				      /* fall through */
	case '\r':
		out("\n");
		ed->buf[ed->len] = '\0';
		return true;
	case 0x7f:
	case '\b':
		if (ed->len) {
			ed->len--;
			erase_chars(1);
		}
		return false;
	case 0x15: /* Ctrl-U */
		erase_chars(ed->len);
		reset_line(ed);
		return false;
	case 0x17: /* Ctrl-W */
		erase_word(ed);
		return false;
	case 0x03: /* Ctrl-C */
		out("^C\n");
		reset_line(ed);
		ed->buf[0] = '\0';
		return true;
	case 0x0c: /* Ctrl-L */
		ed->buf[ed->len] = '\0';
		out("\n$ ");
		out(ed->buf);
		return false;
	case 0x1b:
		ed->esc_state = 1;
		return false;
	}
	if (c < 0x20 || c >= 0x7f) {
		if (ed->bad_byte < 0)
			ed->bad_byte = c;
		return false;
	}
	if (ed->len + 1 >= SHELL_LINE_MAX) {
		ed->dropped++;
		return false;
	}
	ed->buf[ed->len++] = c;
	ed->buf[ed->len] = '\0';
	out(&ed->buf[ed->len - 1]);
	return false;
}

/* Say why a line is not run; returns true if it is fine. */
static bool line_is_valid(struct line_editor *ed)
{
	if (ed->bad_byte >= 0) {
		pr_err("shell: line ignored: it contains the %s byte 0x%02x\n",
		       ed->bad_byte < 0x80 ? "control" : "non-ASCII", ed->bad_byte);
		return false;
	}
	if (ed->dropped) {
		pr_err("shell: line ignored: %u bytes is too long (the limit is %d)\n",
		       ed->len + ed->dropped, SHELL_LINE_MAX - 1);
		return false;
	}
	return true;
}

static int split_args(char *line, char **argv)
{
	int argc = 0;

	for (;;) {
		while (*line == ' ' || *line == '\t')
			*line++ = '\0';
		if (!*line)
			return argc;
		if (argc == SHELL_MAX_ARGS)
			return -1;
		argv[argc++] = line;
		while (*line && *line != ' ' && *line != '\t')
			line++;
	}
}

int shell_exec(char *line)
{
	char *argv[SHELL_MAX_ARGS + 1];
	int argc = split_args(line, argv), i;

	if (argc < 0) {
		pr_err("shell: too many arguments (at most %d)\n", SHELL_MAX_ARGS - 1);
		return -1;
	}
	if (argc == 0)
		return 0;
	argv[argc] = NULL;
	for (i = 0; i < shell_nr_commands; i++) {
		if (!strcmp(argv[0], shell_commands[i].name))
			return shell_commands[i].fn(argc, argv);
	}
	pr_err("shell: unknown command '%s' (type 'help' for the list)\n", argv[0]);
	return -1;
}

void shell_run(void)
{
	static struct line_editor ed;

	printk("\nType 'help' for the list of commands.\n");
	for (;;) {
		reset_line(&ed);
		out("$ ");
		while (!edit_byte(&ed, console_getc()))
			;
		if (!line_is_valid(&ed))
			continue;
		history_add(ed.buf);
		shell_exec(ed.buf);
	}
}
