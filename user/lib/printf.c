/*
 * printf for user programs: formats into a buffer and writes it with one SYS_write, so a line
 * printed at once is not split by another process's output. Integers, strings and characters
 * only (the runtime is built without floating point).
 */
#include "user/lib/ulib.h"

#define PRINTF_BUF 512

/* Where formatted text goes: buf[0..size-1] (always NUL-terminated); len counts it all. */
struct sink {
	char *buf;
	size_t size, len;
};

static void put(struct sink *s, char c)
{
	if (s->len + 1 < s->size)
		s->buf[s->len] = c;
	s->len++;
}

static void put_num(struct sink *s, unsigned long v, unsigned base, bool neg, int width, char pad)
{
	char digits[24];
	int n = 0;

	do {
		digits[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg && pad == '0')
		put(s, '-');
	for (width -= n + neg; width > 0; width--)
		put(s, pad);
	if (neg && pad != '0')
		put(s, '-');
	while (n)
		put(s, digits[--n]);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = { buf, size, 0 };

	for (; *fmt; fmt++) {
		int width = 0, longs = 0;
		bool alt = false;
		char pad = ' ';
		const char *str;
		long v;

		if (*fmt != '%') {
			put(&s, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == '#') {
			alt = true;
			fmt++;
		}
		if (*fmt == '0')
			pad = '0';
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + *fmt++ - '0';
		while (*fmt == 'l' || *fmt == 'z') {
			longs++;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
		case 'i':
			v = longs ? va_arg(ap, long) : va_arg(ap, int);
			put_num(&s, v < 0 ? -(unsigned long)v : (unsigned long)v, 10, v < 0, width,
				pad);
			break;
		case 'u':
		case 'x':
			if (alt && *fmt == 'x') {
				put(&s, '0');
				put(&s, 'x');
			}
			put_num(&s, longs ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int),
				*fmt == 'u' ? 10 : 16, false, width, pad);
			break;
		case 'p':
			put(&s, '0');
			put(&s, 'x');
			put_num(&s, (unsigned long)va_arg(ap, void *), 16, false, width, pad);
			break;
		case 's':
			str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			for (width -= (int)strlen(str); width > 0; width--)
				put(&s, ' ');
			while (*str)
				put(&s, *str++);
			break;
		case 'c':
			put(&s, (char)va_arg(ap, int));
			break;
		case '%':
			put(&s, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			put(&s, '%');
			put(&s, *fmt);
		}
	}
	if (size)
		buf[s.len < size ? s.len : size - 1] = '\0';
	return (int)s.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int printf(const char *fmt, ...)
{
	char buf[PRINTF_BUF];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1; /* cut, rather than a second write another line could split */
	return write(1, buf, n);
}

int puts(const char *s)
{
	return printf("%s\n", s);
}
