/*
 * Exceptions: a deliberate #UD, #GP and #PF each produce the full oops (register dump,
 * symbolized backtrace naming the faulting function), and a test survives the fault it expected.
 */
#include "arch/x86_64/idt.h"
#include "kernel/debug/ktest.h"
#include "kernel/printk/printk.h"
#include "kernel/lib/vsprintf.h"
#include "kernel/stack.h"
#include "kernel/task.h"

static noinline void trigger_ud(void *arg)
{
	asm volatile("ud2");
}

static noinline void trigger_gp(void *arg)
{
	/* A non-canonical address: #GP, not #PF. */
	volatile u64 *p = (volatile u64 *)0x8000000000000000UL;

	(void)*p;
}

static noinline void trigger_pf(void *arg)
{
	/* The lowest kernel-half address: never mapped (the direct map starts far above). */
	volatile u64 *p = (volatile u64 *)0xffff800000001000UL;

	(void)*p;
}

/* Run fn expecting `vector`, then check the log for each of the oops' parts. */
static void expect_oops(void (*fn)(void *), u64 vector, const char *fn_name, const char *line)
{
	struct fault_record rec;
	u64 mark = printk_log_mark();
	char sym[64];

	KT_ASSERT(ktest_expect_fault(fn, NULL, &rec));
	KT_EXPECT_MSG(rec.vector == vector, "vector %lu, expected %lu", rec.vector, vector);
	KT_EXPECT(printk_log_contains(mark, line));
	KT_EXPECT(printk_log_contains(mark, "RIP: 0008:"));
	KT_EXPECT(printk_log_contains(mark, "RAX: "));
	KT_EXPECT(printk_log_contains(mark, "CR2: "));
	KT_EXPECT(printk_log_contains(mark, "Call Trace:"));
	/* The faulting function, symbolized with offset and size, and its caller. */
	snprintf(sym, sizeof(sym), "%s+0x", fn_name);
	KT_EXPECT_MSG(printk_log_contains(mark, sym), "no '%s' in the oops", sym);
	/* The caller: ktest_expect_fault()'s body, expect_fault() (kernel/debug/ktest.c). */
	KT_EXPECT(printk_log_contains(mark, "expect_fault+0x"));
}

KTEST(traps, invalid_opcode)
{
	expect_oops(trigger_ud, X86_TRAP_UD, "trigger_ud", "Oops: invalid opcode");
}

KTEST(traps, general_protection)
{
	expect_oops(trigger_gp, X86_TRAP_GP, "trigger_gp", "Oops: general protection fault");
}

KTEST(traps, page_fault)
{
	struct fault_record rec;
	u64 mark = printk_log_mark();

	expect_oops(trigger_pf, X86_TRAP_PF, "trigger_pf", "Oops: page fault");
	KT_EXPECT(printk_log_contains(mark, "#PF: supervisor read access in kernel mode"));
	KT_EXPECT(printk_log_contains(mark, "#PF: error_code(0x0000) - not-present page"));
	KT_EXPECT(printk_log_contains(mark, "unable to handle page fault for address: "
					    "ffff800000001000"));
	KT_ASSERT(ktest_expect_fault(trigger_pf, NULL, &rec));
	KT_EXPECT(rec.cr2 == 0xffff800000001000UL);
}

static void harmless(void *arg)
{
	*(int *)arg = 1;
}

KTEST(traps, no_fault_no_catch)
{
	struct fault_record rec;
	int ran = 0;

	/* A function that does not fault must come back as "no fault", having run. */
	KT_EXPECT(!ktest_expect_fault(harmless, &ran, &rec));
	KT_EXPECT(ran == 1);
}

/* Fault with only `left` bytes of the stack below: the #UD frame itself still fits. */
static noinline void ud_with_bytes_left(void *left)
{
	asm volatile("mov %0, %%rsp\n\t"
		     "ud2"
		     :
		     : "r"(current->stack.base + (u64)left));
}

/*
 * The oops of an expected fault takes more stack than a nearly full one has: it is printed
 * from the IRQ stack, and the test gets its fault back, down to a few hundred bytes left.
 */
KTEST(traps, an_expected_fault_with_little_stack_left_is_caught)
{
	static const u64 lefts[] = { 1024, 768, 512, 384 };
	struct fault_record rec;
	unsigned int i;

	if (!VMAP_STACK) {
		ktest_skip("VMAP_STACK=n: no guard would catch the report running off the stack");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(lefts); i++) {
		rec.vector = 0;
		KT_ASSERT(ktest_expect_fault(ud_with_bytes_left, (void *)lefts[i], &rec));
		KT_EXPECT_MSG(rec.vector == X86_TRAP_UD, "%lu bytes left: vector %lu", lefts[i],
			      rec.vector);
	}
}
