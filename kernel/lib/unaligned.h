/*
 * Little-endian fields read from a byte buffer of any alignment (Linux: get_unaligned_le32()):
 * what the boot loader hands over (multiboot2) and what a program file holds (ELF). Assembling
 * the bytes keeps clear of alignment and strict-aliasing trouble whatever buffer the caller
 * built; the compiler folds each into one load.
 */
#ifndef KERNEL_LIB_UNALIGNED_H
#define KERNEL_LIB_UNALIGNED_H

#include "kernel/lib/types.h"

static inline u16 get_unaligned_le16(const u8 *p)
{
	return (u16)(p[0] | p[1] << 8);
}

static inline u32 get_unaligned_le32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static inline u64 get_unaligned_le64(const u8 *p)
{
	return (u64)get_unaligned_le32(p) | (u64)get_unaligned_le32(p + 4) << 32;
}

#endif
