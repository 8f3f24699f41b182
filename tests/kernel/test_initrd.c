/*
 * The initrd as the kernel booted with it (scripts/mkiso loads build/initrd.cpio): the user
 * programs are there and pass the ELF checks, the module's pages are never handed out, and a
 * damaged archive is refused with a message while the one in use stays.
 */
#include "arch/x86_64/paging.h"
#include "boot/setup.h"
#include "kernel/debug/ktest.h"
#include "kernel/lib/errno.h"
#include "kernel/lib/string.h"
#include "kernel/printk/printk.h"
#include "kernel/user/elf.h"
#include "kernel/user/initrd.h"
#include "mm/buddy.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"

static const char *const programs[] = { "hello",	 "exit42",     "segv",
					"stackoverflow", "recurse",    "sibling",
					"fuzz",		 "spawnloop",  "badptr",
					"bench_exit",	 "bench_null", "bench_yield",
					"stackentropy",	 "stackleak",  "bench_kstack" };

KTEST(initrd, finds_hello)
{
	struct elf_image im;
	const void *data;
	const char *why;
	size_t len;

	KT_ASSERT(initrd_find("hello", &data, &len) == 0);
	KT_EXPECT_MSG(elf_parse(data, len, &im, &why) == 0, "elf_parse: %s", why);
	KT_EXPECT(im.entry == USER_BASE);
	KT_EXPECT(initrd_find("no-such-program", &data, &len) == -ENOENT);
	KT_EXPECT(initrd_find("hell", &data, &len) == -ENOENT);
}

static void check_one(const char *name, size_t len, void *arg)
{
	struct elf_image im;
	const void *data;
	const char *why = NULL;
	size_t found;

	(*(int *)arg)++;
	KT_EXPECT_MSG(!initrd_find(name, &data, &found) && found == len, "%s not found again",
		      name);
	KT_EXPECT_MSG(elf_parse(data, len, &im, &why) == 0, "%s: elf_parse: %s", name, why);
}

KTEST(initrd, every_program_there_and_valid)
{
	const void *data;
	size_t len, i;
	int n = 0;

	for (i = 0; i < ARRAY_SIZE(programs); i++)
		KT_EXPECT_MSG(!initrd_find(programs[i], &data, &len), "%s missing", programs[i]);
	KT_EXPECT(initrd_for_each(check_one, &n) == n);
	KT_EXPECT(n >= (int)ARRAY_SIZE(programs));
}

/* The multiboot2 module the initrd was found in. */
static const struct mb2_module *initrd_module(void)
{
	const struct mb2_info *mb = &boot_params.mb;
	const void *data;
	size_t len;
	u64 pa;
	u32 i;

	if (initrd_find("hello", &data, &len))
		return NULL;
	pa = virt_to_phys(data);
	for (i = 0; i < mb->nr_modules; i++) {
		if (mb->modules[i].start <= pa && pa + len <= mb->modules[i].end)
			return &mb->modules[i];
	}
	return NULL;
}

/*
 * Take every free page, largest blocks first, and look for one inside the module: there must be
 * none. The blocks are chained through their first words, then all given back.
 */
KTEST(initrd, module_pages_never_allocated)
{
	const struct mb2_module *m = initrd_module();
	u64 before = nr_free_pages(), taken = 0, inside = 0;
	void *list = NULL, *p;
	int order;

	KT_ASSERT(m);
	for (order = MAX_PAGE_ORDER; order >= 0; order--) {
		while ((p = alloc_pages(order))) {
			u64 pa = virt_to_phys(p), size = PAGE_SIZE << order;

			if (pa < m->end && m->start < pa + size)
				inside++;
			((void **)p)[0] = list;
			((u64 *)p)[1] = order;
			list = p;
			taken += 1UL << order;
		}
	}
	while (list) {
		p = list;
		list = ((void **)p)[0];
		free_pages(p, ((u64 *)p)[1]);
	}
	printk("# took all %lu free pages; %lu blocks in the initrd at %#x-%#x\n", taken, inside,
	       m->start, m->end);
	KT_EXPECT(inside == 0);
	KT_EXPECT(taken >= before / 2); /* the walk did empty the allocator */
	KT_EXPECT(nr_free_pages() == before);
	/* And the archive is intact. */
	KT_EXPECT(initrd_init(phys_to_virt(m->start), m->end - m->start) >=
		  (int)ARRAY_SIZE(programs));
}

/* A damaged copy (cut short, or a header's magic broken) is refused, and the archive stays. */
KTEST(initrd, damaged_copy_refused_old_kept)
{
	const struct mb2_module *m = initrd_module();
	const void *before, *after;
	size_t len, blen, alen;
	unsigned int order;
	u64 mark;
	u8 *copy;

	KT_ASSERT(m);
	KT_ASSERT(!initrd_find("hello", &before, &blen));
	len = m->end - m->start;
	/* Pages, not vmalloc: its kmalloc'ed area records would change the slabs other tests of
	 * this boot see (mm.kmalloc_double_free_reported needs its object's slab kept). */
	for (order = 0; (PAGE_SIZE << order) < len; order++)
		;
	KT_ASSERT(order <= MAX_PAGE_ORDER);
	copy = alloc_pages(order);
	KT_ASSERT(copy);
	memcpy(copy, phys_to_virt(m->start), len);

	mark = printk_log_mark();
	KT_EXPECT(initrd_init(copy, len / 2) == -EINVAL);
	KT_EXPECT(printk_log_contains(mark, "initrd: malformed archive"));
	KT_EXPECT(printk_log_contains(mark, "runs past the end"));

	mark = printk_log_mark();
	copy[1] = 'X'; /* the first header's magic */
	KT_EXPECT(initrd_init(copy, len) == -EINVAL);
	KT_EXPECT(printk_log_contains(mark, "bad magic"));

	/* Still the module's archive, not the copy. */
	KT_EXPECT(!initrd_find("hello", &after, &alen) && after == before && alen == blen);
	free_pages(copy, order);
}
