/*
 * The framebuffer console: 8x8 font glyphs drawn 8x16 (16x32 on screens 1600 pixels wide or
 * more), colours by log level, scrolling. Everything is drawn into a shadow copy in RAM first
 * and then copied out, so the console never reads video memory (slow, often uncached).
 *
 * Scrollback: every character also goes into a history of the last SCROLLBACK_LINES lines
 * (character and log level per cell). Shift+PgUp/PgDn (kernel/drivers/ps2kbd.c) show older
 * lines, drawn from the history straight to the screen; output meanwhile goes on into the
 * shadow and the history only, and reaching the bottom again copies the shadow back out.
 */
#include "kernel/drivers/fbcon.h"
#include "arch/x86_64/asm/irqflags.h"
#include "kernel/printk/console.h"
#include "kernel/drivers/font.h"
#include "kernel/printk/printk.h"
#include "kernel/lib/string.h"
#include "mm/page_alloc.h"
#include "mm/vmalloc.h"

struct fbcon {
	u8 *fb, *shadow;
	u32 pitch, width, height;
	/* bits per pixel: 1 (monochrome: glyphs only, no colours), 8, 16, 24 or 32 */
	u32 bpp;
	u32 fg[4]; /* the pixel values of the log levels' colours (colour_for_level) */
	u8 bg;	   /* the byte a black pixel is made of: a palette index at 8 bpp, else 0 */
	u32 scale_x, scale_y; /* font pixels per glyph pixel */
	u32 cols, rows, col, row;
	const struct mb2_framebuffer *info;
	struct cell *history; /* SCROLLBACK_LINES lines of cols cells, a ring */
	u64 first;	      /* the line number (from boot on) of screen row 0 */
	u32 back;	      /* lines scrolled back; 0: the screen shows the live output */
};

#define SCROLLBACK_LINES 1000

struct cell {
	char ch;
	u8 level;
};

static struct fbcon con;

/*
 * The palette entry nearest a colour (by squared distance in RGB), for indexed framebuffers:
 * the palette is the boot loader's, so the console's colours are only approximated. Searched
 * once per colour at init, never per pixel.
 */
static u8 palette_index(u8 r, u8 g, u8 b)
{
	const struct mb2_framebuffer *fb = con.info;
	u32 n = MIN((u32)fb->nr_colors, 1U << con.bpp), i, best = 0, best_d = ~0U;

	for (i = 0; i < n; i++) {
		const u8 *p = fb->palette + 3 * i;
		s32 dr = p[0] - r, dg = p[1] - g, db = p[2] - b;
		u32 d = (u32)(dr * dr + dg * dg + db * db);

		if (d < best_d)
			best = i, best_d = d;
	}
	return (u8)best;
}

static u32 rgb(u8 r, u8 g, u8 b)
{
	const struct mb2_framebuffer *fb = con.info;

	if (con.bpp == 1)
		return 1;
	if (fb->type == MB2_FB_TYPE_INDEXED)
		return palette_index(r, g, b);
	return (u32)(r >> (8 - fb->red_size)) << fb->red_pos |
	       (u32)(g >> (8 - fb->green_size)) << fb->green_pos |
	       (u32)(b >> (8 - fb->blue_size)) << fb->blue_pos;
}

/* Errors red, warnings yellow, notices (the demo's headings) cyan, the rest light grey. */
static void init_colours(void)
{
	con.fg[0] = rgb(255, 85, 85);
	con.fg[1] = rgb(255, 255, 85);
	con.fg[2] = rgb(85, 255, 255);
	con.fg[3] = rgb(200, 200, 200);
	/* Black is 0 in every RGB layout and at 1 bpp; a palette may have it anywhere. */
	con.bg = 0;
	if (con.bpp == 8 && con.info->type == MB2_FB_TYPE_INDEXED)
		con.bg = palette_index(0, 0, 0);
}

static u32 colour_for_level(int level)
{
	return con.fg[level <= 3 ? 0 : level == 4 ? 1 : level == 5 ? 2 : 3];
}

static void put_pixel(u8 *p, u32 v)
{
	u32 i;

	for (i = 0; i < con.bpp / 8; i++)
		p[i] = v >> (8 * i);
}

/* The bytes of one pixel row of a cell: a cell is 8 or 16 pixels wide, so whole bytes. */
static u32 cell_row_bytes(void)
{
	return 8 * con.scale_x * con.bpp / 8;
}

