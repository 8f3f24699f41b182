/*
 * The VGA text console: 80x25 cells of (character, attribute) at physical 0xB8000. It exists only
 * under BIOS; under UEFI the framebuffer console is used instead.
 */
#include "kernel/drivers/vga.h"
#include "arch/x86_64/asm/io.h"
#include "kernel/printk/console.h"
#include "kernel/lib/string.h"

#define VGA_COLS   80
#define VGA_ROWS   25
#define CRTC_INDEX 0x3D4
#define CRTC_DATA  0x3D5

static volatile u16 *vga;
static int row, col;

/* Colours by printk level: errors red, warnings yellow, the rest light grey. */
static u8 attr_for_level(int level)
{
	if (level <= 3)
		return 0x0c;
	if (level == 4)
		return 0x0e;
	return 0x07;
}

static void move_cursor(void)
{
	u16 pos = row * VGA_COLS + col;

	outb(CRTC_INDEX, 0x0f);
	outb(CRTC_DATA, pos & 0xff);
	outb(CRTC_INDEX, 0x0e);
	outb(CRTC_DATA, pos >> 8);
}

static void scroll(void)
{
	int i;

	for (i = 0; i < (VGA_ROWS - 1) * VGA_COLS; i++)
		vga[i] = vga[i + VGA_COLS];
	for (i = 0; i < VGA_COLS; i++)
		vga[(VGA_ROWS - 1) * VGA_COLS + i] = 0x0720;
	row = VGA_ROWS - 1;
}

static void vga_putc(char c, u8 attr)
{
	if (c == '\n') {
		col = 0;
		row++;
	} else if (c == '\r') {
		col = 0;
	} else if (c == '\b') {
		if (col)
			col--;
	} else {
		/* A CPU stopped by a panic in here may have left row one past the end (fbcon.c). */
		if (row >= VGA_ROWS)
			scroll();
		vga[row * VGA_COLS + col] = (u16)attr << 8 | (u8)c;
		if (++col >= VGA_COLS) {
			col = 0;
			row++;
		}
	}
	if (row >= VGA_ROWS)
		scroll();
}

static void vga_write(const char *s, size_t n, int level)
{
	u8 attr = attr_for_level(level);

	while (n--)
		vga_putc(*s++, attr);
	move_cursor();
}

static struct console vga_console = { .name = "vga", .write = vga_write };

void vga_console_init(void *text_buffer)
{
	int i;

	vga = text_buffer;
	for (i = 0; i < VGA_ROWS * VGA_COLS; i++)
		vga[i] = 0x0720;
	row = col = 0;
	register_console(&vga_console);
}
