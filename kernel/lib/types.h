/* Fixed-width types shared by the kernel and by host unit tests of pure kernel logic. */
#ifndef KERNEL_TYPES_H
#define KERNEL_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#define PAGE_SHIFT 12
#define PAGE_SIZE  (1UL << PAGE_SHIFT)
#define PAGE_MASK  (~(PAGE_SIZE - 1))

#define noinline __attribute__((noinline))
/*
 * No stack canary in this function (GCC 11 and later): for code that runs before %gs points at
 * a per-CPU area, or that changes %gs or the canary under its own frame (kernel/stackprotector.c).
 * Functions inlined into it lose their canary too.
 */
#define __no_stack_protector __attribute__((no_stack_protector))
/* Inlined even at -O0: code whose every copy must sit in its caller (an __ex_table entry). */
#ifndef __always_inline /* glibc's, in host builds, is the same */
#define __always_inline inline __attribute__((always_inline))
#endif

#define ARRAY_SIZE(a)	 (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)	 (((x) + (a)-1) & ~((u64)(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((u64)(a)-1))
#define IS_ALIGNED(x, a) (((x) & ((u64)(a)-1)) == 0)
#define MIN(a, b)	 ((a) < (b) ? (a) : (b))
#define MAX(a, b)	 ((a) > (b) ? (a) : (b))

#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

#endif