/* Draw one character cell into buf (the shadow or, for the scrollback view, the screen). */
static void render_cell(u8 *buf, u32 cx, u32 cy, char ch, u32 fg)
{
	u32 cell_w = 8 * con.scale_x, cell_h = 8 * con.scale_y, x, y, i;
	const u8 *glyph = (ch >= FONT_FIRST && ch < 0x7f) ? font8x8[ch - FONT_FIRST] : font8x8[0];

	for (y = 0; y < cell_h; y++) {
		u32 off = (cy * cell_h + y) * con.pitch + cx * cell_row_bytes();
		u8 bits = glyph[y / con.scale_y];

		/* Monochrome: 8 pixels a byte, leftmost in bit 7, written whole (never read). */
		for (x = 0; x < cell_w && con.bpp == 1; x += 8) {
			u8 v = 0;

			for (i = 0; i < 8; i++)
				v |= bits & (0x80 >> ((x + i) / con.scale_x)) ? 0x80 >> i : 0;
			buf[off + x / 8] = v;
		}
		for (x = 0; x < cell_w && con.bpp > 1; x++) {
			bool on = bits & (0x80 >> (x / con.scale_x));

			put_pixel(buf + off + x * con.bpp / 8, on ? fg : con.bg);
		}
	}
}

/*
 * A scroll copies the whole screen twice, the shadow up a line and then out to video memory:
 * megabytes for every line printed. memcpy's rep movsb is fast on hardware, but an emulator
 * runs it a byte per step (under QEMU's TCG a scroll of 800x600x24 took tens of milliseconds,
 * most of the time of a boot's in-kernel tests). Lines are copied 64 bytes per step instead;
 * copying forwards is right for the shadow's move up, where dst lies below src.
 */
static void copy_lines(u8 *dst, const u8 *src, u64 n)
{
	u64 *d = (u64 *)dst;
	const u64 *s = (const u64 *)src;

	if (((u64)dst | (u64)src | n) % 64) {
		memmove(dst, src, n);
		return;
	}
	for (n /= 64; n; n--, d += 8, s += 8) {
		d[0] = s[0], d[1] = s[1], d[2] = s[2], d[3] = s[3];
		d[4] = s[4], d[5] = s[5], d[6] = s[6], d[7] = s[7];
		/* Keeps GCC from turning the loop back into a call of memmove. */
		asm volatile("" : : : "memory");
	}
}

static struct cell *history_line(u64 line)
{
	return con.history + (line % SCROLLBACK_LINES) * con.cols;
}

/* Draw a cell of the live output: into the history, the shadow and (unless scrolled back) out. */
static void draw_cell(u32 cx, u32 cy, char ch, int level)
{
	u32 cell_h = 8 * con.scale_y, y;

	if (con.history)
		history_line(con.first + cy)[cx] = (struct cell){ ch, (u8)level };
	render_cell(con.shadow, cx, cy, ch, colour_for_level(level));
	if (con.back)
		return;
	for (y = 0; y < cell_h; y++) {
		u32 off = (cy * cell_h + y) * con.pitch + cx * cell_row_bytes();

		memcpy(con.fb + off, con.shadow + off, cell_row_bytes());
	}
}

static void scroll(void)
{
	u32 line = 8 * con.scale_y * con.pitch;
	u32 used = con.rows * line;

	copy_lines(con.shadow, con.shadow + line, used - line);
	memset(con.shadow + used - line, con.bg, line);
	if (!con.back)
		copy_lines(con.fb, con.shadow, used);
	con.row = con.rows - 1;
	con.first++;
	/* A view scrolled back stays on the lines it shows, while the ring still holds them. */
	if (con.back && con.back < SCROLLBACK_LINES - con.rows)
		con.back++;
	if (con.history)
		memset(history_line(con.first + con.rows - 1), 0, con.cols * sizeof(struct cell));
}

static void newline(void)
{
	con.col = 0;
	if (++con.row >= con.rows)
		scroll();
}

static void fbcon_putc(char c, int level)
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
			fbcon_putc(' ', level);
		while (con.col % 8);
	} else {
		/*
		 * A panic prints on after stopping the other CPUs, maybe one that was in here: it
		 * may have left row or col one past the end. Never draw outside the screen.
		 */
		if (con.row >= con.rows)
			scroll();
		draw_cell(con.col, con.row, c, level);
		if (++con.col >= con.cols)
			newline();
	}
}

/* Interrupts off: the keyboard's interrupt may scroll the view (fbcon_scrollback). */
static void fbcon_write(const char *s, size_t n, int level)
{
	u64 flags = local_irq_save();

	while (n--)
		fbcon_putc(*s++, level);
	local_irq_restore(flags);
}

/* Show the view `back` lines up from the live screen, drawn from the history. */
static void draw_view(void)
{
	u32 r, c;

	if (!con.back) {
		memcpy(con.fb, con.shadow, (u64)con.rows * 8 * con.scale_y * con.pitch);
		return;
	}
	for (r = 0; r < con.rows; r++) {
		const struct cell *line = history_line(con.first - con.back + r);

		for (c = 0; c < con.cols; c++)
			render_cell(con.fb, c, r, line[c].ch ? line[c].ch : ' ',
				    colour_for_level(line[c].level));
	}
}

