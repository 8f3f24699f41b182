/* Exception names and the register dump every oops prints. */
#include "arch/x86_64/traps.h"
#include "arch/x86_64/asm/special_insns.h"
#include "arch/x86_64/stacktrace.h"
#include "kernel/lib/ksyms.h"
#include "kernel/printk/printk.h"

static const char *const trap_names[32] = {
	[0] = "divide error",
	[1] = "debug",
	[2] = "non-maskable interrupt",
	[3] = "breakpoint",
	[4] = "overflow",
	[5] = "bound range exceeded",
	[6] = "invalid opcode",
	[7] = "device not available",
	[8] = "double fault",
	[9] = "coprocessor segment overrun",
	[10] = "invalid TSS",
	[11] = "segment not present",
	[12] = "stack segment fault",
	[13] = "general protection fault",
	[14] = "page fault",
	[16] = "x87 floating point error",
	[17] = "alignment check",
	[18] = "machine check",
	[19] = "SIMD floating point error",
	[20] = "virtualization exception",
	[21] = "control protection fault",
	[29] = "VMM communication exception",
	[30] = "security exception",
};

const char *trap_name(u64 vector)
{
	if (vector < 32 && trap_names[vector])
		return trap_names[vector];
	if (vector < 32)
		return "reserved exception";
	return "interrupt";
}

/* Decode a #PF error code the way Linux words it, so students can search for the lines. */
static void show_page_fault(const struct pt_regs *regs)
{
	u64 ec = regs->error_code;
	const char *access = ec & PF_INSTR   ? "instruction fetch"
			     : ec & PF_WRITE ? "write access"
					     : "read access";

	printk(KERN_EMERG "BUG: unable to handle page fault for address: %016lx\n", read_cr2());
	printk(KERN_EMERG "#PF: %s %s in %s mode\n", ec & PF_USER ? "user" : "supervisor", access,
	       ec & PF_USER ? "user" : "kernel");
	printk(KERN_EMERG "#PF: error_code(0x%04lx) - %s%s\n", ec,
	       ec & PF_PROT ? "permissions violation" : "not-present page",
	       ec & PF_RSVD ? ", reserved bit set" : "");
}

void show_regs(const struct pt_regs *regs, u64 stack_lo, u64 stack_hi)
{
	char sym[128];

	ksym_format(regs->rip, sym, sizeof(sym));
	printk(KERN_EMERG "RIP: %04lx:%016lx %s\n", regs->cs, regs->rip, sym);
	printk(KERN_EMERG "RSP: %04lx:%016lx EFLAGS: %08lx\n", regs->ss, regs->rsp, regs->rflags);
	printk(KERN_EMERG "RAX: %016lx RBX: %016lx RCX: %016lx\n", regs->rax, regs->rbx, regs->rcx);
	printk(KERN_EMERG "RDX: %016lx RSI: %016lx RDI: %016lx\n", regs->rdx, regs->rsi, regs->rdi);
	printk(KERN_EMERG "RBP: %016lx R08: %016lx R09: %016lx\n", regs->rbp, regs->r8, regs->r9);
	printk(KERN_EMERG "R10: %016lx R11: %016lx R12: %016lx\n", regs->r10, regs->r11, regs->r12);
	printk(KERN_EMERG "R13: %016lx R14: %016lx R15: %016lx\n", regs->r13, regs->r14, regs->r15);
	printk(KERN_EMERG "CR0: %016lx CR2: %016lx CR3: %016lx CR4: %016lx\n", read_cr0(),
	       read_cr2(), read_cr3(), read_cr4());
	show_backtrace(regs->rip, regs->rsp, regs->rbp, stack_lo, stack_hi);
}

static int oops_count;

void show_fault(const char *why, const struct pt_regs *regs, u64 stack_lo, u64 stack_hi)
{
	if (regs->vector == X86_TRAP_PF)
		show_page_fault(regs);
	printk(KERN_EMERG "Oops: %s: %04lx [#%d] (%s)\n", trap_name(regs->vector), regs->error_code,
	       ++oops_count, why);
	show_regs(regs, stack_lo, stack_hi);
}

void die(const char *why, struct pt_regs *regs)
{
	show_fault(why, regs, 0, 0);
	panic("Fatal exception: %s", trap_name(regs->vector));
}
