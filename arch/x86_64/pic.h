#ifndef ARCH_PIC_H
#define ARCH_PIC_H

#include "kernel/lib/types.h"

struct irq_chip;

void pic_init(void);
/* The 8259s as the interrupt controller of IRQs 0-15 (the default, see set_irq_chip()). */
extern const struct irq_chip pic_chip;
void pic_unmask(unsigned int irq);
void pic_eoi(unsigned int irq);
bool pic_is_spurious(unsigned int irq);
u16 pic_in_service(void);

#endif
