/*
 * The PVH boot protocol: how QEMU's -kernel (and Xen) start this kernel without GRUB. The loader
 * finds the entry in an ELF note (boot/header.asm), enters it in 32-bit protected mode with EBX
 * = the physical address of a struct hvm_start_info, and that block says where the command
 * line, the modules (the initrd), the ACPI RSDP and the memory map are.
 *
 * The tests boot this way (no GRUB, no ISO per boot); a user's USB stick boots through GRUB and
 * multiboot2. So that the rest of the kernel knows one format, pvh_parse() fills the same struct
 * mb2_info that mb2_parse() does.
 *
 *   hvm_start_info (version 1, 56 bytes)      module list entry (32 bytes)
 *    0 magic  0x336ec578                        0 paddr
 *    4 version                                  8 size
 *    8 flags                                   16 cmdline_paddr
 *   12 nr_modules                              24 reserved
 *   16 modlist_paddr                          memory map entry (24 bytes): addr, size,
 *   24 cmdline_paddr                          type (1 RAM, 2 reserved, 3 ACPI, 4 NVS, 5 bad),
 *   32 rsdp_paddr                             reserved - the layout of a multiboot2 entry
 *   40 memmap_paddr    (version 1)
 *   48 memmap_entries  (version 1)
 */
#ifndef BOOT_PVH_H
#define BOOT_PVH_H

#include "boot/multiboot2.h"
#include "kernel/lib/types.h"

#define PVH_START_MAGIC	     0x336ec578
#define PVH_START_INFO_SIZE  56
#define PVH_MAX_MMAP_ENTRIES 128
#define PVH_MAX_CMDLINE	     1024

/*
 * Where physical memory [phys, phys + len) can be read, or NULL if it cannot (the kernel: the
 * direct map of the first 4 GiB; a host test: its own buffer).
 */
typedef const void *(*pvh_phys_fn)(u64 phys, u64 len);

/*
 * Check and decode the hvm_start_info at @info_phys into @out, copying what the kernel keeps
 * (command line, memory map, RSDP) into pvh.c's own storage: the loader's copies lie in memory
 * the page allocator will hand out. Returns 0, or -1 with a one-line reason in @err.
 */
int pvh_parse(u64 info_phys, pvh_phys_fn phys, struct mb2_info *out, char *err, size_t err_len);

#endif
