#include "mm/fail.h"
#include "arch/x86_64/asm/irqflags.h"

/* Read and written with interrupts off: an interrupt handler could allocate in between. */
u64 fail_nth; /* read unlocked by should_fail_alloc() */
static u64 seen, injected;

void fail_nth_set(u64 n)
{
	u64 flags = local_irq_save();

	fail_nth = n;
	seen = 0;
	local_irq_restore(flags);
}

u64 fail_nth_count(void)
{
	return seen;
}

u64 fail_nth_injected(void)
{
	return injected;
}

bool should_fail_alloc_count(void)
{
	u64 flags;
	bool fail;

	if (!fail_nth)
		return false;
	flags = local_irq_save();
	fail = fail_nth && ++seen == fail_nth;
	if (fail) {
		fail_nth = 0;
		injected++;
	}
	local_irq_restore(flags);
	return fail;
}
