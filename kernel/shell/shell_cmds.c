/* The shell's commands. Each one checks its arguments and says clearly what is wrong. */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/power.h"
#include "kernel/drivers/ioapic.h"
#include "kernel/debug/bench.h"
#include "kernel/printk/console.h"
#include "kernel/debug/ktest.h"
#include "kernel/lib/vsprintf.h"
#include "kernel/printk/printk.h"
#include "boot/setup.h"
#include "kernel/shell/shell.h"
#include "kernel/shell/shell_cmds.h"
#include "kernel/lib/string.h"
#include "kernel/reboot.h"
#include "kernel/smp.h"
#include "kernel/stackprotector.h"
#include "kernel/time.h"

static int cmd_help(int argc, char **argv);

static int cmd_echo(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		printk(KERN_CONT "%s%s", argv[i], i + 1 < argc ? " " : "");
	printk(KERN_CONT "\n");
	return 0;
}

static int cmd_uptime(int argc, char **argv)
{
	u64 ms = uptime_ms();

	printk("up %lu.%02lu s (%lu jiffies at HZ=%d)\n", ms / 1000, (ms % 1000) / 10, jiffies, HZ);
	return 0;
}

static int cmd_poweroff(int argc, char **argv)
{
	printk("Power down.\n");
	kernel_power_off();
}

static int cmd_reboot(int argc, char **argv)
{
	printk("Restarting system.\n");
	machine_restart();
}

static int cmd_dmesg(int argc, char **argv)
{
	static char buf[1024];
	u64 pos = 0;
	size_t n;

	/* Straight to the consoles: printing the log must not log it again. */
	while ((n = printk_log_read(&pos, buf, sizeof(buf))))
		console_print(buf, n, LOGLEVEL_INFO);
	return 0;
}

static int cmd_cpuinfo(int argc, char **argv)
{
	cpu_print_features();
	stack_protector_print();
	smp_print_cpus();
	ioapic_print();
	return 0;
}

static int cmd_bootinfo(int argc, char **argv)
{
	const struct mb2_info *mb = &boot_params.mb;
	u32 i;

	printk("multiboot2 information at %#lx, %u bytes, %u tags\n", boot_params.mb_phys,
	       mb->total_size, mb->nr_tags);
	printk("boot loader: %s\n", mb->bootloader_name ? mb->bootloader_name : "(none)");
	printk("command line: %s\n", mb->cmdline ? mb->cmdline : "(none)");
	for (i = 0; i < mb->mmap.nr_entries; i++) {
		const struct mb2_mmap_entry *e = mb2_mmap_entry(mb, i);

		printk("  memory %016lx-%016lx type %u%s\n", e->addr, e->addr + e->len - 1, e->type,
		       e->type == MB2_MMAP_AVAILABLE ? " (usable)" : "");
	}
	for (i = 0; i < mb->nr_modules; i++)
		printk("module %u: %#x-%#x, %u bytes, '%s'\n", i, mb->modules[i].start,
		       mb->modules[i].end, mb->modules[i].end - mb->modules[i].start,
		       mb->modules[i].cmdline);
	if (mb->fb.present)
		printk("framebuffer: %ux%u, %u bpp, type %u at %#lx\n", mb->fb.width, mb->fb.height,
		       mb->fb.bpp, mb->fb.type, mb->fb.addr);
	if (mb->acpi.version)
		printk("ACPI RSDP: version %u\n", mb->acpi.version);
	if (mb->elf.present)
		printk("ELF sections: %u headers\n", mb->elf.num);
	printk("UEFI: %s\n", mb->has_efi64_system_table ? "yes" : "no");
	return 0;
}

static int cmd_ktest(int argc, char **argv)
{
	if (argc != 2) {
		printk("usage: ktest <glob>    (ktest list: the tests)\n");
		return -1;
	}
	if (!strcmp(argv[1], "list")) {
		ktest_list();
		return 0;
	}
	if (!ktest_count(argv[1])) {
		pr_err("ktest: no test matches '%s'\n", argv[1]);
		return -1;
	}
	return ktest_run(argv[1]) ? -1 : 0;
}

const struct shell_command shell_commands[] = {
	{ "help", "", "list the commands", cmd_help },
	{ "echo", "[words...]", "print the words", cmd_echo },
	{ "uptime", "", "time since boot", cmd_uptime },
	{ "dmesg", "", "print the kernel log", cmd_dmesg },
	{ "cpuinfo", "", "the CPUs: features the kernel uses, APIC ids, states", cmd_cpuinfo },
	{ "bootinfo", "", "what the boot loader passed (memory map, ...)", cmd_bootinfo },
	{ "meminfo", "", "memory use, free blocks per order", cmd_meminfo },
	{ "vmallocinfo", "[purge]",
	  "the vmalloc areas, like /proc/vmallocinfo (purge: the freed first)", cmd_vmallocinfo },
	{ "kfenceinfo", "", "the guarded heap (KFENCE): pool, samples, faults caught",
	  cmd_kfenceinfo },
	{ "vmtree", "", "the tree of vmalloc areas, one line an area, by depth", cmd_vmtree },
	{ "pagewalk", "<addr>", "walk the page tables for an address", cmd_pagewalk },
	{ "ptdump", "", "the kernel half's page tables as runs with rights", cmd_ptdump },
	{ "fail", "[n]", "make the n-th allocation from now fail (failure injection)", cmd_fail },
	{ "ps", "", "tasks, their stacks and stack use", cmd_ps },
	{ "spawn", "<n> [cpu]", "start n demo tasks that count and sleep", cmd_spawn },
	{ "kill", "<pid>", "end a task", cmd_kill },
	{ "run", "<program> [args]", "run a user program, wait for it, say how it ended", cmd_run },
	{ "lkdtm", "<NAME> [here|cpu]|list", "crash tests: overrun a kernel stack", cmd_lkdtm },
	{ "stacktorture", "<rounds> [seed [first]]", "overflows at random points, checked",
	  cmd_stacktorture },
	{ "heaptorture", "<rounds> [seed]", "KFENCE: heap bugs at random, each checked",
	  cmd_heaptorture },
	{ "stack_trace", "[on|off|reset]", "the deepest stack seen, and each task function's",
	  cmd_stack_trace },
	{ "ls", "", "the files of the initrd (user programs), with sizes", cmd_ls },
	{ "ktest", "<glob>|list", "run in-kernel tests", cmd_ktest },
	{ "bench", "[list|smoke|glob]", "benchmarks: stack costs, timed", cmd_bench },
	{ "poweroff", "", "power the machine off", cmd_poweroff },
	{ "reboot", "", "restart the machine", cmd_reboot },
};
const int shell_nr_commands = ARRAY_SIZE(shell_commands);

static int cmd_help(int argc, char **argv)
{
	int i;

	for (i = 0; i < shell_nr_commands; i++) {
		char usage[48];

		snprintf(usage, sizeof(usage), "%s %s", shell_commands[i].name,
			 shell_commands[i].args);
		printk("  %-24s %s\n", usage, shell_commands[i].help);
	}
	return 0;
}
