/*
 * Shell-style wildcard matching, for things like "boot.*" or "mm.vmalloc*" in debug filters.
 *
 *	*	any run of characters, including none
 *	?	exactly one character
 *	[abc]	one character from the set; ranges "a-z"; "[!x]" (or "[^x]") negates.
 *		A ']' right after '[' or "[!" is a literal member; '-' first or last is
 *		literal. A '[' with no closing ']' matches itself.
 *
 * The whole string must match. There is no escape character and '/' is not special.
 * Iterative with O(1) state: safe on a small kernel stack, and at worst
 * O(strlen(pattern) * strlen(str)) steps, whatever the pattern.
 *
 * Pure logic: no libc, no allocation.
 */
#ifndef KERNEL_GLOB_H
#define KERNEL_GLOB_H

#include "kernel/lib/types.h"

bool glob_match(const char *pattern, const char *str);

/*
 * A comma-separated list of globs, as test=<list> takes: does @str match one glob of @list
 * and none of those written with a leading '!' ("*,!sched_smp.*" is everything but
 * sched_smp)? A glob longer than GLOB_LIST_MAX characters matches nothing.
 */
#define GLOB_LIST_MAX 127
bool glob_list_match(const char *list, const char *str);

#endif
