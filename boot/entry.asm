; The first code that runs: GRUB jumps to _start in 32-bit protected mode, paging off, no stack,
; EAX = multiboot2 magic, EBX = physical address of the boot information.
;
; This file checks that we really came from a multiboot2 loader on a 64-bit CPU, builds just
; enough page tables to run in the higher half, turns on PAE, long mode, NX and paging, and jumps
; to kernel_main() in C. mm/ later replaces these tables with the kernel's own.

MB2_BOOT_MAGIC	equ 0x36d76289
PVH_BOOT_MAGIC	equ 0x336ec578		; hvm_start_info.magic, what kernel_main is told (boot/pvh.h)
KERNEL_VMA	equ 0xffffffff80000000
DIRECT_MAP_PML4	equ 273			; 0xffff888000000000 >> 39 & 511

PTE_P		equ 1 << 0
PTE_W		equ 1 << 1
PTE_PS		equ 1 << 7

CR0_PE		equ 1 << 0
CR0_WP		equ 1 << 16
CR0_PG		equ 1 << 31
CR4_PAE		equ 1 << 5
MSR_EFER	equ 0xC0000080
EFER_LME	equ 1 << 8
EFER_NXE	equ 1 << 11

COM1		equ 0x3F8
VGA_TEXT	equ 0xB8000

extern kernel_main
extern boot_stack_top

section .boot.text
bits 32

; The PVH entry (boot/header.asm's note): the same 32-bit state as GRUB's, but EBX is the
; physical address of an hvm_start_info. kernel_main() tells the two apart by the magic.
global pvh_start
pvh_start:
	cli
	cld
	mov esp, boot32_stack_top
	mov edi, PVH_BOOT_MAGIC
	mov esi, ebx
	jmp _start.checked

global _start
_start:
	cli
	cld
	mov esp, boot32_stack_top
	; Keep the loader's registers: everything below clobbers EAX-EDX.
	mov edi, eax
	mov esi, ebx

	cmp edi, MB2_BOOT_MAGIC
	jne .bad_magic
.checked:

	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29		; LM: long mode
	jz .no_long_mode
	mov ebp, edx			; remember bit 20 (NX) for EFER below

	call build_boot_page_tables

	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, boot_pml4
	mov cr3, eax

	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME
	test ebp, 1 << 20
	jz .no_nx
	or eax, EFER_NXE
.no_nx:
	wrmsr

	mov eax, cr0
	or eax, CR0_PG | CR0_WP | CR0_PE
	mov cr0, eax

	lgdt [boot_gdt_ptr]
	jmp 0x08:long_mode_entry

.bad_magic:
	mov ebx, msg_bad_magic
	jmp boot_fail
.no_long_mode:
	mov ebx, msg_no_long_mode
	jmp boot_fail

; Identity map and direct map 0-4 GiB with 2 MiB pages (the loader's EBX is below 4 GiB), and map
; the first 1 GiB again at KERNEL_VMA for the kernel image. The identity map exists only for the
; instructions around the jump to the higher half - here, and in the AP trampoline
; (arch/x86_64/trampoline.asm), which takes every other CPU to long mode on these same tables.
build_boot_page_tables:
	; pd[0..2047]: 2 MiB pages covering 0-4 GiB
	xor ecx, ecx
.fill_pd:
	mov eax, ecx
	shl eax, 21
	or eax, PTE_P | PTE_W | PTE_PS
	mov [boot_pd + ecx * 8], eax
	mov eax, ecx
	shr eax, 11			; bits 32+ of the physical address
	mov [boot_pd + ecx * 8 + 4], eax
	inc ecx
	cmp ecx, 2048
	jne .fill_pd

	; pdpt_low[0..3] -> the four page directories
	xor ecx, ecx
.fill_pdpt:
	mov eax, ecx
	shl eax, 12
	add eax, boot_pd
	or eax, PTE_P | PTE_W
	mov [boot_pdpt_low + ecx * 8], eax
	inc ecx
	cmp ecx, 4
	jne .fill_pdpt

	mov eax, boot_pdpt_low
	or eax, PTE_P | PTE_W
	mov [boot_pml4], eax
	mov [boot_pml4 + DIRECT_MAP_PML4 * 8], eax

	mov eax, boot_pd
	or eax, PTE_P | PTE_W
	mov [boot_pdpt_high + 510 * 8], eax
	mov eax, boot_pdpt_high
	or eax, PTE_P | PTE_W
	mov [boot_pml4 + 511 * 8], eax
	ret

; Print the NUL-terminated string at EBX on COM1 and on the VGA text screen, then halt.
; No stack, no loader state is trusted here.
boot_fail:
	mov edi, VGA_TEXT
.next:
	mov al, [ebx]
	test al, al
	jz .halt
	mov ah, 0x4f			; white on red
	mov [edi], ax
	add edi, 2
	mov ah, al
	mov dx, COM1 + 5
.wait_tx:
	in al, dx
	test al, 0x20
	jz .wait_tx
	mov dx, COM1
	mov al, ah
	out dx, al
	inc ebx
	jmp .next
.halt:
	cli
	hlt
	jmp .halt

bits 64
long_mode_entry:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	mov rax, higher_half_entry
	jmp rax

section .boot.data
align 8
boot_gdt:
	dq 0
	dq 0x00209A0000000000		; 0x08: 64-bit kernel code
	dq 0x0000920000000000		; 0x10: kernel data
boot_gdt_end:
boot_gdt_ptr:
	dw boot_gdt_end - boot_gdt - 1
	dd boot_gdt

msg_bad_magic:
	db "boot: not loaded by a multiboot2 boot loader (bad magic in EAX); halting", 13, 10, 0
msg_no_long_mode:
	db "boot: this CPU has no 64-bit long mode; halting", 13, 10, 0

; The boot page tables stay: kernel/smp_boot.c starts the other CPUs on them (the trampoline).
global boot_pml4

section .boot.bss nobits
align 4096
boot_pml4:	resb 4096
boot_pdpt_low:	resb 4096
boot_pdpt_high:	resb 4096
boot_pd:	resb 4096 * 4
boot32_stack:	resb 256
boot32_stack_top:

section .text
bits 64
higher_half_entry:
	mov rsp, boot_stack_top
	xor ebp, ebp			; a zero frame pointer ends every backtrace
	mov edi, edi			; magic; upper halves are undefined after the mode switch
	mov esi, esi			; physical address of the multiboot2 information
	call kernel_main
.hang:
	cli
	hlt
	jmp .hang
