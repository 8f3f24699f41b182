/*
 * vsnprintf and snprintf for user programs: the kernel's formatting code (kernel/lib/vsprintf.c),
 * built a second time, for ring 3. It is pure - a buffer in, a buffer out, no kernel call - so one
 * copy of it serves both sides, as a C library's printf and the kernel's are alike in Linux.
 */
#include "kernel/lib/vsprintf.c"
