/*
 * Per-CPU data. What the entry code, the scheduler and the overflow policy read on every CPU
 * lives in one struct percpu, reached through one accessor, this_cpu(), which reads the
 * structure's own address from %gs:0. Other per-CPU state stays with its owner, declared beside
 * its code with DEFINE_PER_CPU (the page allocator's lists, smp_call.c's, the CPU stacks of
 * kernel/cpu_stack.c, ...). The scheduler's and lab 6's shootdown state are still arrays of
 * NR_CPUS.
 *
 * Every per-CPU variable, struct percpu first, lies in one section of the image, .bss.percpu:
 * that section is the boot CPU's copy. Each other CPU (AP) gets a zeroed copy of the whole
 * section when it is started (percpu_ap_area(), kernel/smp_boot.c), so the memory is spent
 * only on CPUs that exist. CPU n's copy of a variable lies as far from percpu_areas[n] as the
 * boot CPU's lies from boot_percpu:
 *
 *   image:  [boot_percpu | pcp lists | call state | ...]   <- percpu_areas[0]
 *   CPU 5:  [its percpu  | pcp lists | call state | ...]   <- percpu_areas[5] (pages)
 */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#include "arch/x86_64/asm/smp.h"
#include "arch/x86_64/gdt.h"
#include "kernel/lib/types.h"

#define NR_CPUS		     64 /* the CPU masks of smp_call.c and tlb_shootdown.c are a u64 */
#define MAX_HELD_LOCKS	     8
#define NR_CACHED_STACKS_MAX 8

struct task;
struct spinlock;

/*
 * The entry code's offsets in this structure are generated (arch/x86_64/asm-offsets.c). This
 * one is the compiler's: -mstack-protector-guard-offset in the Makefile is read from this line.
 * Not at the end of the structure, so fields added there never move it.
 */
#define PERCPU_STACK_CANARY 56

struct percpu {
	struct percpu *self; /* must stay first: this_cpu() reads %gs:0 */
	u32 cpu;
	int irq_depth;	   /* > 0 from an IRQ stub's first push to the IRQ's exit */
	u64 irq_stack_top; /* where IRQ handlers run (kernel/cpu_stack.c); 0: this stack */
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
_Static_assert(__builtin_offsetof(struct percpu, stack_canary) == PERCPU_STACK_CANARY,
	       "the Makefile's -mstack-protector-guard-offset");

extern struct percpu boot_percpu;
/* Every CPU's area by CPU number, boot CPU first; NULL where no CPU was set up. */
extern struct percpu *percpu_areas[NR_CPUS];
/* The section of per-CPU variables (linker.ld): the boot CPU's copy. */
extern char __per_cpu_start[], __per_cpu_end[];

/*
 * One copy per CPU, zeroed: no initializer (the copies of the APs start zeroed). (Linux:
 * DEFINE_PER_CPU, which copies an initial image instead.)
 */
#define DEFINE_PER_CPU(type, name)  __attribute__((section(".bss.percpu"))) type name
#define DECLARE_PER_CPU(type, name) extern type name

/*
 * CPU cpu's copy of the per-CPU variable *ptr. The CPU must have an area (percpu_areas[cpu]):
 * with none the pointer is far off in unmapped memory, and faults.
 */
#define per_cpu_ptr(ptr, cpu)                                                                      \
	((typeof(ptr))((char *)(ptr) + ((char *)percpu_areas[cpu] - (char *)&boot_percpu)))
#define per_cpu(var, cpu) (*per_cpu_ptr(&(var), cpu))
/*
 * This CPU's copy, from its own area's address (%gs:0): callers must not move to another CPU
 * meanwhile (interrupts off, an IRQ).
 */
#define this_cpu_ptr(ptr)                                                                          \
	((typeof(ptr))((char *)(ptr) + ((char *)this_cpu() - (char *)&boot_percpu)))

/* Each CPU that has an area, by number. */
#define for_each_cpu_area(cpu)                                                                     \
	for ((cpu) = 0; (cpu) < NR_CPUS; (cpu)++)                                                  \
		if (!percpu_areas[cpu]) {                                                          \
		} else

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
/* Bytes of one CPU's copy of the per-CPU variables: what percpu_ap_area() takes. */
static inline u64 percpu_area_size(void)
{
	return __per_cpu_end - __per_cpu_start;
}
/*
 * CPU number cpu's (1..NR_CPUS-1) area in mem, percpu_area_size() bytes aligned as a page,
 * zeroed here and recorded in percpu_areas.
 */
struct percpu *percpu_ap_area(u32 cpu, void *mem);
/* On the AP itself, first thing: GS base to its area, so that this_cpu() works. */
void percpu_init_ap(struct percpu *p);

#endif
