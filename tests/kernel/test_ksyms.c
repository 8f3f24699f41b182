/* The kernel's own symbol table: an address becomes name+offset/size, as in a backtrace. */
#include "kernel/debug/ktest.h"
#include "kernel/lib/ksyms.h"
#include "kernel/lib/string.h"

KTEST(ksyms, lookup)
{
	u64 addr = ksym_address("kernel_main");
	char buf[80];

	KT_ASSERT(addr);
	ksym_format(addr + 5, buf, sizeof(buf));
	KT_EXPECT_MSG(!strncmp(buf, "kernel_main+0x5/0x", 18), "got %s", buf);
	ksym_format(0x1234, buf, sizeof(buf));
	KT_EXPECT_MSG(!strcmp(buf, "0x0000000000001234"), "got %s", buf);
}
