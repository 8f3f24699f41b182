/*
 * syscall/sysret and the exception table. MSR numbers and STAR's layout: Intel SDM vol. 4
 * (IA32_STAR, IA32_LSTAR, IA32_FMASK) and vol. 2 (SYSCALL, SYSRET).
 */
#include "arch/x86_64/syscall.h"
#include "arch/x86_64/asm/msr.h"
#include "arch/x86_64/asm/processor-flags.h"
#include "arch/x86_64/asm/special_insns.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/memlayout.h"
#include "kernel/lib/ksyms.h"
#include "kernel/printk/printk.h"

extern u8 syscall_entry[];

u8 uaccess_smap;
bool smep_enabled;

static void write_cr0_em(void)
{
	u64 cr0 = (read_cr0() | X86_CR0_EM) & ~X86_CR0_MP;

	__asm__ volatile("mov %0, %%cr0" ::"r"(cr0) : "memory");
}

void syscall_cpu_init(void)
{
	/*
	 * STAR[47:32]: syscall loads CS from it and SS from it + 8 (KERNEL_CS, KERNEL_DS).
	 * STAR[63:48]: 64-bit sysret loads SS from it + 8 and CS from it + 16, both with RPL 3.
	 * With 0x10 there: SS = 0x18 | 3 (USER_DS), CS = 0x20 | 3 (USER_CS) - which is why the GDT
	 * has user data before user code.
	 */
	u64 star = ((u64)KERNEL_CS << 32) | ((u64)(USER_DS - 3 - 8) << 48);

	_Static_assert(USER_CS == USER_DS + 8, "sysret wants user code right after user data");
	wrmsr(MSR_STAR, star);
	wrmsr(MSR_LSTAR, (u64)syscall_entry);
	/*
	 * Cleared on entry: IF (no interrupt before the stack switch), DF (the C ABI), TF, AC, and
	 * NT, which ring 3 may set with popf: the context switch does not save RFLAGS, so a
	 * kernel running with NT would hand it to the next task, whose iretq then #GPs.
	 */
	wrmsr(MSR_SYSCALL_MASK,
	      X86_EFLAGS_IF | X86_EFLAGS_DF | X86_EFLAGS_TF | X86_EFLAGS_AC | X86_EFLAGS_NT);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	/*
	 * CR0.EM: the kernel does not save x87/MMX registers at a switch, so a program must not
	 * use them: one would read and change another's. With EM, x87 raises #NM and MMX #UD.
	 */
	write_cr0_em();
	/* SMEP: the kernel never runs user code; SMAP: it touches user memory only in uaccess. */
	if (boot_cpu.smep) {
		write_cr4(read_cr4() | X86_CR4_SMEP);
		smep_enabled = true;
	}
	if (boot_cpu.smap) {
		write_cr4(read_cr4() | X86_CR4_SMAP);
		uaccess_smap = 1;
	}
}

struct extable_entry {
	u64 insn, fixup;
};

extern const struct extable_entry __ex_table_start[], __ex_table_end[];

u64 uaccess_bad_fixups;
u64 uaccess_last_fixup;

/*
 * A fixed-up fault makes the copy helper return -EFAULT, which is right for a user page that is
 * not there (or read-only). Other faults mean the helper itself is wrong, and the -EFAULT would
 * hide that, so they are reported and counted (the tests read the count): a #GP (a non-canonical
 * address got past the range check), a page fault at or above USER_TOP (the kernel half,
 * or past the end of the user half: the same), and, with SMAP, a fault while RFLAGS.AC was
 * clear (the copy never opened user memory with stac).
 */
static void check_uaccess_fault(const struct pt_regs *regs)
{
	const char *why = NULL;
	char sym[80];
	u64 addr = 0;

	if (regs->vector == X86_TRAP_GP)
		why = "a #GP: a non-canonical address got past the range check";
	else if ((addr = read_cr2()) >= USER_TOP)
		why = "not below USER_TOP: the range check let it through";
	else if (uaccess_smap && !(regs->rflags & X86_EFLAGS_AC))
		why = "with RFLAGS.AC clear: the copy did not open user memory (stac)";
	if (!why)
		return;
	__atomic_fetch_add(&uaccess_bad_fixups, 1, __ATOMIC_RELAXED);
	ksym_format(regs->rip, sym, sizeof(sym));
	printk(KERN_ERR "uaccess: BUG: fault at %#lx in %s, %s\n", addr, sym, why);
}

bool fixup_exception(struct pt_regs *regs)
{
	const struct extable_entry *e;

	if (user_mode(regs) || (regs->vector != X86_TRAP_PF && regs->vector != X86_TRAP_GP))
		return false;
	for (e = __ex_table_start; e < __ex_table_end; e++) {
		if (e->insn == regs->rip) {
			check_uaccess_fault(regs);
			uaccess_last_fixup = e->fixup;
			regs->rip = e->fixup;
			return true;
		}
	}
	return false;
}
