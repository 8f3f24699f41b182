/*
 * kernel_main: the C entry point. boot/entry.asm gets here in long mode, on the boot stack,
 * with the multiboot2 magic and the physical address of the boot information.
 */
#include "boot/pvh.h"
#include "boot/setup.h"
#include "arch/x86_64/core.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/asm/irqflags.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/power.h"
#include "kernel/drivers/serial.h"
#include "kernel/drivers/vga.h"
#include "kernel/drivers/ps2kbd.h"
#include "kernel/drivers/acpi.h"
#include "kernel/debug/bench.h"
#include "kernel/debug/demo.h"
#include "boot/cmdline.h"
#include "kernel/drivers/fbcon.h"
#include "kernel/drivers/vbe_dispi.h"
#include "kernel/console_wait.h"
#include "kernel/cpu_stack.h"
#include "kernel/debug/ktest.h"
#include "arch/x86_64/percpu.h"
#include "kernel/printk/printk.h"
#include "kernel/drivers/ioapic.h"
#include "kernel/shell/shell.h"
#include "kernel/lib/string.h"
#include "kernel/task.h"
#include "kernel/smp.h"
#include "kernel/stackprotector.h"
#include "kernel/time.h"
#include "kernel/user/process.h"
#include "kernel/user/initrd.h"
#include "kernel/user/kstack_offset.h"
#include "kernel/user/syscall.h"
#include "kernel/debug/lkdtm.h"
#include "kernel/user/stackleak.h"
#include "mm/fail.h"
#include "mm/mm.h"
#include "mm/kfence.h"
#include "mm/page_poison.h"

/* The multiboot2 information is small; anything claiming more than this is not to be trusted. */
#define MB2_MAX_INFO_SIZE (1 << 20)
#define VGA_TEXT_PHYS	  0xb8000

struct boot_params boot_params;
static struct memmap memmap;
static void set_test(const char *key, const char *value, void *ctx)
{
	static char glob[1024]; /* a list of names, from the grader, can be long */

	strlcpy(glob, *value ? value : "*", sizeof(glob));
	boot_params.test_glob = glob;
}

static void set_loglevel(const char *key, const char *value, void *ctx)
{
	u64 level;

	if (kstrtou64(value, &level) || level > 8)
		pr_warn("cmdline: loglevel=%s is not a number from 0 to 8; ignored\n", value);
	else
		console_loglevel = level;
}

/* icount: the TSC counts instructions (QEMU -icount shift=0,sleep=off); benchmarks say so. */
static void set_icount(const char *key, const char *value, void *ctx)
{
	if (*value)
		pr_warn("cmdline: icount takes no value; '%s' ignored\n", value);
	boot_params.icount = true;
}

/* fail=<n>: the n-th allocation from boot on fails (mm/fail.h); the boot may not survive it. */
static void set_fail(const char *key, const char *value, void *ctx)
{
	u64 n;

	if (kstrtou64(value, &n))
		pr_warn("cmdline: fail=%s is not a number; ignored\n", value);
	else
		fail_nth_set(n);
}

static void set_bench(const char *key, const char *value, void *ctx)
{
	boot_params.bench = true;
	strlcpy(boot_params.bench_name, value, sizeof(boot_params.bench_name));
}

static void set_demo(const char *key, const char *value, void *ctx)
{
	static char glob[1024]; /* as test='s */

	if (!strcmp(key, "demo")) {
		if (*value)
			pr_warn("cmdline: %s takes no value; '%s' ignored\n", key, value);
		boot_params.demo = true;
		return;
	}
	/* selftest=<glob>: the tests it picks, as test=<glob> does; selftest alone: all of them. */
	if (strlcpy(glob, *value ? value : "*", sizeof(glob)) >= sizeof(glob))
		pr_warn("cmdline: %s=: the glob is cut at %lu characters\n", key, sizeof(glob) - 1);
	boot_params.selftest = true;
	boot_params.selftest_glob = glob;
}

