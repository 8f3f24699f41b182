/*
 * Frame-pointer backtraces. With -fno-omit-frame-pointer every function starts with
 * push %rbp; mov %rsp, %rbp, so [rbp] holds the caller's rbp and [rbp + 8] the return address:
 *
 *   higher addresses
 *   | return address |  <- rbp + 8
 *   | caller's rbp   |  <- rbp
 *   | locals ...     |
 */
#include "arch/x86_64/stacktrace.h"
#include "arch/x86_64/core.h"
#include "arch/x86_64/paging.h"
#include "kernel/lib/ksyms.h"
#include "kernel/lib/string.h"
#include "kernel/printk/printk.h"

static bool frame_readable(u64 rbp, u64 lo, u64 hi)
{
	if (!rbp || (rbp & 7))
		return false;
	if (lo < hi)
		return rbp >= lo && rbp + 16 <= hi;
	/* No bounds given: both words must be on a mapped kernel page. */
	return rbp >= KERNEL_HALF_START && kernel_page_mapped(rbp) && kernel_page_mapped(rbp + 8);
}

static void print_frame(u64 addr, bool is_return)
{
	char sym[128];

	if (is_return)
		ksym_format_return(addr, sym, sizeof(sym));
	else
		ksym_format(addr, sym, sizeof(sym));
	printk(KERN_EMERG " [<%016lx>] %s\n", addr, sym);
}

/*
 * A function that faulted before its "push %rbp; mov %rsp, %rbp" finished (or a leaf that
 * never sets up a frame) has not linked itself into the chain yet: its return address is still
 * on top of the stack, and rbp is its caller's. Find that return address so the caller shows up.
 */
static u64 return_address_before_frame(u64 rip, u64 rsp, u64 lo, u64 hi)
{
	const char *name;
	u64 off, size, slot;
	const u8 *code;

	if (!ksym_lookup(rip, &name, &off, &size))
		return 0;
	code = (const u8 *)(rip - off);
	if (code[0] == 0x55 && code[1] == 0x48 && code[2] == 0x89 && code[3] == 0xe5) {
		if (off >= 4)
			return 0; /* the frame is complete: the rbp chain covers the caller */
		slot = off == 0 ? rsp : rsp + 8;
	} else {
		slot = rsp; /* a frameless leaf */
	}
	if (!frame_readable(slot & ~7UL, lo, hi))
		return 0;
	return *(u64 *)slot;
}

/*
 * The walk was bounded to [*lo, *hi) and the next frame is outside: if it is on another known
 * stack (the task an interrupt came from: kernel/cpu_stack.c knows the stacks), say so as Linux
 * does and carry on there.
 */
static bool cross_stack(u64 next, u64 *lo, u64 *hi, const char **name)
{
	const char *to;
	u64 nlo, nhi;

	if (*lo >= *hi || (next >= *lo && next < *hi))
		return false;
	to = stack_lookup(next, &nlo, &nhi);
	if (!to || nlo == *lo)
		return false;
	if (*name)
		printk(KERN_EMERG " </%s>\n", *name);
	printk(KERN_EMERG " <%s>\n", to);
	*name = to;
	*lo = nlo;
	*hi = nhi;
	return true;
}

void show_backtrace(u64 rip, u64 rsp, u64 rbp, u64 lo, u64 hi)
{
	const char *name = NULL;
	u64 caller;
	int depth;

	printk(KERN_EMERG "Call Trace:\n");
	/* A walk that starts off a task's stack names the stack it starts on. */
	if (lo < hi) {
		u64 l, h;

		name = stack_lookup(lo, &l, &h);
		if (name && strcmp(name, "TASK"))
			printk(KERN_EMERG " <%s>\n", name);
		else
			name = NULL;
	}
	print_frame(rip, false);
	if (rsp && (caller = return_address_before_frame(rip, rsp, lo, hi)))
		print_frame(caller, true);
	for (depth = 1; rbp; depth++) {
		u64 next, ret;

		if (depth == BACKTRACE_MAX_FRAMES) {
			printk(KERN_EMERG " ... (more frames not shown)\n");
			return;
		}
		if (!frame_readable(rbp, lo, hi)) {
			printk(KERN_EMERG " (frame pointer %016lx is not on the stack: stop)\n",
			       rbp);
			return;
		}
		next = ((u64 *)rbp)[0];
		ret = ((u64 *)rbp)[1];
		if (!ret)
			return;
		print_frame(ret, true);
		if (name && cross_stack(next, &lo, &hi, &name)) {
			rbp = next;
			continue;
		}
		/* Frames move towards higher addresses; anything else is a loop or garbage. */
		if (next && next <= rbp) {
			printk(KERN_EMERG " (frame pointer %016lx goes backwards: stop)\n", next);
			return;
		}
		rbp = next;
	}
}

noinline void dump_stack(void)
{
	u64 rbp = (u64)__builtin_frame_address(0);

	show_backtrace((u64)__builtin_return_address(0), 0, ((u64 *)rbp)[0], 0, 0);
}

noinline int stack_trace_save(u64 *store, int size)
{
	u64 rbp = (u64)__builtin_frame_address(0), next;
	int n = 0;

	while (n < size && frame_readable(rbp, 0, 0)) {
		next = ((u64 *)rbp)[0];
		if (!((u64 *)rbp)[1])
			break;
		store[n++] = ((u64 *)rbp)[1];
		if (next <= rbp)
			break;
		rbp = next;
	}
	return n;
}

void stack_trace_print(const u64 *entries, int nr)
{
	int i;

	for (i = 0; i < nr; i++)
		print_frame(entries[i], true);
}
