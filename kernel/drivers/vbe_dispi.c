/*
 * The VBE display interface ("DISPI") of the VGA that QEMU and Bochs emulate, used for one
 * thing: to give the 8 bpp console a screen to be tested on. GRUB 2.06 cannot hand a
 * multiboot2 kernel an 8 bpp mode under BIOS (its boot information overruns the buffer it
 * sized by the palette's 768 bytes, and GRUB crashes before the kernel runs), so with
 * vbe_8bpp on the command line the kernel sets the mode itself: the same size at 8 bpp, the
 * DAC loaded with a palette, and the result described as an indexed framebuffer tag would.
 *
 * The palette is a 6x6x6 colour cube and 40 greys, rotated so that black is not entry 0:
 * a console that clears with 0 rather than black's entry shows it on the screen.
 */
#include "kernel/drivers/vbe_dispi.h"
#include "arch/x86_64/asm/io.h"
#include "kernel/printk/printk.h"

#define DISPI_INDEX	  0x1ce
#define DISPI_DATA	  0x1cf
#define DISPI_ID	  0
#define DISPI_XRES	  1
#define DISPI_YRES	  2
#define DISPI_BPP	  3
#define DISPI_ENABLE	  4
#define DISPI_VIRT_WIDTH  6
#define DISPI_ID_MIN	  0xb0c0 /* the interface's versions answer 0xb0c0 to 0xb0c5 */
#define DISPI_ID_MAX	  0xb0c5
#define DISPI_ENABLED	  0x01
#define DISPI_LFB_ENABLED 0x40
#define DAC_WRITE_INDEX	  0x3c8
#define DAC_DATA	  0x3c9

#define PALETTE_ROTATION 40 /* black, cube entry 0, lands at entry 256 - 40 */

static u8 palette[256 * 3];

static void dispi_write(u16 index, u16 value)
{
	outw(DISPI_INDEX, index);
	outw(DISPI_DATA, value);
}

static u16 dispi_read(u16 index)
{
	outw(DISPI_INDEX, index);
	return inw(DISPI_DATA);
}

/* Entry i of the palette: the cube (levels 0, 51, ..., 255) then greys, rotated. */
static void make_palette(void)
{
	u32 i;

	for (i = 0; i < 256; i++) {
		u32 c = (i + PALETTE_ROTATION) % 256;
		u8 *p = palette + 3 * i;

		if (c < 216) {
			p[0] = (u8)(c / 36 * 51);
			p[1] = (u8)(c / 6 % 6 * 51);
			p[2] = (u8)(c % 6 * 51);
		} else {
			p[0] = p[1] = p[2] = (u8)(8 + (c - 216) * 6);
		}
		/* The DAC holds 6 bits a component: describe what the screen will show. */
		p[0] &= 0xfc, p[1] &= 0xfc, p[2] &= 0xfc;
	}
}

bool vbe_dispi_set_8bpp(struct mb2_framebuffer *fb)
{
	u16 id = dispi_read(DISPI_ID);
	u32 i;

	if (id < DISPI_ID_MIN || id > DISPI_ID_MAX || !fb->present ||
	    fb->type == MB2_FB_TYPE_EGA_TEXT || fb->width > 0xffff || fb->height > 0xffff) {
		pr_warn("vbe_8bpp: no VBE display interface (id %#x) or no framebuffer: ignored\n",
			id);
		return false;
	}
	dispi_write(DISPI_ENABLE, 0);
	dispi_write(DISPI_BPP, 8);
	dispi_write(DISPI_XRES, (u16)fb->width);
	dispi_write(DISPI_YRES, (u16)fb->height);
	dispi_write(DISPI_VIRT_WIDTH, (u16)fb->width);
	dispi_write(DISPI_ENABLE, DISPI_ENABLED | DISPI_LFB_ENABLED);
	make_palette();
	outb(DAC_WRITE_INDEX, 0);
	for (i = 0; i < sizeof(palette); i++)
		outb(DAC_DATA, palette[i] >> 2);
	fb->bpp = 8;
	fb->pitch = fb->width;
	fb->type = MB2_FB_TYPE_INDEXED;
	fb->has_rgb = false;
	fb->nr_colors = 256;
	fb->palette = palette;
	fb->palette_error = NULL;
	pr_info("vbe_8bpp: the %ux%u framebuffer switched to 8 bpp, 256 colours\n", fb->width,
		fb->height);
	return true;
}