/* pause=<ms> and poweroff=<s>: how the demo and the self-test pace themselves and end. */
static void set_demo_timing(const char *key, const char *value, void *ctx)
{
	bool pause = !strcmp(key, "pause");
	u64 n;

	if (kstrtou64(value, &n) || n > (pause ? 600000 : 86400))
		pr_warn("cmdline: %s=%s is not a number from 0 to %s; ignored\n", key, value,
			pause ? "600000 (ms)" : "86400 (s)");
	else if (pause)
		boot_params.pause_ms = n;
	else
		boot_params.poweroff_s = n;
}

static void set_flag(const char *key, const char *value, void *ctx)
{
	if (*value)
		pr_warn("cmdline: %s takes no value; '%s' ignored\n", key, value);
	if (!strcmp(key, "nosmp"))
		boot_params.nosmp = true;
	else
		boot_params.noapic = true;
}

static void set_vbe_8bpp(const char *key, const char *value, void *ctx)
{
	if (*value)
		pr_warn("cmdline: %s takes no value; '%s' ignored\n", key, value);
	boot_params.vbe_8bpp = true;
}

/* page_poison=1: poison freed pages, check the poison on allocation (mm/page_poison.h). */
static void set_page_poison(const char *key, const char *value, void *ctx)
{
	if (!strcmp(value, "1") || !strcmp(value, "on"))
		page_poison_enable();
	else if (strcmp(value, "0") && strcmp(value, "off"))
		pr_warn("cmdline: page_poison=%s is not 1 or 0; ignored\n", value);
}

/* kfence.sample_interval=<ms> (0: off) and kfence=all: the guarded heap (mm/kfence.h). */
static void set_kfence(const char *key, const char *value, void *ctx)
{
	u64 ms;

	if (!strcmp(key, "kfence")) {
		if (!strcmp(value, "all"))
			kfence_set_guard_all(true);
		else
			pr_warn("cmdline: kfence=%s: the one value is 'all'; ignored\n", value);
	} else if (kstrtou64(value, &ms) || ms > 3600000) {
		pr_warn("cmdline: %s=%s is not a number of ms; ignored\n", key, value);
	} else {
		kfence_set_sample_interval(ms);
	}
}

/* randomize_kstack_offset=on|off: the random stack offset per system call (default on). */
static void set_kstack_offset(const char *key, const char *value, void *ctx)
{
	if (!strcmp(value, "on"))
		randomize_kstack_offset = true;
	else if (!strcmp(value, "off"))
		randomize_kstack_offset = false;
	else
		pr_warn("cmdline: %s=%s is not on or off; it stays %s\n", key, value,
			randomize_kstack_offset ? "on" : "off");
}

/* kstack_erase=on|off: stack erasing on return to user mode (kernel/user/stackleak.h). */
static void set_kstack_erase(const char *key, const char *value, void *ctx)
{
	if (!strcmp(value, "on") || !strcmp(value, "1"))
		kstack_erase_enabled = true;
	else if (!strcmp(value, "off") || !strcmp(value, "0"))
		kstack_erase_enabled = false;
	else
		pr_warn("cmdline: kstack_erase=%s is not on or off; ignored\n", value);
}

static void unknown_param(const char *key, const char *value, void *ctx)
{
	pr_warn("cmdline: unknown parameter '%s' ignored\n", key);
}

static const struct cmdline_param kernel_params[] = {
	{ "test", set_test },
	{ "loglevel", set_loglevel },
	{ "bench", set_bench },
	{ "fail", set_fail },
	{ "icount", set_icount },
	{ "demo", set_demo },
	{ "selftest", set_demo },
	{ "pause", set_demo_timing },
	{ "poweroff", set_demo_timing },
	{ "nosmp", set_flag },
	{ "noapic", set_flag },
	{ "vbe_8bpp", set_vbe_8bpp },
	{ "page_poison", set_page_poison },
	{ "kfence", set_kfence },
	{ "kfence.sample_interval", set_kfence },
	{ "randomize_kstack_offset", set_kstack_offset },
	{ "kstack_erase", set_kstack_erase },
	{ NULL, NULL },
};

static void parse_cmdline(void)
{
	static char buf[1024];
	char err[128];
	const char *cmdline = boot_params.mb.cmdline ? boot_params.mb.cmdline : "";

	pr_info("Command line: %s\n", cmdline);
	if (cmdline_parse(cmdline, buf, sizeof(buf), kernel_params, unknown_param, NULL, err,
			  sizeof(err)) < 0)
		pr_warn("cmdline: %s\n", err);
}

