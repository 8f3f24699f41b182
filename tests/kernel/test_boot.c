/* Boot: what the boot loader handed over reaches the kernel. */
#include "boot/setup.h"
#include "kernel/debug/ktest.h"
#include "kernel/lib/string.h"

/* The word that ran the tests reached the kernel: test=<glob>, or selftest (the boot menu's). */
KTEST(boot, cmdline_reaches_kernel)
{
	KT_ASSERT(boot_params.mb.cmdline);
	if (boot_params.selftest) {
		KT_EXPECT(strstr(boot_params.mb.cmdline, "selftest"));
		return;
	}
	KT_EXPECT(strstr(boot_params.mb.cmdline, "test="));
	KT_EXPECT(boot_params.test_glob);
}

KTEST(boot, memory_map_present)
{
	KT_EXPECT(boot_params.mb.mmap.present);
	KT_EXPECT(boot_params.mb.mmap.nr_entries > 0);
}
