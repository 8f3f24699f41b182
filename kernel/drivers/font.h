/* The console font: 8x8 glyphs for printable ASCII (scripts/font/font8x8.txt). */
#ifndef DRIVERS_FONT_H
#define DRIVERS_FONT_H

#include "kernel/lib/types.h"

#define FONT_FIRST  0x20
#define FONT_GLYPHS (0x7f - FONT_FIRST)

extern const u8 font8x8[FONT_GLYPHS][8];

#endif
