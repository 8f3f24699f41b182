; Ring 3 <-> ring 0 for system calls, and the first entry of a process into ring 3.
;
; syscall (Intel SDM vol. 2, SYSCALL; AMD APM vol. 2, "SYSCALL and SYSRET"): the CPU puts the
; user RIP in RCX and RFLAGS in R11, clears the RFLAGS bits set in MSR_SFMASK (IF, DF, TF, AC,
; NT here: interrupts stay off until we are on a kernel stack), loads CS/SS from MSR_STAR and jumps
; to MSR_LSTAR - and changes nothing else: RSP is still the user's, GS base still the user's.
; So the first instruction is swapgs (GS base = this CPU's struct percpu), the user RSP goes
; into a per-CPU scratch slot, and RSP becomes the top of the running task's kernel stack (the
; TSS.RSP0 that the scheduler sets at every switch, read through GS). On that stack we build a
; struct pt_regs (arch/x86_64/idt.h) as an interrupt would, so the C side and every report see
; the same frame.
;
; sysret loads RIP from RCX: if RCX is not canonical, Intel CPUs raise the #GP in ring 0 with
; the user's RSP and GS already loaded - a classic privilege escalation. A user RIP past the user
; half cannot come from a syscall instruction (USER_TOP keeps a gap below 2^47), but the check
; is cheap and does not trust that: such a frame is not returned to at all; the process is
; killed as for a fault at that address (syscall_bad_return()).

bits 64
section .text

extern do_syscall
extern syscall_bad_return
extern stackleak_erase
extern kstack_erase_enabled

; PERCPU_*, PT_*, USER_DS, USER_CS, KSTACK_OFFSET_MASK, STACKLEAK_POISON: arch/x86_64/asm-offsets.c
%include "generated/asm-offsets.inc"

%include "arch/x86_64/pt_regs.inc"

global syscall_entry
syscall_entry:
	swapgs
	mov [gs:PERCPU_USER_RSP], rsp
	mov rsp, [gs:PERCPU_TSS_RSP0]
	push USER_DS			; ss
	push qword [gs:PERCPU_USER_RSP]	; rsp
	push r11			; rflags
	push USER_CS			; cs
	push rcx			; rip
	push 0				; error code
	push -1				; "vector": -1 marks a system call frame
	SAVE_REGS
	xor ebp, ebp			; backtraces end here, not in user memory
	mov rdi, rsp			; do_syscall's argument: the frame
	mov rbx, rsp			; callee-saved: the frame again after the call
	; The random stack offset (kernel/user/kstack_offset.h): 0 to 1008 bytes, a multiple of
	; 16, from this CPU's state; 0 when randomize_kstack_offset=off leaves the state at 0.
	mov eax, [gs:PERCPU_KSTACK_OFFSET]
	and eax, KSTACK_OFFSET_MASK
	sub rsp, rax
	sti				; on our own stack, with our own GS: interrupts are fine now
	call do_syscall			; the result goes into the frame's RAX
	cli
	; Back to user mode. Interrupts stay off from here: after swapgs an interrupt would run
	; the kernel with the user's GS base.
	mov rcx, [rbx + PT_RIP]
	shr rcx, 47
	jnz .bad_rip			; not in the lower canonical half: never sysret there
	; Poison what the call used of the stack (interrupts off); erasing off, not even a call.
	; From below the offset: nothing writes the offset's bytes, so they are still poison. The
	; erase cannot poison its own return address: left there, a word at a different depth
	; each time, it would break later scans' runs of poison, which then go on deeper.
	cmp byte [rel kstack_erase_enabled], 0
	je .erased
	call stackleak_erase
	mov qword [rsp - 8], STACKLEAK_POISON
.erased:
	mov rsp, rbx			; back to the frame, above the offset
	RESTORE_REGS
	mov rcx, [rsp]			; the user RIP and RFLAGS, where sysret takes them
	mov r11, [rsp + 16]
	mov rsp, [rsp + 24]		; the user RSP: from here on nothing may touch the stack
	swapgs
	o64 sysret
.bad_rip:
	mov rsp, rbx
	mov rdi, rsp
	sti
	call syscall_bad_return		; kills the process: does not return
	ud2

; user_enter(rip, rsp): leave the kernel for good, into ring 3 at rip with stack rsp, interrupts
; on, every other register zero. The kernel stack is abandoned down to its top (TSS.RSP0): the
; next entry from ring 3 starts there afresh.
global user_enter
user_enter:
	cli
	mov rsp, [gs:PERCPU_TSS_RSP0]
	push USER_DS			; ss
	push rsi			; rsp
	push 0x202			; rflags: IF and the always-one bit 1
	push USER_CS			; cs
	push rdi			; rip
	sub rsp, 8			; the C ABI's alignment for the call
	call stackleak_erase		; the process's first code in the kernel used its stack too
	add rsp, 8
	xor eax, eax
	xor ebx, ebx
	xor ecx, ecx
	xor edx, edx
	xor esi, esi
	xor edi, edi
	xor ebp, ebp
	xor r8d, r8d
	xor r9d, r9d
	xor r10d, r10d
	xor r11d, r11d
	xor r12d, r12d
	xor r13d, r13d
	xor r14d, r14d
	xor r15d, r15d
	swapgs
	iretq
