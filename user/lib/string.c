/* The string and memory functions of the user runtime. */
#include "user/lib/ulib.h"

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

/* The compiler may call memset and memcpy on its own (to clear or copy a struct): keep them. */
void *memset(void *s, int c, size_t n)
{
	unsigned char *p = s;

	while (n--)
		*p++ = (unsigned char)c;
	return s;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

unsigned long strtoul(const char *s, char **end)
{
	unsigned long v = 0, base = 10;
	int digit;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (;; s++) {
		if (*s >= '0' && *s <= '9')
			digit = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			digit = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			digit = *s - 'A' + 10;
		else
			break;
		v = v * base + digit;
	}
	if (end)
		*end = (char *)s;
	return v;
}

unsigned long arg_num(int argc, char **argv, int i, unsigned long def)
{
	char *end;
	unsigned long v;

	if (i >= argc || !argv || !argv[i] || !argv[i][0])
		return def;
	v = strtoul(argv[i], &end);
	return *end ? def : v;
}
