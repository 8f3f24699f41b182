#ifndef DRIVERS_FBCON_H
#define DRIVERS_FBCON_H

#include "boot/multiboot2.h"

/*
 * A text console on the linear framebuffer GRUB hands over (the only screen there is under
 * UEFI). Returns true if it took over the screen. Needs vmalloc (it maps the framebuffer).
 */
bool fbcon_init(const struct mb2_framebuffer *fb);
/* Scroll the view back (pages > 0) or forward by half screens; pages 0: back to the live screen. */
void fbcon_scrollback(int pages);

#endif
