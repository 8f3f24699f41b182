# vmstack: a teaching kernel with virtually mapped kernel stacks.
#
#   make            build build/kernel.elf        make run     boot it in QEMU (serial on stdio)
#   make iso        build build/kernel.iso        make test    every test, in parallel (-j N, T=)
#   make check      the quick tests (2 minutes)   make run-kernel  boot without GRUB (PVH)
#   make debug      QEMU halted, waiting for gdb  make fuzz    fuzz the pure-logic parsers/allocators
#   make grade      grade the labs (LAB=<n>: one)  make handout LAB=<n>   a lab's student tree
#   make bench      boot, run the benchmarks, write build/bench.json
#   make torture    1,000 stack overflows, then 1,000 heap bugs, at random points (ROUNDS=, SEED=)
#   make stackcheck every entry point's worst-case stack depth, proven at build time
#
# Variables: CROSS_COMPILE, CMDLINE, QEMU_ARGS, KVM=1, SMP=<cpus>, and the kernel options below.

CROSS_COMPILE ?=
# ccache where it is installed (make test installs it): make test builds the same files in many
# trees (a handout per lab, the graders' copies of the tree), and ccache compiles each distinct
# file once. CCACHE= turns it off.
CCACHE ?= $(shell command -v ccache 2>/dev/null)
CC := $(CCACHE) $(CROSS_COMPILE)gcc
LD := $(CROSS_COMPILE)ld
NM := $(CROSS_COMPILE)nm
OBJCOPY := $(CROSS_COMPILE)objcopy
NASM ?= nasm
HOSTCC ?= gcc

# Kernel options (like Linux's CONFIG_*): each build directory holds one configuration.
VMAP_STACK ?= y
THREAD_SIZE ?= 16384
STACK_GUARD_PAGES ?= 1
NR_CACHED_STACKS ?= 2
# y: a reused stack has only the pages its last task wrote zeroed (their PTEs' dirty bits say
# which); n: all of THREAD_SIZE, as Linux. No effect with VMAP_STACK=n (no PTEs of its own).
STACK_ZERO_DIRTY ?= y
# y: -fstack-protector-strong, a canary per task (kernel/stackprotector.c); n: none, for figures.
STACKPROTECTOR ?= y
BUILD ?= build

CMDLINE ?=
QEMU_ARGS ?=
KVM ?= 0
# CPUs of the machine that make run, run-uefi and debug boot (QEMU's -smp, via scripts/qemu-run).
SMP ?= 2
export CMDLINE QEMU_ARGS KVM

# -Wframe-larger-than=1024, from the figures of `make stackcheck`: the largest frames outside the
# crash tests are vprintk's 576 bytes and a buddy test's 784, and the deepest bounded path uses
# about 6 KiB of a 16 KiB stack. A new frame over 1 KiB would be the biggest in the kernel and a
# sixteenth of a stack at once: move its buffer off the stack, or, if it is an experiment that
# must be that big (lkdtm's recursion), say so with a #pragma around it. KCFLAGS adds flags.
#
# The stack protector reads the canary at %gs:<offset>, a field of struct percpu: the offset is
# read from arch/x86_64/percpu.h, where a _Static_assert holds the field to it.
PERCPU_STACK_CANARY := $(shell sed -n 's/^\#define PERCPU_STACK_CANARY[[:space:]]*\([0-9]*\).*/\1/p' \
	arch/x86_64/percpu.h)
STACKPROTECTOR_CFLAGS := $(if $(filter y,$(STACKPROTECTOR)),-fstack-protector-strong \
	-mstack-protector-guard=tls -mstack-protector-guard-reg=gs \
	-mstack-protector-guard-offset=$(PERCPU_STACK_CANARY),-fno-stack-protector)
CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-builtin -nostdlib -fno-pic -fno-pie \
	-mcmodel=kernel -mno-red-zone -mno-sse -mno-sse2 -mno-mmx -mno-80387 \
	-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -fstack-clash-protection \
	$(STACKPROTECTOR_CFLAGS) -fno-asynchronous-unwind-tables -fno-strict-aliasing \
	-Wall -Wextra -Werror -Wno-unused-parameter -Wframe-larger-than=1024 -I. -I$(BUILD) -MMD -MP \
	$(KCFLAGS)
LDFLAGS := -nostdlib -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments -T linker.ld
NASMFLAGS := -f elf64 -g -F dwarf -w+all -I$(BUILD)/

