/*
 * The memory map of every address space, in one place (xv6: memlayout.h). x86-64 with 4-level
 * paging has 48-bit virtual addresses: a lower half (user space, each process its own) and an
 * upper half (the kernel's, the same in every address space), with the non-canonical hole
 * between them. docs/ARCHITECTURE.md draws both halves in detail.
 *
 *   0xffffffffffffffff  +---------------------------+
 *   KERNEL_VMA          | kernel image (-2 GiB)     |  -mcmodel=kernel; loaded at 1 MiB
 *   0xffffffff80000000  +---------------------------+
 *   VMALLOC_END         |                           |
 *                       | vmalloc range, 32 TiB     |  vmalloc(), vmap(), every stack
 *   VMALLOC_START       +---------------------------+  0xffffc90000000000
 *                       | direct map, 64 TiB        |  physical p at PAGE_OFFSET + p
 *   PAGE_OFFSET         +---------------------------+  0xffff888000000000
 *   KERNEL_HALF_START   +---------------------------+  0xffff800000000000
 *                       | (non-canonical: faults)   |
 *                       +---------------------------+  2^47
 *   USER_TOP            | (one unmapped gap)        |  0x00007fffff000000
 *                       | a process: stack, heap,   |
 *                       | program segments          |
 *   USER_BASE           +---------------------------+  0x400000
 *   0                   | nothing (NULL faults)     |
 *                       +---------------------------+
 *
 * boot/entry.asm and linker.ld, which cannot include a C header, repeat KERNEL_VMA.
 */
#ifndef ARCH_MEMLAYOUT_H
#define ARCH_MEMLAYOUT_H

/* The user half: what a process may map is [USER_BASE, USER_TOP). */
#define USER_BASE 0x0000000000400000UL
/*
 * A page-table gap below 2^47: a syscall instruction at the very top of the user half would
 * return to a non-canonical RIP, and sysret would then fault in ring 0 (Intel).
 */
#define USER_TOP 0x00007fffff000000UL

/* The kernel half. */
#define KERNEL_HALF_START 0xffff800000000000UL
#define PAGE_OFFSET	  0xffff888000000000UL /* the direct map, as in Linux */
#define DIRECT_MAP_SIZE	  (64UL << 40)
#define VMALLOC_START	  0xffffc90000000000UL
#define VMALLOC_SIZE	  (32UL << 40)
#define VMALLOC_END	  (VMALLOC_START + VMALLOC_SIZE)
#define KERNEL_VMA	  0xffffffff80000000UL

#endif
