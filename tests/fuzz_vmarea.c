/*
 * libFuzzer harness for mm/vmarea.c: the input bytes drive alloc/free/find on a small space;
 * after every operation the tree must pass vmarea_check() and agree with a naive model.
 * Any disagreement abort()s so the fuzzer keeps the input.
 *
 * clang -g -O1 -fsanitize=fuzzer,address,undefined -I. tests/fuzz_vmarea.c mm/vmarea.c \
 *       -o /tmp/fuzz_vmarea && /tmp/fuzz_vmarea -max_total_time=20
 */
// host-test-sources: mm/vmarea.c
#include "kernel/lib/types.h"
#include "mm/vmarea.h"

#include <stdio.h>
#include <stdlib.h>

#define SPACE_START 0x10000000UL
#define SPACE_PAGES 64
#define NR_SLOTS    16

static struct vmarea_space space;
static struct vmarea slots[NR_SLOTS];
static bool live[NR_SLOTS];

static void die(const char *what)
{
	fprintf(stderr, "fuzz_vmarea: %s\n", what);
	abort();
}

static void check(void)
{
	char why[128];

	if (vmarea_check(&space, why, sizeof(why)))
		die(why);
}

/* Naive first fit over the live slots: span start of the lowest hole of `span` pages, or 0. */
static u64 model_first_fit(u64 span)
{
	u64 lo = SPACE_START, end = SPACE_START + SPACE_PAGES * PAGE_SIZE;

	/* Repeatedly skip the live span that covers [lo, lo + span); O(n^2) but n <= 16. */
	for (;;) {
		u64 hi = lo + span * PAGE_SIZE;
		bool moved = false;
		int i;

		if (hi > end)
			return 0;
		for (i = 0; i < NR_SLOTS; i++) {
			struct vmarea *va = &slots[i];

			if (live[i] && va->span_start < hi && vmarea_span_end(va) > lo) {
				lo = vmarea_span_end(va);
				moved = true;
			}
		}
		if (!moved)
			return lo;
	}
}

/* The slot whose span covers addr, by brute force. */
static struct vmarea *model_find(u64 addr)
{
	int i;

	for (i = 0; i < NR_SLOTS; i++)
		if (live[i] && addr >= slots[i].span_start && addr < vmarea_span_end(&slots[i]))
			return &slots[i];
	return NULL;
}

static void do_alloc(int i, u8 a, u8 b)
{
	u64 npages = a % 20; /* 0 must fail */
	u32 guard = b % 4;
	u64 want = npages ? model_first_fit(npages + 2 * guard) : 0;
	int ret = vmarea_alloc(&space, &slots[i], npages, guard);

	if ((ret == 0) != (want != 0))
		die(ret ? "alloc failed though the model has room" : "alloc beyond the model");
	if (ret)
		return;
	if (slots[i].span_start != want)
		die("alloc is not first fit");
	if (slots[i].addr != want + guard * PAGE_SIZE || slots[i].npages != npages)
		die("alloc filled in the wrong fields");
	live[i] = true;
}

static void do_free(int i)
{
	vmarea_free(&space, &slots[i]);
	live[i] = false;
}

static void do_find(u8 a, u8 b)
{
	/* Probe from one page below the space to one page above it. */
	u64 off = ((u64)a << 8 | b) % ((SPACE_PAGES + 2) * PAGE_SIZE);
	u64 addr = SPACE_START - PAGE_SIZE + off;
	struct vmarea *va = model_find(addr);

	if (vmarea_find(&space, addr) != va)
		die("find disagrees with the model");
	if (vmarea_lookup(&space, addr) != (va && va->addr == addr ? va : NULL))
		die("lookup disagrees with the model");
	if (va && vmarea_in_guard(va, addr) != (addr < va->addr || addr >= vmarea_addr_end(va)))
		die("in_guard disagrees with the model");
	if (va && vmarea_lookup(&space, va->addr) != va)
		die("lookup of a live area failed");
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct vmarea full;
	size_t pos;
	int i;

	vmarea_space_init(&space, SPACE_START, SPACE_START + SPACE_PAGES * PAGE_SIZE);
	for (i = 0; i < NR_SLOTS; i++)
		live[i] = false;

	/* Each op is 3 bytes: [kind:2 | slot:6], a, b. */
	for (pos = 0; pos + 3 <= size; pos += 3) {
		u8 op = data[pos], a = data[pos + 1], b = data[pos + 2];
		int slot = (op >> 2) % NR_SLOTS;

		switch (op & 3) {
		case 0:
		case 1:
			if (live[slot])
				do_free(slot);
			else
				do_alloc(slot, a, b);
			break;
		case 2:
			if (live[slot])
				do_free(slot);
			break;
		case 3:
			do_find(a, b);
			break;
		}
		check();
	}

	/* Tear down: the space must come back empty and whole. */
	for (i = 0; i < NR_SLOTS; i++) {
		if (live[i]) {
			do_free(i);
			check();
		}
	}
	if (space.root || space.nr_areas || space.used_pages || space.span_pages_used)
		die("space not empty after freeing everything");
	if (vmarea_alloc(&space, &full, SPACE_PAGES, 0) || full.span_start != SPACE_START)
		die("full-size alloc failed on an empty space");
	return 0;
}
