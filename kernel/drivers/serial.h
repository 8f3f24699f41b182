#ifndef DRIVERS_SERIAL_H
#define DRIVERS_SERIAL_H

#include "kernel/lib/types.h"

void serial_init(void);
void serial_putc(char c);
void serial_enable_rx_irq(void);
/* Is there a UART at COM1 (serial_init probed it)? */
bool serial_present(void);

#endif
