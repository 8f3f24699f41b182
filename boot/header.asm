; How loaders find this kernel. Two ways in, one kernel:
; - the multiboot2 header: GRUB finds it in the first 32 KiB of the image (8-byte aligned) and
;   learns from it that this kernel wants to be loaded as a multiboot2 ELF in 32-bit protected
;   mode; it jumps to _start (boot/entry.asm).
; - a PVH note: QEMU's -kernel (and Xen) finds an ELF note of type XEN_ELFNOTE_PHYS32_ENTRY
;   and jumps to the address it holds, pvh_start, in the same 32-bit state. The tests boot this
;   way: no GRUB and no ISO per boot (boot/pvh.c).

MB2_MAGIC	equ 0xE85250D6
MB2_ARCH_I386	equ 0

section .multiboot
align 8
mb2_header_start:
	dd MB2_MAGIC
	dd MB2_ARCH_I386
	dd mb2_header_end - mb2_header_start
	dd -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header_start))

	; Console flags tag (type 4): bit 1 says this kernel can use EGA text mode. Without it, a
	; framebuffer tag makes GRUB assume text mode is unusable and set a graphics mode.
	align 8
	dw 4
	dw 0
	dd 12
	dd 1 << 1

	; Framebuffer tag (type 5), optional (flags bit 0): any mode GRUB likes. Under UEFI this is
	; the only screen there is; the kernel uses whatever it is given (kernel/init/main.c).
	align 8
	dw 5
	dw 1
	dd 20
	dd 0				; width: no preference
	dd 0				; height
	dd 32				; depth

	; End tag: type 0, flags 0, size 8.
	align 8
	dw 0
	dw 0
	dd 8
mb2_header_end:

; The PVH entry note: name "Xen", type 18 (XEN_ELFNOTE_PHYS32_ENTRY), the 32-bit physical entry
; address. The linker gives this SHT_NOTE section a PT_NOTE program header, where QEMU looks.
XEN_ELFNOTE_PHYS32_ENTRY equ 18
extern pvh_start

section .note.Xen note alloc noexec nowrite align=4
	dd 4				; name size: "Xen" and its NUL
	dd 4				; descriptor size
	dd XEN_ELFNOTE_PHYS32_ENTRY
	db "Xen", 0
	dd pvh_start
