/*
 * How a task ended, as wait() reports it: one status word for kernel threads and user processes
 * alike, laid out as Linux's. The low 7 bits say why the kernel killed the task (where Linux puts
 * the signal), 0 if it was not killed; the byte above holds the code it gave exit() or returned.
 *
 *     15          8   7   6           0
 *    +-------------+---+-------------+
 *    |  exit code  | 0 |  KILLED_*   |
 *    +-------------+---+-------------+
 *
 * exit(3) gives 0x300; a kill for a kernel stack overflow gives 0x2.
 */
#ifndef USER_EXIT_STATUS_H
#define USER_EXIT_STATUS_H

#define KILLED_BY_KILL	      1 /* kill <pid> (or ^C in the shell) */
#define KILLED_STACK_OVERFLOW 2 /* it overran its kernel stack */
#define KILLED_OOPS	      3 /* any other fatal fault in the kernel while it ran */
#define KILLED_SEGFAULT	      4 /* a user process: a fault in user mode */
#define KILLED_STACK_CORRUPT  5 /* a stack canary of its kernel stack was overwritten */

/* The status of a task that called exit(code) (why = 0) or was killed (code = 0): glibc's name. */
#define W_EXITCODE(code, why) ((int)((((code)&0xff) << 8) | (why)))
/* Why it was killed: KILLED_*, or 0 if it called exit() (Linux's WTERMSIG). */
#define WKILLED(status)	  ((status)&0x7f)
#define WIFEXITED(status) (WKILLED(status) == 0)
/* The code it gave exit(), if WIFEXITED. */
#define WEXITSTATUS(status) (((status) >> 8) & 0xff)

#endif
