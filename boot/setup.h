/* What the boot loader told us, and what the command line asked for. */
#ifndef BOOT_SETUP_H
#define BOOT_SETUP_H

#include "boot/multiboot2.h"

#define KERNEL_NAME    "vmstack"
#define KERNEL_VERSION "0.1"

struct boot_params {
	struct mb2_info mb;    /* the parsed multiboot2 information */
	u64 mb_phys;	       /* where the information block is (reserved in mm) */
	const char *test_glob; /* test=<glob>: run in-kernel tests, then power off */
	bool bench;	       /* bench: run the benchmarks, then power off */
	bool icount;	       /* icount: QEMU's -icount shift=0 makes the TSC count instructions */
	char bench_name[64];
	bool demo;     /* demo: the overflow demo (kernel/debug/demo.h), then the shell */
	bool selftest; /* selftest: every in-kernel test, a summary on screen, halt */
	const char *selftest_glob; /* selftest=<glob>: only the tests it picks (test='s glob) */
	u64 pause_ms;		   /* pause=<ms>: the demo's pause after each report */
	int poweroff_s;		   /* poweroff=<s>: after the demo or self-test; -1: wait */
	bool nosmp;		   /* nosmp: run on the boot CPU alone, start no other */
	bool noapic;		   /* noapic: keep the ISA IRQs on the 8259 PIC, not the I/O APIC */
	bool vbe_8bpp; /* vbe_8bpp: the screen at 8 bpp indexed (kernel/drivers/vbe_dispi.h) */
};

extern struct boot_params boot_params;

#endif