/* The boot page tables map the first 4 GiB at the direct map: the PVH block is read there. */
static const void *boot_phys(u64 phys, u64 len)
{
	if (phys + len < phys || phys + len > (4ull << 30))
		return NULL;
	return phys_to_virt(phys);
}

/*
 * Parse the boot information or stop with the reason: reading garbage helps nobody. GRUB gives
 * a multiboot2 block; QEMU's -kernel a PVH start info (boot/pvh.h), decoded into the same form.
 */
static void parse_boot_info(u32 magic, u64 mb_phys)
{
	char err[160];

	boot_params.mb_phys = mb_phys;
	if (magic == PVH_START_MAGIC) {
		if (pvh_parse(mb_phys, boot_phys, &boot_params.mb, err, sizeof(err)) < 0)
			panic("%s", err);
		return;
	}
	if (magic != MB2_BOOTLOADER_MAGIC)
		panic("multiboot2: bad magic %#x", magic);
	if (mb2_parse(phys_to_virt(mb_phys), MB2_MAX_INFO_SIZE, &boot_params.mb, err, sizeof(err)) <
	    0)
		panic("multiboot2: malformed boot information: %s", err);
}

/* The multiboot2 memory map and what the boot information occupies, in mm's own terms. */
static void build_memmap(struct memmap *map)
{
	const struct mb2_info *mb = &boot_params.mb;
	u32 i;

	for (i = 0; i < mb->mmap.nr_entries; i++) {
		const struct mb2_mmap_entry *e = mb2_mmap_entry(mb, i);
		enum mem_type type = e->type == MB2_MMAP_AVAILABLE	    ? MEM_RAM
				     : e->type == MB2_MMAP_ACPI_RECLAIMABLE ? MEM_FIRMWARE
				     : e->type == MB2_MMAP_NVS		    ? MEM_FIRMWARE
									    : MEM_RESERVED;

		if (!memmap_add(map->regions, &map->nr_regions, MEMMAP_MAX_REGIONS, e->addr,
				e->addr + e->len, type)) {
			pr_warn("mm: the memory map has %u entries; using the first %u\n",
				mb->mmap.nr_entries, MEMMAP_MAX_REGIONS);
			break;
		}
	}
	memmap_add(map->reserved, &map->nr_reserved, MEMMAP_MAX_RESERVED, boot_params.mb_phys,
		   boot_params.mb_phys + mb->total_size, MEM_RESERVED);
	/* The boot information and every module fit: MB2_MAX_MODULES < MEMMAP_MAX_RESERVED. */
	for (i = 0; i < mb->nr_modules; i++)
		memmap_add(map->reserved, &map->nr_reserved, MEMMAP_MAX_RESERVED,
			   mb->modules[i].start, mb->modules[i].end, MEM_RESERVED);
}
_Static_assert(MB2_MAX_MODULES < MEMMAP_MAX_RESERVED, "room for the boot information and modules");

/* Is [start, end) inside one region of usable RAM (so the direct map covers it)? */
static bool in_ram(const struct memmap *map, u64 start, u64 end)
{
	u32 i;

	for (i = 0; i < map->nr_regions; i++) {
		const struct mem_region *r = &map->regions[i];

		if (r->type == MEM_RAM && r->start <= start && end <= r->end)
			return true;
	}
	return false;
}

/*
 * The initrd is the multiboot2 module whose command line is "initrd" (scripts/mkiso), else the
 * first module. build_memmap() reserved every module, so the page allocator never hands its
 * pages out; it must lie in RAM, where the direct map reaches it. Anything wrong with it is
 * reported and the kernel goes on without user programs.
 */