# make stackcheck's build directories (stackcheck-build below) write GCC's stack figures beside
# every object, in every later make there too, so that no object is newer than its figures:
# -fstack-usage and -fcallgraph-info=su, without ccache (it restores a .su but not a .ci).
STACKCHECK_KCFLAGS := -fstack-usage -fcallgraph-info=su
ifneq ($(wildcard $(BUILD)/stackcheck.stamp),)
CFLAGS += $(STACKCHECK_KCFLAGS)
CC := $(CROSS_COMPILE)gcc
endif

# The source folders, one layer each (docs/ARCHITECTURE.md; scripts/check-layers checks them).
KERNEL_DIRS := kernel/lib boot arch/x86_64 kernel/printk kernel/locking mm kernel/drivers kernel \
	kernel/user \
	kernel/debug kernel/shell kernel/init tests/kernel
KERNEL_C := $(filter-out arch/x86_64/asm-offsets.c,$(wildcard $(addsuffix /*.c,$(KERNEL_DIRS))))
KERNEL_ASM := $(wildcard boot/*.asm arch/x86_64/*.asm)
OBJS := $(patsubst %.c,$(BUILD)/%.o,$(KERNEL_C)) $(patsubst %.asm,$(BUILD)/%.o,$(KERNEL_ASM)) \
	$(BUILD)/font8x8.o

# Prerequisites such as $$(host_src_$$*) are expanded per target.
.SECONDEXPANSION:

.PHONY: all user iso run run-kernel run-uefi debug test check stackcheck stackcheck-build torture bench bench-baseline fuzz clean deps format host-tests grade handout
all: $(BUILD)/kernel.elf $(BUILD)/initrd.cpio

# The configuration header is rewritten only when an option changes (through a file of this
# shell's own: makes of other jobs may rewrite it at the same time). Objects wait for it
# (order-only) but depend on it only through their .d files: a change rebuilds what includes it.
$(BUILD)/config.h: FORCE
	@mkdir -p $(BUILD)
	@{ echo '/* Generated by the Makefile from its options: do not edit. */'; \
	   echo '#define CONFIG_VMAP_STACK $(if $(filter y,$(VMAP_STACK)),1,0)'; \
	   echo '#define CONFIG_THREAD_SIZE $(THREAD_SIZE)'; \
	   echo '#define CONFIG_STACK_GUARD_PAGES $(STACK_GUARD_PAGES)'; \
	   echo '#define CONFIG_NR_CACHED_STACKS $(NR_CACHED_STACKS)'; \
	   echo '#define CONFIG_STACK_ZERO_DIRTY $(if $(filter y,$(STACK_ZERO_DIRTY)),1,0)'; \
	   echo '#define CONFIG_STACKPROTECTOR $(if $(filter y,$(STACKPROTECTOR)),1,0)'; } > $@.$$$$; \
	cmp -s $@.$$$$ $@ && rm $@.$$$$ || mv $@.$$$$ $@
FORCE:

# V=1 shows the full commands.
Q := $(if $(filter 1,$(V)),,@)

$(BUILD)/%.o: %.c | $(BUILD)/config.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# The assembly's constants from C (offsets in struct percpu, struct pt_regs, ...): the compiler
# writes arch/x86_64/asm-offsets.c out as assembly text, never linked, and its "@asm-offset NAME
# $value" lines become "NAME equ value" for nasm. Rewritten only when a value changes.
ASM_OFFSETS := $(BUILD)/generated/asm-offsets.inc
$(BUILD)/arch/x86_64/asm-offsets.s: arch/x86_64/asm-offsets.c | $(BUILD)/config.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -S $< -o $@
$(ASM_OFFSETS): $(BUILD)/arch/x86_64/asm-offsets.s
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GEN     $@")
	$(Q){ echo '; Generated from arch/x86_64/asm-offsets.c by the Makefile: do not edit.'; \
	   sed -n 's/^@asm-offset \([A-Za-z0-9_]*\) \$$\(-\{0,1\}[0-9]*\)$$/\1 equ \2/p' $<; } > $@.$$$$; \
	cmp -s $@.$$$$ $@ && rm $@.$$$$ || mv $@.$$$$ $@

$(BUILD)/%.o: %.asm | $(ASM_OFFSETS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  NASM    $<")
	@# A pass of its own for the dependencies: nasm's -MD leaves out %include files.
	$(Q)$(NASM) $(NASMFLAGS) -M -MT $@ -MF $(@:.o=.d) $<
	$(Q)$(NASM) $(NASMFLAGS) $< -o $@

# The console font is drawn as ASCII art; the C array is generated from it.
$(BUILD)/font8x8.c: scripts/font/font8x8.txt scripts/font/mkfont
	@mkdir -p $(BUILD)
	$(Q)scripts/font/mkfont $< > $@
$(BUILD)/font8x8.o: $(BUILD)/font8x8.c | $(BUILD)/config.h
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# Two links: the first with an empty symbol table, the second with the real one. The table sits
# at the end of the image, so no symbol may move between them: the table made again from the
# second link must be the one it holds (the cmp). kernel.syms keeps the second link's symbols
# for the graders (scripts/lib/grade.sh), who would otherwise run nm again.
$(BUILD)/kernel.elf: $(OBJS) linker.ld scripts/gen-ksyms
	@echo "  LD      $@"
	$(Q)scripts/gen-ksyms $(NM) > $(BUILD)/ksyms0.c
	$(Q)$(CC) $(CFLAGS) -c $(BUILD)/ksyms0.c -o $(BUILD)/ksyms0.o
	$(Q)$(LD) $(LDFLAGS) -o $(BUILD)/kernel.pass1.elf $(OBJS) $(BUILD)/ksyms0.o
	$(Q)scripts/gen-ksyms $(NM) $(BUILD)/kernel.pass1.elf > $(BUILD)/ksyms.c
	$(Q)$(CC) $(CFLAGS) -c $(BUILD)/ksyms.c -o $(BUILD)/ksyms.o
	$(Q)$(LD) $(LDFLAGS) -o $@.tmp $(OBJS) $(BUILD)/ksyms.o
	@$(NM) -n -S --defined-only $@.tmp >$(BUILD)/kernel.syms.tmp
	@scripts/gen-ksyms - $(BUILD)/kernel.syms.tmp | cmp -s - $(BUILD)/ksyms.c || \
		{ echo "ksyms: symbols moved between the two links"; exit 1; }
	@mv $@.tmp $@
	@mv $(BUILD)/kernel.syms.tmp $(BUILD)/kernel.syms

# The user programs (user/, user/README.md): static ELF64 executables at 0x400000, built by the
# same compiler as the kernel but for ring 3 (no kernel code model, no red zone all the same: a
# signal-less kernel never pushes on a user stack, but the runtime stays simple). General
# registers only: the kernel does not save the SSE state of a process. $(BUILD)/user/<prog>.elf
# keeps the symbols (for gdb); the initrd gets stripped copies, named <prog>.
USER_PROGS := $(patsubst user/%.c,%,$(wildcard user/*.c))
USER_LIB_OBJS := $(BUILD)/user/lib/crt0.o $(patsubst user/lib/%.c,$(BUILD)/user/lib/%.o,\
	$(wildcard user/lib/*.c))
USER_ELFS := $(patsubst %,$(BUILD)/user/%.elf,$(USER_PROGS))
USER_BINS := $(patsubst %,$(BUILD)/user/bin/%,$(USER_PROGS))
UCFLAGS := -std=gnu11 -O2 -g -ffreestanding -nostdlib -static -fno-pic -fno-pie -mno-red-zone \
	-mgeneral-regs-only -fno-stack-protector -fstack-clash-protection \
	-fno-asynchronous-unwind-tables -fno-omit-frame-pointer -fno-builtin \
	-Wall -Wextra -Werror -Wno-unused-parameter -I. -MMD -MP
ULDFLAGS := -nostdlib -static -z max-page-size=0x1000 -z noexecstack --build-id=none -T user/user.ld

user: $(BUILD)/initrd.cpio
# Kept after the build: the programs with symbols, for gdb, and their objects.
.SECONDARY: $(USER_ELFS) $(patsubst %,$(BUILD)/user/%.o,$(USER_PROGS))
$(BUILD)/user/%.o: user/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  UCC     $<")
	$(Q)$(CC) $(UCFLAGS) -c $< -o $@
$(BUILD)/user/lib/%.o: user/lib/%.S
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  UAS     $<")
	$(Q)$(CC) $(UCFLAGS) -c $< -o $@
$(BUILD)/user/%.elf: $(BUILD)/user/%.o $(USER_LIB_OBJS) user/user.ld
	@$(if $(Q),echo "  ULD     $@")
	$(Q)$(LD) $(ULDFLAGS) -o $@ $(USER_LIB_OBJS) $<
$(BUILD)/user/bin/%: $(BUILD)/user/%.elf
	@mkdir -p $(dir $@)
	$(Q)$(OBJCOPY) --strip-all $< $@
# The initrd: a cpio newc archive of the stripped programs, loaded by GRUB as a multiboot2
# module (scripts/mkiso takes the one next to the kernel).
$(BUILD)/initrd.cpio: $(USER_BINS) scripts/mkinitrd
	@echo "  CPIO    $@"
	$(Q)scripts/mkinitrd $@ $(USER_BINS)

iso: $(BUILD)/kernel.iso
MENU_TIMEOUT ?= 5
# The command line is baked into the ISO's grub.cfg: a stamp rewritten only when CMDLINE (or the
# menu's timeout) changes makes `make run CMDLINE=...` rebuild the ISO, and only then.
$(BUILD)/cmdline.stamp: FORCE
	@mkdir -p $(BUILD)
	@echo '$(subst ','\'',$(CMDLINE)) timeout=$(MENU_TIMEOUT)' > $@.$$$$; \
	cmp -s $@.$$$$ $@ && rm $@.$$$$ || mv $@.$$$$ $@
# The menu's last entry boots the VMAP_STACK=n "before" kernel, built in a directory of its own.
# (The sub-make relinks it only when a source changed, and the ISO is remade only then.)
$(BUILD)/novmap/kernel.elf: FORCE
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/novmap VMAP_STACK=n all
$(BUILD)/kernel.iso: $(BUILD)/kernel.elf $(BUILD)/novmap/kernel.elf scripts/mkiso \
		$(BUILD)/cmdline.stamp $(BUILD)/initrd.cpio
	@echo "  ISO     $@"
	$(Q)scripts/mkiso -t $(MENU_TIMEOUT) -n $(BUILD)/novmap/kernel.elf -i $(BUILD)/initrd.cpio \
		$< $@ "$(CMDLINE)"

run: deps
	@$(MAKE) --no-print-directory iso
	SMP=$(SMP) scripts/qemu-run $(BUILD)/kernel.iso

# The quickest boot, the tests' own: QEMU loads kernel.elf itself (-kernel, the PVH entry) with
# the initrd and CMDLINE: no ISO to make, no GRUB, no menu.
run-kernel: deps all
	SMP=$(SMP) QEMU_CMDLINE='$(subst ','\'',$(CMDLINE))' scripts/qemu-run $(BUILD)/kernel.elf

run-uefi: deps
	@$(MAKE) --no-print-directory iso
	SMP=$(SMP) UEFI=1 scripts/qemu-run $(BUILD)/kernel.iso

debug:
	@scripts/install-deps debug
	@$(MAKE) --no-print-directory iso
	@echo "In another terminal: gdb -q $(BUILD)/kernel.elf -x scripts/gdb/vmstack.py -ex 'target remote :1234'"
	@echo "then e.g. 'hbreak cmd_help', 'continue', and 'vmstack' for the helper commands."
	SMP=$(SMP) scripts/qemu-run $(BUILD)/kernel.iso -s -S

deps:
	@scripts/install-deps

# The labs (docs/labs/): the grader boots the kernel built with the options above. ONLY= grades
# only the checks named, comma-separated as the grader prints them ("lab3 guard pages").
# FORMAT=json also writes build/grade/results.json, in Gradescope's format.
LAB ?=
ONLY ?=
FORMAT ?=
grade: deps
	@GRADE_FORMAT="$(FORMAT)" GRADE_KERNEL_OPTS="VMAP_STACK=$(VMAP_STACK) THREAD_SIZE=$(THREAD_SIZE) \
	STACK_GUARD_PAGES=$(STACK_GUARD_PAGES) NR_CACHED_STACKS=$(NR_CACHED_STACKS)" \
	GRADE_ONLY="$(or $(ONLY),$(GRADE_ONLY))" scripts/grade $(LAB)

handout:
	@test -n "$(LAB)" || { echo "usage: make handout LAB=<n>   (docs/labs/)"; exit 2; }
	@scripts/handout $(LAB)

# For instructors (docs/labs/INSTRUCTORS.md). grade-selftest: every wrong solution of
# tests/labs/wrong/ must lose points on the checks it names (LAB=<n>: that lab's only).
# grade-batch: grade a directory of students' work for lab LAB into one CSV. gradescope: the
# autograder's zip for lab LAB (scripts/gradescope/).
DIR ?=
OUT ?= grades.csv
.PHONY: grade-selftest grade-batch gradescope
grade-selftest: deps
	@scripts/grade-selftest $(LAB)
grade-batch: deps
	@test -n "$(LAB)" -a -n "$(DIR)" || \
		{ echo "usage: make grade-batch LAB=<n> DIR=<students' trees> [OUT=grades.csv]"; exit 2; }
	@GRADE_ONLY="$(or $(ONLY),$(GRADE_ONLY))" scripts/grade-batch $(LAB) $(DIR) $(OUT)
gradescope:
	@test -n "$(LAB)" || { echo "usage: make gradescope LAB=<n>"; exit 2; }
	@scripts/gradescope/make-zip $(LAB) $(BUILD)/gradescope-lab$(LAB).zip

# The tests run as parallel jobs (scripts/run-tests, tests/scenarios/): as many at a time as
# make's -j says, or JOBS=, or else the machine's CPUs plus one. T=<glob> runs the jobs whose
# names match.
T ?=
JOBS ?=
export T
test:
	@scripts/install-deps test
	JOBS=$(or $(JOBS),$(patsubst -j%,%,$(filter -j%,$(MAKEFLAGS)))) scripts/run-tests

# The edit-compile-test loop: the host unit tests, the layers, the docs, the counted benchmark
# figures and one boot of every in-kernel test.
CHECK_JOBS := host.*,layers.*,docs.*,bench.gate_counts_within_2_percent,ktest.all
check:
	@scripts/install-deps
	JOBS=$(or $(JOBS),$(patsubst -j%,%,$(filter -j%,$(MAKEFLAGS)))) T='$(or $(T),$(CHECK_JOBS))' \
		scripts/run-tests

# Every entry point's worst-case stack depth, proven from GCC's own figures before the kernel
# runs (scripts/stackcheck, docs/STACKCHECK.md). A build directory of its own: -fstack-usage and
# -fcallgraph-info=su write each function's frame size and calls next to its object. Not through
# ccache: it restores an object's .su from the cache but not its .ci (the calls would be missing).
# stackcheck-build only builds it (make test's kernel is built so: its stackcheck job then
# compiles nothing again).
STACKCHECK_BUILD ?= $(BUILD)/stackcheck
stackcheck: stackcheck-build
	scripts/stackcheck $(STACKCHECK_BUILD) $(if $(STACKCHECK_DOC),--doc $(STACKCHECK_DOC))
stackcheck-build:
	@mkdir -p $(STACKCHECK_BUILD)
	@# A directory built before without the figures: its objects are built again.
	@test -f $(STACKCHECK_BUILD)/stackcheck.stamp || \
		{ find $(STACKCHECK_BUILD) -mindepth 1 -type d -exec test -e {}/config.h \; -prune -o \
			-name '*.o' -exec rm -f {} +; touch $(STACKCHECK_BUILD)/stackcheck.stamp; }
	@$(MAKE) --no-print-directory BUILD=$(STACKCHECK_BUILD) all

# The stack torture: overflows at random points, each followed by a check that the system is
# whole; a panic the overflow policy gives is counted and the kernel booted again (make test runs
# 100 rounds). ROUNDS and SEED pick the run; the seed of a failing round replays it. Then the heap
# torture (scripts/heaptorture): as many KFENCE-caught heap bugs, in one boot.
ROUNDS ?= 1000
SEED ?= 0x5eed
torture: deps
	scripts/torture $(ROUNDS) $(SEED)
	scripts/heaptorture $(ROUNDS) $(SEED)

# The self-test on every machine at hand, one line each (docs/COMPAT.md): the CPU matrix, UEFI,
# and Bochs if installed. Not in make test: it takes half an hour. MACHINES=<glob> picks.
.PHONY: compat
compat: deps all
	ELF=$(BUILD)/kernel.elf scripts/compat '$(or $(MACHINES),*)'

# Boot with `bench` on the command line: results on the terminal, in $(BUILD)/bench.log and
# $(BUILD)/bench.json. BENCH=<glob> picks figures, BENCH=smoke runs each a few times only.
# Both builds side by side, with the targets of docs/BENCHMARKS.md checked: scripts/bench-compare.
# SMP=<cpus> (default 2, as for make run) boots that many CPUs: the SMP figures
# (kernel/debug/bench_smp.c) are named after the CPU count, and those that need other CPUs
# appear only with SMP=2 or more.
BENCH ?=
ICOUNT ?= 0
bench: deps
	@$(MAKE) --no-print-directory all
	SMP=$(SMP) ICOUNT=$(ICOUNT) scripts/bench $(BUILD) "$(BENCH)"

# Counted figures (ICOUNT=1) are exact, so make test holds the kernel to them: scripts/bench-gate
# fails when a figure grows by more than 2% over tests/bench-baseline.txt. Changing the baseline
# is this deliberate command; the commit that changes it says why.
bench-baseline: deps
	@$(MAKE) --no-print-directory all
	scripts/bench-gate --update $(BUILD)

# Host unit tests of pure kernel logic, with AddressSanitizer and UndefinedBehaviorSanitizer:
# tests/test_<name>.c, linked with the kernel sources listed as host_src_<name>. A test that reaches static
# functions #includes its source instead, and lists none (-MMD tracks those includes).
HOST_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -fsanitize=address,undefined \
	-fno-sanitize-recover=all -I. -MMD -MP
HOST_TEST_NAMES := buddy cmdline elf glob initrd madt multiboot2 pvh userprogs userrun vmarea vsprintf
host_src_buddy := mm/buddy.c
host_src_cmdline := boot/cmdline.c
host_src_glob := kernel/lib/glob.c
host_src_multiboot2 := boot/multiboot2.c
host_src_pvh := boot/pvh.c boot/multiboot2.c kernel/lib/vsprintf.c kernel/lib/string.c
host_src_vmarea := mm/vmarea.c
HOST_TESTS := $(patsubst %,$(BUILD)/host/test_%,$(HOST_TEST_NAMES))
host-tests: $(HOST_TESTS)
$(BUILD)/host/test_%: tests/test_%.c tests/tap.h $$(host_src_$$*)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) $(host_src_$*) $< -o $@

# These check the programs that were built: build them first.
$(BUILD)/host/test_userprogs: $(BUILD)/initrd.cpio
$(BUILD)/host/test_userrun: $(USER_ELFS)

# The fuzzers (tests/fuzz_<name>.c) are linked with the same sources as test_<name>.
FUZZ_NAMES := buddy elf initrd madt multiboot2 vmarea
FUZZERS := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_NAMES))
FUZZ_SECONDS ?= 60
# A fuzzer with a folder in $(BUILD)/fuzz/seeds starts from it too: the ELF and initrd parsers
# from the real programs and archive, which random bytes would take long to find.
fuzz: $(FUZZERS) $(BUILD)/fuzz/seeds
	@for f in $(FUZZERS); do echo "== $$f ($(FUZZ_SECONDS) s)"; \
		s=$(BUILD)/fuzz/seeds/$${f##*/}; [ -d $$s ] || s=; \
		mkdir -p $$f.corpus; $$f -max_total_time=$(FUZZ_SECONDS) $$f.corpus $$s || exit 1; done
$(BUILD)/fuzz/seeds: $(BUILD)/initrd.cpio
	@rm -rf $@ && mkdir -p $@/fuzz_elf $@/fuzz_initrd
	@cp $(USER_BINS) $@/fuzz_elf/ && cp $(BUILD)/initrd.cpio $@/fuzz_initrd/
$(BUILD)/fuzz/fuzz_%: tests/fuzz_%.c $$(host_src_$$*)
	@scripts/install-deps fuzz
	@mkdir -p $(dir $@)
	clang -g -O1 -fsanitize=fuzzer,address,undefined -I. $< $(host_src_$*) -o $@

format:
	clang-format -i $(KERNEL_C) arch/x86_64/asm-offsets.c \
		$(wildcard $(addsuffix /*.h,$(KERNEL_DIRS)) arch/x86_64/asm/*.h \
		tests/*.c tests/*.h)

clean:
	rm -rf build

-include $(OBJS:.o=.d) $(patsubst %.elf,%.d,$(USER_ELFS)) $(USER_LIB_OBJS:.o=.d) \
	$(HOST_TESTS:=.d) $(BUILD)/arch/x86_64/asm-offsets.d
