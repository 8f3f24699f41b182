#ifndef DRIVERS_VGA_H
#define DRIVERS_VGA_H

#include "kernel/lib/types.h"

/* Register the VGA text console at the given virtual address of 0xB8000. */
void vga_console_init(void *text_buffer);

#endif
