/*
 * Per-CPU data. What the entry code, the scheduler and the overflow policy read on every CPU
 * lives in one struct percpu, reached through one accessor, this_cpu(), which reads the
 * structure's own address from %gs:0. The boot CPU's is boot_percpu; each other CPU (AP) gets
 * one from percpu_ap_area() and points its GS base at it when it starts (kernel/smp_boot.c). Other
 * per-CPU state stays with its owner, in arrays indexed by CPU number (the page allocator's
 * per-CPU lists, the scheduler's, smp_call.c's, the CPU stacks of kernel/stack.c, ...).
 */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#include "arch/x86_64/asm/smp.h"
#include "arch/x86_64/gdt.h"
#include "kernel/lib/types.h"

#define NR_CPUS		     16
#define MAX_HELD_LOCKS	     8
#define NR_CACHED_STACKS_MAX 8

struct task;
struct spinlock;

/* Offsets that arch/x86_64/entry.asm uses with %gs (checked below). */
#define PERCPU_IRQ_DEPTH     12
#define PERCPU_IRQ_STACK_TOP 16
#define PERCPU_USER_RSP	     24	 /* arch/x86_64/syscall_entry.asm */
#define PERCPU_TSS_RSP0	     124 /* arch.tss.rsp[0]: the running task's kernel stack top */
#define PERCPU_KSTACK_OFFSET 368 /* syscall_entry.asm: the random stack offset's state */
/*
 * The compiler's: -mstack-protector-guard-offset in the Makefile is read from this line. Not at
 * the end of the structure, so fields added there never move it.
 */
#define PERCPU_STACK_CANARY 56

struct percpu {
	struct percpu *self; /* must stay first: this_cpu() reads %gs:0 */
	u32 cpu;
	int irq_depth;	   /* > 0 from an IRQ stub's first push to the IRQ's exit */
	u64 irq_stack_top; /* where IRQ handlers run (kernel/stack.c), 0: on the current stack */
	u64 user_rsp;	   /* syscall entry: the user's RSP until it is on the kernel stack */
	struct task *curr; /* the running task (use `current`) */
	struct task *idle;
	struct task *switching_from; /* during a switch: the task whose stack is being left */
	u64 stack_canary;	     /* the running task's, read by -fstack-protector's checks */
	struct cpu_arch arch;	     /* GDT, TSS and IST stacks */
	const struct spinlock *held_locks[MAX_HELD_LOCKS];
	int nr_held_locks;
	int nokill;	 /* > 0: no kill here (kill_disable(), kernel/locking/spinlock.h) */
	int fault_depth; /* > 0 while in an exception handler */
	void *stack_cache[NR_CACHED_STACKS_MAX]; /* see kernel/stack.c */
	u32 kstack_offset; /* the next system call's stack offset (kernel/user/kstack_offset.h) */
};

_Static_assert(__builtin_offsetof(struct percpu, cpu) == PERCPU_CPU, "asm/smp.h");
_Static_assert(__builtin_offsetof(struct percpu, irq_depth) == PERCPU_IRQ_DEPTH, "entry.asm");
_Static_assert(__builtin_offsetof(struct percpu, irq_stack_top) == PERCPU_IRQ_STACK_TOP,
	       "entry.asm");
_Static_assert(__builtin_offsetof(struct percpu, user_rsp) == PERCPU_USER_RSP, "syscall_entry.asm");
_Static_assert(__builtin_offsetof(struct percpu, arch.tss.rsp[0]) == PERCPU_TSS_RSP0,
	       "syscall_entry.asm");
_Static_assert(__builtin_offsetof(struct percpu, kstack_offset) == PERCPU_KSTACK_OFFSET,
	       "syscall_entry.asm");
_Static_assert(__builtin_offsetof(struct percpu, stack_canary) == PERCPU_STACK_CANARY,
	       "the Makefile's -mstack-protector-guard-offset");

extern struct percpu boot_percpu;
/* Every CPU's area by CPU number, boot CPU first; NULL where no CPU was set up. */
extern struct percpu *percpu_areas[NR_CPUS];

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	asm volatile("mov %%gs:0, %0" : "=r"(p));
	return p;
}

/*
 * A field of this CPU's area, read in one instruction. this_cpu()->field is two - the area's
 * address, then the field - and a task preempted between them and resumed on another CPU reads
 * the CPU it left: its `current` would be another task. With interrupts on, use this. (Linux:
 * this_cpu_read().)
 */
#define this_cpu_read(field)                                                                       \
	({                                                                                         \
		typeof(((struct percpu *)0)->field) v__;                                           \
		asm volatile("mov %%gs:%c1, %0"                                                    \
			     : "=r"(v__)                                                           \
			     : "i"(__builtin_offsetof(struct percpu, field)));                     \
		v__;                                                                               \
	})

/*
 * Add or take one from an int field of this CPU's area, in one instruction: never counted on
 * the CPU a task left, for the reason above. (Linux: this_cpu_inc(), this_cpu_dec().)
 */
#define this_cpu_inc(field) this_cpu_add_int__(field, "incl")
#define this_cpu_dec(field) this_cpu_add_int__(field, "decl")
#define this_cpu_add_int__(field, insn)                                                            \
	do {                                                                                       \
		_Static_assert(sizeof(((struct percpu *)0)->field) == 4, "an int field");          \
		asm volatile(insn " %%gs:%c0"                                                      \
			     :                                                                     \
			     : "i"(__builtin_offsetof(struct percpu, field))                       \
			     : "memory");                                                          \
	} while (0)

void percpu_init_boot_cpu(void);
/* The zeroed area of CPU number cpu (1..NR_CPUS-1), recorded in percpu_areas. */
struct percpu *percpu_ap_area(u32 cpu);
/* On the AP itself, first thing: GS base to its area, so that this_cpu() works. */
void percpu_init_ap(struct percpu *p);

#endif
