#ifndef ARCH_PIC_H
#define ARCH_PIC_H

#include "kernel/lib/types.h"

void pic_init(void);
void pic_unmask(unsigned int irq);
void pic_eoi(unsigned int irq);
bool pic_is_spurious(unsigned int irq);

#endif
