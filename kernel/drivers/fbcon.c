/*
 * The framebuffer console: 8x8 font glyphs drawn 8x16 (16x32 on screens 1600 pixels wide or
 * more), colours by log level, scrolling. Everything is drawn into a shadow copy in RAM first
 * and then copied out, so the console never reads video memory (slow, often uncached).
 */
#include "kernel/drivers/fbcon.h"
#include "kernel/printk/console.h"
#include "kernel/drivers/font.h"
#include "kernel/printk/printk.h"
#include "kernel/lib/string.h"
#include "mm/vmalloc.h"

struct fbcon {
	u8 *fb, *shadow;
	u32 pitch, width, height, bytes_pp;
	u32 scale_x, scale_y; /* font pixels per glyph pixel */
	u32 cols, rows, col, row;
	const struct mb2_framebuffer *info;
};

static struct fbcon con;

static u32 rgb(u8 r, u8 g, u8 b)
{
	const struct mb2_framebuffer *fb = con.info;

	return (u32)(r >> (8 - fb->red_size)) << fb->red_pos |
	       (u32)(g >> (8 - fb->green_size)) << fb->green_pos |
	       (u32)(b >> (8 - fb->blue_size)) << fb->blue_pos;
}

/* Errors red, warnings yellow, notices (the demo's headings) cyan, the rest light grey. */
static u32 colour_for_level(int level)
{
	if (level <= 3)
		return rgb(255, 85, 85);
	if (level == 4)
		return rgb(255, 255, 85);
	if (level == 5)
		return rgb(85, 255, 255);
	return rgb(200, 200, 200);
}

static void put_pixel(u8 *p, u32 v)
{
	u32 i;

	for (i = 0; i < con.bytes_pp; i++)
		p[i] = v >> (8 * i);
}

/* Draw one character cell into the shadow buffer and copy its rows out to the screen. */
static void draw_cell(u32 cx, u32 cy, char ch, u32 fg)
{
	u32 cell_w = 8 * con.scale_x, cell_h = 8 * con.scale_y, x, y;
	const u8 *glyph = (ch >= FONT_FIRST && ch < 0x7f) ? font8x8[ch - FONT_FIRST] : font8x8[0];

	for (y = 0; y < cell_h; y++) {
		u32 off = (cy * cell_h + y) * con.pitch + cx * cell_w * con.bytes_pp;
		u8 bits = glyph[y / con.scale_y];

		for (x = 0; x < cell_w; x++) {
			bool on = bits & (0x80 >> (x / con.scale_x));

			put_pixel(con.shadow + off + x * con.bytes_pp, on ? fg : 0);
		}
		memcpy(con.fb + off, con.shadow + off, cell_w * con.bytes_pp);
	}
}

static void scroll(void)
{
	u32 line = 8 * con.scale_y * con.pitch;
	u32 used = con.rows * line;

	memmove(con.shadow, con.shadow + line, used - line);
	memset(con.shadow + used - line, 0, line);
	memcpy(con.fb, con.shadow, used);
	con.row = con.rows - 1;
}

static void newline(void)
{
	con.col = 0;
	if (++con.row == con.rows)
		scroll();
}

static void fbcon_putc(char c, u32 fg)
{
	if (c == '\n') {
		newline();
	} else if (c == '\r') {
		con.col = 0;
	} else if (c == '\b') {
		if (con.col)
			con.col--;
	} else if (c == '\t') {
		do
			fbcon_putc(' ', fg);
		while (con.col % 8);
	} else {
		draw_cell(con.col, con.row, c, fg);
		if (++con.col == con.cols)
			newline();
	}
}

static void fbcon_write(const char *s, size_t n, int level)
{
	u32 fg = colour_for_level(level);

	while (n--)
		fbcon_putc(*s++, fg);
}

static struct console fb_console = { .name = "fbcon", .write = fbcon_write };

bool fbcon_init(const struct mb2_framebuffer *fb)
{
	u64 size, pos = 0;
	char buf[256];
	size_t n;

	if (!fb->present || fb->type == MB2_FB_TYPE_EGA_TEXT) /* text: the VGA console's */
		return false;
	/* Anything else is said in one line: a blank screen would say nothing at all. */
	if (!fb->has_rgb || (fb->bpp != 16 && fb->bpp != 24 && fb->bpp != 32) || fb->width < 64 ||
	    fb->height < 64 || fb->pitch < fb->width * (fb->bpp / 8)) {
		pr_warn("fbcon: a %ux%u framebuffer of %u bpp, pitch %u, is not supported: no "
			"screen console\n",
			fb->width, fb->height, fb->bpp, fb->pitch);
		return false;
	}
	con.info = fb;
	con.pitch = fb->pitch;
	con.width = fb->width;
	con.height = fb->height;
	con.bytes_pp = fb->bpp / 8;
	con.scale_x = fb->width >= 1600 ? 2 : 1;
	con.scale_y = 2 * con.scale_x;
	con.cols = fb->width / (8 * con.scale_x);
	con.rows = fb->height / (8 * con.scale_y);
	size = (u64)fb->pitch * fb->height;
	con.fb = ioremap(fb->addr, size);
	con.shadow = vzalloc(size);
	if (!con.fb || !con.shadow) {
		pr_err("fbcon: cannot map a %ux%u framebuffer\n", fb->width, fb->height);
		return false;
	}
	memset(con.fb, 0, size);
	/* Show what was logged before the screen existed, then everything after it. */
	while ((n = printk_log_read(&pos, buf, sizeof(buf))))
		fbcon_write(buf, n, LOGLEVEL_INFO);
	register_console(&fb_console);
	pr_info("fbcon: %ux%u framebuffer at %#lx, %u bpp, pitch %u: %ux%u text\n", fb->width,
		fb->height, fb->addr, fb->bpp, fb->pitch, con.cols, con.rows);
	return true;
}
