/*
 * Host unit tests for kernel/lib/glob.c.
 */
#include <string.h>
#include <time.h>

#include "kernel/lib/types.h"
#include "kernel/lib/glob.h"
#include "tests/tap.h"

static void expect(const char *pattern, const char *str, bool want)
{
	tap_ok(glob_match(pattern, str) == want, "\"%s\" %s \"%s\"", pattern,
	       want ? "matches" : "does not match", str);
}

static const struct {
	const char *pattern, *str;
	bool want;
} cases[] = {
	{ "", "", true },
	{ "", "a", false },
	{ "a", "", false },
	{ "abc", "abc", true },
	{ "abc", "abd", false },
	{ "abc", "ab", false },
	{ "ab", "abc", false },
	{ "*", "", true },
	{ "*", "anything", true },
	{ "**", "x", true },
	{ "boot.*", "boot.cmdline", true },
	{ "boot.*", "boot.", true },
	{ "boot.*", "boot", false },
	{ "boot.*", "reboot.x", false },
	{ "mm.vmalloc*", "mm.vmalloc", true },
	{ "mm.vmalloc*", "mm.vmalloc_area", true },
	{ "mm.vmalloc*", "mm.vmap", false },
	{ "*.c", "kernel/init/main.c", true },
	{ "*.c", "main.h", false },
	{ "a*b*c", "aXXbYYc", true },
	{ "a*b*c", "aXXcYYb", false },
	{ "*ab", "aab", true },
	{ "*aab", "aaab", true },
	{ "?", "x", true },
	{ "?", "", false },
	{ "?", "xy", false },
	{ "??.*", "mm.x", true },
	{ "a?c", "abc", true },
	{ "a?c", "ac", false },
	{ "[abc]", "b", true },
	{ "[abc]", "d", false },
	{ "[a-z]x", "qx", true },
	{ "[a-z]x", "Qx", false },
	{ "[0-9a-f]*", "c0ffee", true },
	{ "[!x]", "y", true },
	{ "[!x]", "x", false },
	{ "[^x]", "x", false },
	{ "[!a-c]z", "dz", true },
	{ "[!a-c]z", "bz", false },
	{ "[]]", "]", true },
	{ "[!]]", "]", false },
	{ "[!]]", "a", true },
	{ "[a-]", "-", true },
	{ "[-a]", "-", true },
	{ "[z-a]", "m", false },
	{ "[abc", "[abc", true },
	{ "[abc", "a", false },
	{ "x[", "x[", true },
	{ "*[0-9]", "cpu7", true },
	{ "*[0-9]", "cpu", false },
	{ "cpu[0-9]*.irq?", "cpu12.irq3", true },
	{ "*?", "", false },
	{ "*?", "a", true },
	{ "\xe9*", "\xe9t\xe9", true },
	{ "[\x80-\xff]", "\xe9", true },
};

/* The classic worst case for naive backtracking: exponential there, quadratic here. */
static void test_pathological(void)
{
	static char str[20001];
	clock_t t0;
	double secs;
	bool r1, r2;

	memset(str, 'a', sizeof(str) - 1);
	t0 = clock();
	r1 = glob_match("a*a*a*a*b", str);
	r2 = glob_match("*a*a*a*a*a*a*a*a*a*a*", str);
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	tap_ok(!r1 && r2, "a*a*a*a*b on 20000 'a's is false, many stars true");
	tap_ok(secs < 2.0, "pathological patterns took %.3f s", secs);
	str[sizeof(str) - 2] = 'b';
	tap_ok(glob_match("a*a*a*a*b", str), "a*a*a*a*b matches when the 'b' is there");
}

static const struct {
	const char *list, *str;
	bool want;
} lists[] = {
	{ "*", "mm.vmalloc", true },
	{ "boot.*,mm.*", "mm.vmalloc", true },
	{ "boot.*,mm.*", "task.reap", false },
	{ "mm.*,", "mm.x", true },
	{ ",mm.*", "mm.x", true },
	{ "", "mm.x", false },
	{ "*,!sched_smp.*", "mm.vmalloc", true },
	{ "*,!sched_smp.*", "sched_smp.create", false },
	{ "!sched_smp.*,*", "sched_smp.create", false },
	{ "!sched_smp.*", "mm.vmalloc", false },
	{ "*,!a,!b", "b", false },
	{ "*,!a,!b", "c", true },
	{ "[!x]", "y", true },
	{ "[!x]", "x", false },
	{ "!", "", false },
	{ "*,!", "", false },
	{ "*,!", "a", true },
};

static void expect_list(const char *list, const char *str, bool want)
{
	tap_ok(glob_list_match(list, str) == want, "list \"%s\" %s \"%s\"", list,
	       want ? "selects" : "does not select", str);
}

/* A glob too long for the copy matches nothing, and does not stop the ones after it. */
static void test_long_element(void)
{
	static char list[GLOB_LIST_MAX + 16];

	memset(list, '*', GLOB_LIST_MAX + 1);
	strcpy(list + GLOB_LIST_MAX + 1, ",b");
	tap_ok(!glob_list_match(list, "a"), "a glob of %d characters matches nothing",
	       GLOB_LIST_MAX + 1);
	tap_ok(glob_list_match(list, "b"), "the glob after a too long one still counts");
	list[GLOB_LIST_MAX] = '\0';
	tap_ok(glob_list_match(list, "a"), "a glob of %d characters matches", GLOB_LIST_MAX);
}

int main(void)
{
	size_t i;

	tap_plan(ARRAY_SIZE(cases) + ARRAY_SIZE(lists) + 6);
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		expect(cases[i].pattern, cases[i].str, cases[i].want);
	for (i = 0; i < ARRAY_SIZE(lists); i++)
		expect_list(lists[i].list, lists[i].str, lists[i].want);
	test_long_element();
	test_pathological();
	return tap_done();
}
