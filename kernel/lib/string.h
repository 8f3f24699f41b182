/* The C string and memory functions the kernel uses (no libc in a freestanding kernel). */
#ifndef KERNEL_STRING_H
#define KERNEL_STRING_H

#include "kernel/lib/types.h"

void *memset(void *s, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strstr(const char *haystack, const char *needle);
size_t strlcpy(char *dst, const char *src, size_t size);

/* Parse an unsigned number (decimal, or hex with 0x); 0 on success, -1 if s is not a number. */
int kstrtou64(const char *s, u64 *out);

#endif
