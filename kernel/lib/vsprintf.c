#include "kernel/lib/vsprintf.h"

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_padded(struct out *o, const char *s, size_t n, int width, bool left, char pad)
{
	int fill = width > (int)n ? width - (int)n : 0;

	/* With zero padding the sign must come before the zeros: "-0042", not "00-42". */
	if (!left && pad == '0' && n && *s == '-') {
		put(o, *s++);
		n--;
	}
	while (!left && fill-- > 0)
		put(o, pad);
	while (n--)
		put(o, *s++);
	while (left && fill-- > 0)
		put(o, ' ');
}

static size_t format_number(char *tmp, u64 v, unsigned int base, bool upper, bool negative)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char rev[24];
	size_t n = 0, i = 0;

	do {
		rev[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (negative)
		tmp[i++] = '-';
	while (n)
		tmp[i++] = rev[--n];
	return i;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	char tmp[32];

	for (; *fmt; fmt++) {
		bool left = false, upper = false, is_signed = false, alt = false;
		int width = 0, precision = -1, lng = 0;
		char pad = ' ';
		unsigned int base = 10;
		u64 v;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '#')
				alt = true;
			else if (*fmt == '0')
				pad = '0';
			else
				break;
		}
		if (*fmt == '*') {
			width = va_arg(ap, int);
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		if (*fmt == '.') {
			fmt++;
			precision = 0;
			if (*fmt == '*') {
				precision = va_arg(ap, int);
				fmt++;
			}
			while (*fmt >= '0' && *fmt <= '9')
				precision = precision * 10 + (*fmt++ - '0');
		}
		while (*fmt == 'l' || *fmt == 'z') {
			lng++;
			fmt++;
		}

		switch (*fmt) {
		case 'c':
			tmp[0] = (char)va_arg(ap, int);
			put_padded(&o, tmp, 1, width, left, ' ');
			continue;
		case 's': {
			const char *s = va_arg(ap, const char *);
			size_t n;

			if (!s)
				s = "(null)";
			n = precision >= 0 ? 0 : (size_t)-1;
			if (precision >= 0) {
				while ((int)n < precision && s[n])
					n++;
			} else {
				for (n = 0; s[n]; n++)
					;
			}
			put_padded(&o, s, n, width, left, ' ');
			continue;
		}
		case 'p':
			v = (u64)(uintptr_t)va_arg(ap, void *);
			tmp[0] = '0';
			tmp[1] = 'x';
			put_padded(&o, tmp, 2 + format_number(tmp + 2, v, 16, false, false), width,
				   left, ' ');
			continue;
		case 'd':
		case 'i':
			is_signed = true;
			break;
		case 'u':
			break;
		case 'X':
			upper = true;
			/* fall through */
		case 'x':
			base = 16;
			break;
		case 'o':
			base = 8;
			break;
		case '%':
			put(&o, '%');
			continue;
		default:
			/* Unknown conversion: print it as is, so the mistake is visible. */
			put(&o, '%');
			if (!*fmt)
				goto done;
			put(&o, *fmt);
			continue;
		}

		if (is_signed) {
			s64 sv = lng ? va_arg(ap, s64) : va_arg(ap, int);

			v = sv < 0 ? -(u64)sv : (u64)sv;
			put_padded(&o, tmp, format_number(tmp, v, base, upper, sv < 0), width, left,
				   pad);
		} else {
			size_t n = 0;

			v = lng ? va_arg(ap, u64) : va_arg(ap, unsigned int);
			/* The '#' flag: 0x in front of hex, as in C's printf. */
			if (alt && base == 16) {
				tmp[n++] = '0';
				tmp[n++] = 'x';
			}
			n += format_number(tmp + n, v, base, upper, false);
			put_padded(&o, tmp, n, width, left, pad);
		}
	}
done:
	if (o.size)
		o.buf[o.len < o.size ? o.len : o.size - 1] = '\0';
	return (int)o.len;
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
