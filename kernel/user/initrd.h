/*
 * The initial ramdisk: a cpio archive ("newc" format) that GRUB loads as a multiboot2 module and
 * that holds the user programs. Files are found by name; their data stays where GRUB put it.
 */
#ifndef KERNEL_USER_INITRD_H
#define KERNEL_USER_INITRD_H

#include "kernel/lib/types.h"

/*
 * At most this many files. The check for two files of one name compares each with those before
 * it: bounded, an archive of a million tiny files cannot hold the boot for hours.
 */
#define INITRD_MAX_FILES 1024

/* Check the archive at base (len bytes) and use it. Returns the number of files or -errno. */
/* (A malformed archive is reported and not used; an archive in use before stays in use. Called
 * at boot, before any lookup: the lookups take no lock.) */
int initrd_init(const void *base, size_t len);
/* The file called name: 0 with *data and *len set, or -ENOENT. */
int initrd_find(const char *name, const void **data, size_t *len);
/* Call fn for every file, in archive order. Returns the number of files. */
int initrd_for_each(void (*fn)(const char *name, size_t len, void *arg), void *arg);

#endif