void fbcon_scrollback(int pages)
{
	u64 flags, oldest, back;

	if (!con.history)
		return;
	/* Not only interrupts off: another CPU may be printing, moving con.first under us. */
	flags = console_lock();
	/* No further back than the first line ever written or the oldest line the ring holds. */
	oldest = MIN(con.first, (u64)(SCROLLBACK_LINES - con.rows));
	back = pages ? (u64)MAX((s64)con.back + (s64)pages * (con.rows / 2), (s64)0) : 0;
	back = MIN(back, oldest);
	if (back != con.back) {
		con.back = back;
		draw_view();
	}
	console_unlock(flags);
}

/*
 * The history comes straight from the page allocator, not from vmalloc: an area of its own in
 * the vmalloc range would move every stack allocated after it, and with them the counted
 * benchmarks' figures (scripts/bench-gate). Without room for it there is no scrollback.
 */
static struct cell *alloc_history(void)
{
	u64 size = (u64)con.cols * SCROLLBACK_LINES * sizeof(struct cell);
	unsigned int order = 0;
	void *p;

	while ((PAGE_SIZE << order) < size)
		order++;
	p = alloc_pages(order);
	if (p)
		memset(p, 0, PAGE_SIZE << order);
	return p;
}

static struct console fb_console = { .name = "fbcon", .write = fbcon_write };

/*
 * 1 bpp, as GRUB sets under Bochs (640x480): monochrome glyphs, a set bit lit whatever the
 * palette. 8 bpp indexed, as VBE offers on old cards: drawn with the loader's palette. Direct
 * colour of 8, 16, 24 or 32 bpp with its layout.
 */
static bool depth_supported(const struct mb2_framebuffer *fb)
{
	if (fb->bpp == 1)
		return true;
	if (fb->type == MB2_FB_TYPE_INDEXED)
		return fb->bpp == 8 && fb->palette;
	return fb->has_rgb && (fb->bpp == 8 || fb->bpp == 16 || fb->bpp == 24 || fb->bpp == 32);
}

bool fbcon_init(const struct mb2_framebuffer *fb)
{
	u64 size, pos = 0;
	char buf[256];
	size_t n;

	if (!fb->present || fb->type == MB2_FB_TYPE_EGA_TEXT) /* text: the VGA console's */
		return false;
	/* What cannot be drawn is said in one line: a blank screen would say nothing at all. */
	if (fb->bpp == 8 && fb->type == MB2_FB_TYPE_INDEXED && !fb->palette) {
		pr_warn("fbcon: the %ux%u framebuffer of 8 bpp has an unusable palette (%s; %u "
			"colours): no screen console\n",
			fb->width, fb->height, fb->palette_error, fb->nr_colors);
		return false;
	}
	if (!depth_supported(fb) || fb->width < 64 || fb->height < 64 ||
	    (u64)fb->pitch * 8 < (u64)fb->width * fb->bpp) {
		pr_warn("fbcon: a %ux%u framebuffer of %u bpp, pitch %u, is not supported: no "
			"screen console\n",
			fb->width, fb->height, fb->bpp, fb->pitch);
		return false;
	}
	con.info = fb;
	con.pitch = fb->pitch;
	con.width = fb->width;
	con.height = fb->height;
	con.bpp = fb->bpp;
	con.scale_x = fb->width >= 1600 ? 2 : 1;
	con.scale_y = 2 * con.scale_x;
	con.cols = fb->width / (8 * con.scale_x);
	con.rows = fb->height / (8 * con.scale_y);
	init_colours();
	size = (u64)fb->pitch * fb->height;
	con.fb = ioremap(fb->addr, size);
	con.shadow = vzalloc(size);
	if (!con.fb || !con.shadow) {
		pr_err("fbcon: cannot map a %ux%u framebuffer\n", fb->width, fb->height);
		return false;
	}
	/* Black, which an indexed framebuffer's palette may not have at 0. */
	memset(con.fb, con.bg, size);
	memset(con.shadow, con.bg, size);
	con.history = alloc_history();
	/* Show what was logged before the screen existed, then everything after it. */
	while ((n = printk_log_read(&pos, buf, sizeof(buf))))
		fbcon_write(buf, n, LOGLEVEL_INFO);
	register_console(&fb_console);
	pr_info("fbcon: %ux%u framebuffer at %#lx, %u bpp, pitch %u: %ux%u text\n", fb->width,
		fb->height, fb->addr, fb->bpp, fb->pitch, con.cols, con.rows);
	return true;
}
