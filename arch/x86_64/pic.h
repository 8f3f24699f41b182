#ifndef ARCH_PIC_H
#define ARCH_PIC_H

#include "kernel/lib/types.h"

void pic_init(void);
void pic_unmask(unsigned int irq);
void pic_eoi(unsigned int irq);
bool pic_is_spurious(unsigned int irq);
u16 pic_in_service(void);

#endif