static void initrd_setup(void)
{
	const struct mb2_info *mb = &boot_params.mb;
	const struct mb2_module *m = NULL;
	u32 i;

	if (mb->nr_modules_bad)
		pr_warn("multiboot2: %u module(s) whose end is below their start: ignored\n",
			mb->nr_modules_bad);
	if (mb->nr_modules_dropped)
		pr_warn("multiboot2: %u module(s) beyond the first %d: ignored\n",
			mb->nr_modules_dropped, MB2_MAX_MODULES);
	for (i = 0; i < mb->nr_modules && !m; i++) {
		if (!strcmp(mb->modules[i].cmdline, "initrd"))
			m = &mb->modules[i];
	}
	if (!m && mb->nr_modules)
		m = &mb->modules[0];
	if (!m) {
		pr_warn("initrd: no multiboot2 module: no user programs\n");
		return;
	}
	if (!in_ram(&memmap, m->start, m->end)) {
		pr_err("initrd: module %#x-%#x ('%s') is not in usable RAM; not used\n", m->start,
		       m->end, m->cmdline);
		return;
	}
	initrd_init(phys_to_virt(m->start), m->end - m->start);
}

/*
 * VGA text exists where GRUB left the screen in EGA text mode: a framebuffer tag of type
 * EGA text, or no framebuffer tag and no UEFI (BIOS boots default to text mode).
 */
static void console_init(void)
{
	struct mb2_framebuffer *fb = &boot_params.mb.fb;

	if (fb->present && fb->type == MB2_FB_TYPE_EGA_TEXT)
		vga_console_init(phys_to_virt(fb->addr));
	else if (!fb->present && !boot_params.mb.has_efi64_system_table)
		vga_console_init(phys_to_virt(VGA_TEXT_PHYS));
}

static void run_tests_and_exit(const char *glob)
{
	int failed;

	if (!ktest_count(glob)) {
		pr_err("ktest: no test matches '%s'. The tests are:\n", glob);
		ktest_list();
		qemu_exit(QEMU_EXIT_FAILURE);
		machine_halt();
	}
	failed = ktest_run(glob);
	qemu_exit(failed ? QEMU_EXIT_FAILURE : QEMU_EXIT_SUCCESS);
	machine_halt();
}

/* The first task, on a guarded stack: runs the benchmarks, the tests or the shell. */
static int init_main(void *arg)
{
	struct demo_options opt = { boot_params.pause_ms, boot_params.poweroff_s,
				    boot_params.selftest_glob };

	if (boot_params.bench)
		bench_main(boot_params.bench_name);
	if (boot_params.test_glob)
		run_tests_and_exit(boot_params.test_glob);
	if (boot_params.selftest)
		selftest_run(&opt);
	if (boot_params.demo)
		demo_run(&opt);
	shell_run();
}

/*
 * No canary of its own: it starts before GS points at the per-CPU area, and the boot context's
 * canary is set under its frame (boot_init_stack_canary()).
 */
__no_stack_protector void kernel_main(u32 magic, u64 mb_phys)
{
	struct percpu *cpu;

	percpu_init_boot_cpu();
	cpu = this_cpu();
	serial_init();
	cpu_detect();
	boot_init_stack_canary();
	parse_boot_info(magic, mb_phys);
	console_init();
	pr_info("%s %s: a teaching kernel with virtually mapped kernel stacks\n", KERNEL_NAME,
		KERNEL_VERSION);
	pr_info("Booted by %s\n",
		boot_params.mb.bootloader_name ? boot_params.mb.bootloader_name : "unknown");
	boot_params.pause_ms = DEMO_DEFAULT_PAUSE_MS;
	boot_params.poweroff_s = DEMO_NO_POWEROFF;
	parse_cmdline();
	cpu_print_features();
	stack_protector_print();

	gdt_init(&cpu->arch);
	boot_ist_stacks_init();
	idt_init();
	build_memmap(&memmap);
	mm_init(&memmap);
	initrd_setup();
	ist_stacks_init();
	irq_stack_init();
	if (boot_params.vbe_8bpp)
		vbe_dispi_set_8bpp(&boot_params.mb.fb);
	fbcon_init(&boot_params.mb.fb);
	acpi_init(&boot_params.mb);
	pic_init();
	time_init();
	serial_enable_rx_irq();
	ps2kbd_init();
	local_irq_enable();
	smp_init(&memmap, boot_params.nosmp);
	if (boot_params.noapic)
		pr_info("ioapic: noapic on the command line: IRQs stay on the 8259 PIC\n");
	else
		ioapic_init();

	user_init();
	lkdtm_syscall = lkdtm_direct;
	console_wait_init();
	sched_start(init_main);
}
