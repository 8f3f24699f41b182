#ifndef DRIVERS_VBE_DISPI_H
#define DRIVERS_VBE_DISPI_H

#include "boot/multiboot2.h"

/*
 * vbe_8bpp on the command line (a test aid): switch the framebuffer GRUB set on QEMU's or
 * Bochs's VGA to 8 bpp indexed with a palette of our own, and describe it in @fb as a loader
 * would, so the framebuffer console draws in 8 bpp. Returns false (fb unchanged) elsewhere.
 */
bool vbe_dispi_set_8bpp(struct mb2_framebuffer *fb);

#endif
