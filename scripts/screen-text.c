/*
 * Read the text off a screendump of the framebuffer console: the tests' eyes where there is no
 * serial port. Each character cell is compared, pixel for pixel, with the console's own font
 * (scripts/font/font8x8.txt, drawn the way kernel/drivers/fbcon.c draws it: 8x16, or 16x32 on
 * screens 1600 pixels wide or more). A pixel is lit if it is not black, so every colour and
 * every depth (1, 8, 16, 24, 32 bpp) reads the same. A cell no glyph matches prints as '?'.
 *
 * Usage: screen-text screen.ppm   (QEMU's screendump: binary PPM, P6, maxval 255)
 * Build: cc -I. -Ibuild scripts/screen-text.c build/font8x8.c   (run-tests does it)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/drivers/font.h"

static unsigned char *pixels;
static unsigned width, height;

static int read_ppm(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned maxval;

	if (!f || fscanf(f, "P6 %u %u %u", &width, &height, &maxval) != 3 || maxval != 255 ||
	    fgetc(f) == EOF || !width || !height || width > 16384 || height > 16384) {
		fprintf(stderr, "screen-text: %s is not a binary PPM (P6, maxval 255)\n", path);
		return -1;
	}
	pixels = malloc((size_t)width * height * 3);
	if (!pixels || fread(pixels, 3, (size_t)width * height, f) != (size_t)width * height) {
		fprintf(stderr, "screen-text: %s is cut short\n", path);
		return -1;
	}
	fclose(f);
	return 0;
}

static int lit(unsigned x, unsigned y)
{
	const unsigned char *p = pixels + ((size_t)y * width + x) * 3;

	return p[0] | p[1] | p[2];
}

/*
 * The cell's 8x8 bitmap, sampled at each font pixel's top-left screen pixel; -1 if the cell is
 * not drawn as the font would draw it (some screen pixel of a font pixel differs from the rest).
 */
static int cell_bitmap(unsigned cx, unsigned cy, unsigned sx, unsigned sy, unsigned char out[8])
{
	unsigned gx, gy, dx, dy;

	for (gy = 0; gy < 8; gy++) {
		out[gy] = 0;
		for (gx = 0; gx < 8; gx++) {
			unsigned x0 = cx * 8 * sx + gx * sx, y0 = cy * 8 * sy + gy * sy;
			int on = !!lit(x0, y0);

			for (dy = 0; dy < sy; dy++)
				for (dx = 0; dx < sx; dx++)
					if (!!lit(x0 + dx, y0 + dy) != on)
						return -1;
			out[gy] |= on << (7 - gx);
		}
	}
	return 0;
}

static char cell_char(unsigned cx, unsigned cy, unsigned sx, unsigned sy)
{
	unsigned char bits[8];
	int g;

	if (cell_bitmap(cx, cy, sx, sy, bits))
		return '?';
	for (g = 0; g < FONT_GLYPHS; g++)
		if (!memcmp(bits, font8x8[g], 8))
			return (char)(FONT_FIRST + g);
	return '?';
}

int main(int argc, char **argv)
{
	unsigned sx, sy, cols, rows, cx, cy;
	char line[2100];

	if (argc != 2) {
		fprintf(stderr, "usage: screen-text screen.ppm\n");
		return 2;
	}
	if (read_ppm(argv[1]))
		return 1;
	sx = width >= 1600 ? 2 : 1;
	sy = 2 * sx;
	cols = width / (8 * sx);
	rows = height / (8 * sy);
	for (cy = 0; cy < rows; cy++) {
		int end = 0;

		for (cx = 0; cx < cols && cx < sizeof(line) - 1; cx++) {
			line[cx] = cell_char(cx, cy, sx, sy);
			if (line[cx] != ' ')
				end = cx + 1;
		}
		line[end] = '\0';
		puts(line);
	}
	return 0;
}
