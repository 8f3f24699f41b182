/*
 * Wildcard matching. See glob.h for the syntax.
 *
 * The star handling is the classic two-pointer method: remember the position just after
 * the most recent '*' and the string position it was tried at. On a mismatch, let that
 * star swallow one more character and retry from there. Earlier stars never need to be
 * revisited: whatever they could swallow, the latest star can swallow too, because the
 * text between stars only has to appear somewhere later in the string. So there is no
 * recursion and no exponential backtracking.
 */
#include "kernel/lib/types.h"
#include "kernel/lib/glob.h"

/*
 * Match @c against the class starting at @p (just after '['). Returns a pointer just past
 * the closing ']' and sets *@matched, or returns NULL if the class is not closed (the
 * caller then treats '[' as an ordinary character).
 */
static const char *match_class(const char *p, unsigned char c, bool *matched)
{
	bool negate = false;
	bool hit = false;
	bool first = true;

	if (*p == '!' || *p == '^') {
		negate = true;
		p++;
	}
	for (; *p; first = false) {
		unsigned char lo = (unsigned char)*p;
		unsigned char hi = lo;

		/* a ']' that opens the set is a member, not the end */
		if (lo == ']' && !first) {
			*matched = hit != negate;
			return p + 1;
		}
		if (p[1] == '-' && p[2] && p[2] != ']') {
			hi = (unsigned char)p[2];
			p += 3;
		} else {
			p++;
		}
		if (lo <= c && c <= hi)
			hit = true;
	}
	return NULL;
}

/*
 * Does the pattern element at *@pp match character @c? On a match, *@pp is advanced past
 * the element. @c is never '\0' here.
 */
static bool match_one(const char **pp, unsigned char c)
{
	const char *p = *pp;
	const char *next;
	bool matched;

	if (*p == '?') {
		*pp = p + 1;
		return true;
	}
	if (*p == '[') {
		next = match_class(p + 1, c, &matched);
		if (next) {
			if (matched)
				*pp = next;
			return matched;
		}
		/* unclosed: fall through and compare '[' literally */
	}
	if ((unsigned char)*p == c) {
		*pp = p + 1;
		return true;
	}
	return false;
}

bool glob_match(const char *pattern, const char *str)
{
	const char *p = pattern;
	const char *s = str;
	const char *star_p = NULL; /* pattern just after the latest '*' */
	const char *star_s = NULL; /* where in str that star's match currently ends */

	while (*s) {
		if (*p == '*') {
			while (*p == '*')
				p++;
			star_p = p;
			star_s = s;
			continue;
		}
		if (*p && match_one(&p, (unsigned char)*s)) {
			s++;
			continue;
		}
		if (!star_p)
			return false;
		/* let the latest star swallow one more character and retry */
		p = star_p;
		s = ++star_s;
	}
	/* the string is used up: only stars may be left in the pattern */
	while (*p == '*')
		p++;
	return *p == '\0';
}

/* Copy the list element at @list (up to ',' or the end) into @one; false if it is too long. */
static bool list_element(const char *list, size_t n, char one[GLOB_LIST_MAX + 1])
{
	size_t i;

	if (n > GLOB_LIST_MAX)
		return false;
	for (i = 0; i < n; i++)
		one[i] = list[i];
	one[n] = '\0';
	return true;
}

bool glob_list_match(const char *list, const char *str)
{
	char one[GLOB_LIST_MAX + 1];
	bool selected = false;
	size_t n;

	for (;;) {
		for (n = 0; list[n] && list[n] != ','; n++)
			;
		if (list_element(list, n, one)) {
			/* An exclusion wins over any glob that selects, whatever the order. */
			if (one[0] == '!' && glob_match(one + 1, str))
				return false;
			if (one[0] != '!' && glob_match(one, str))
				selected = true;
		}
		if (!list[n])
			return selected;
		list += n + 1;
	}
}
