/*
 * The start code of every user program: the kernel enters it at _start, in ring 3, with the
 * program's arguments; it calls main(argc, argv) and ends the process with main's return value.
 *
 * Where the arguments are: the System V x86-64 ABI's initial stack (argc at (%rsp), the argv
 * pointers above it, then NULL), with %rsi zero. So that either way of passing them works, a
 * kernel may instead hand argc and argv over in %rdi and %rsi (as xv6 does): a non-zero %rsi
 * says it did.
 */
#include "user/lib/syscall_nr.h"

	.section .text.start, "ax"
	.globl _start
	.type _start, @function
_start:
	xor	%ebp, %ebp		/* the outermost frame: backtraces stop here */
	test	%rsi, %rsi
	jnz	1f
	mov	(%rsp), %rdi		/* argc */
	lea	8(%rsp), %rsi		/* argv */
1:	and	$-16, %rsp		/* the ABI wants %rsp 16-byte aligned at a call */
	call	main
	mov	%eax, %edi
	mov	$SYS_exit, %eax
	syscall
	ud2				/* exit does not return */
	.size _start, . - _start

	.section .note.GNU-stack, "", @progbits
