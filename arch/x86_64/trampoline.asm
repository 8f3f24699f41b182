; The AP start-up trampoline: how a second CPU gets from real mode to the kernel's C code.
;
; A STARTUP IPI (kernel/smp_boot.c) makes the AP begin in 16-bit real mode at CS:IP = (page << 8):0,
; so this code is copied to a page below 1 MiB first; it runs there at whatever page that is
; (EBX = its physical address, from CS). On the way it uses the boot page tables of
; boot/entry.asm, which map physical 0-4 GiB one to one (this page too, so paging can be turned
; on under the running code) and the kernel at -2 GiB. Steps:
;   16-bit: point the GDT pointer and the two far jumps at this copy; load the GDT; CR0.PE
;   32-bit: flat segments; CR4.PAE; CR3 = boot_pml4; EFER.LME (and NXE, as the boot CPU);
;           CR0.PG|WP: long mode (compatibility mode until the far jump)
;   64-bit: jump to ap_entry64 at its kernel address; it reads the parameters, switches CR3 to
;           the kernel's own tables (no identity map: this page disappears from view), takes
;           the idle task's stack and calls ap_start(percpu) (kernel/smp_boot.c).
; The boot CPU writes trampoline_params before each AP's STARTUP IPI; APs start one at a time.

bits 16
section .rodata
align 16

TR_CODE32	equ 0x08
TR_DATA		equ 0x10
TR_CODE64	equ 0x18
MSR_EFER	equ 0xC0000080

%define OFF(label) ((label) - trampoline_start)

extern boot_pml4
extern ap_start

global trampoline_start
global trampoline_end
global trampoline_params

trampoline_start:
	cli
	cld
	mov ax, cs
	mov ds, ax
	xor ebx, ebx
	mov bx, ax
	shl ebx, 4			; EBX = physical address of this copy
	lea eax, [ebx + OFF(tr_gdt)]
	mov [OFF(tr_gdt_ptr) + 2], eax
	lea eax, [ebx + OFF(tr_32)]
	mov [OFF(tr_jump32)], eax
	lea eax, [ebx + OFF(tr_64)]
	mov [OFF(tr_jump64)], eax
	o32 lgdt [OFF(tr_gdt_ptr)]	; o32: all 32 bits of the base
	mov eax, cr0
	or eax, 1			; PE
	mov cr0, eax
	jmp dword far [OFF(tr_jump32)]

bits 32
tr_32:
	mov ax, TR_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, cr4
	or eax, 1 << 5			; PAE
	mov cr4, eax
	mov eax, boot_pml4
	mov cr3, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, [ebx + OFF(tr_efer)]	; LME, and NXE if the boot CPU has it
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | (1 << 16)	; PG, WP
	mov cr0, eax
	jmp far [ebx + OFF(tr_jump64)]

bits 64
tr_64:
	mov ax, TR_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov rax, ap_entry64
	jmp rax

align 8
tr_gdt:
	dq 0
	dq 0x00CF9A000000FFFF		; 0x08: 32-bit code, flat
	dq 0x00CF92000000FFFF		; 0x10: data, flat
	dq 0x00209A0000000000		; 0x18: 64-bit code
tr_gdt_ptr:
	dw 4 * 8 - 1
	dd 0				; the GDT's physical address, set above
tr_jump32:
	dd 0				; offset, set above
	dw TR_CODE32
tr_jump64:
	dd 0
	dw TR_CODE64

; struct trampoline_params in kernel/smp_boot.c: the same layout.
align 8
trampoline_params:
tr_efer:	dd 0, 0
tr_cr3:		dq 0			; the kernel's page tables (kernel_pml4_phys)
tr_stack:	dq 0			; top of the AP's idle task stack
tr_percpu:	dq 0			; the AP's struct percpu
trampoline_end:

section .text
; In the kernel's text, still on the boot page tables: EBX is the trampoline's address.
ap_entry64:
	mov ebx, ebx			; upper halves are undefined after the mode switch
	mov rax, [rbx + OFF(tr_cr3)]
	mov rsp, [rbx + OFF(tr_stack)]
	mov rdi, [rbx + OFF(tr_percpu)]
	mov cr3, rax
	xor ebp, ebp			; a zero frame pointer ends every backtrace
	call ap_start
.hang:
	cli
	hlt
	jmp .hang
