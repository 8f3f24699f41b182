#ifndef DRIVERS_PS2KBD_H
#define DRIVERS_PS2KBD_H

#include "kernel/lib/types.h"

/* The PS/2 keyboard on IRQ 1: key presses become console input, like bytes from the serial port. */
void ps2kbd_init(void);
/* Did ps2kbd_init find a controller that answers? */
bool ps2kbd_present(void);

#endif
