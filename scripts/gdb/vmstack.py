# gdb helpers for vmstack: tasks and their stacks, a switched-out task's registers and
# backtrace, and a page-table walk. Load them with
#
#     gdb -q build/kernel.elf -x scripts/gdb/vmstack.py -ex 'target remote :1234'
#
# (what `make debug` prints), then type `help vmstack` for the commands. They only read the
# guest's memory: they work whenever the CPU is stopped with the kernel's page tables loaded.
# Before the kernel is loaded, use hardware breakpoints: `hbreak cmd_help`, not `break`.

import os
import re
import struct

import gdb

PAGE_SIZE = 4096
PAGE_OFFSET = 0xFFFF888000000000  # the direct map (arch/x86_64/paging.h)
PTE_PRESENT = 1 << 0
PTE_WRITE = 1 << 1
PTE_USER = 1 << 2
PTE_ACCESSED = 1 << 5
PTE_DIRTY = 1 << 6
PTE_HUGE = 1 << 7
PTE_GLOBAL = 1 << 8
PTE_NX = 1 << 63
PTE_ADDR_MASK = 0x000FFFFFFFFFF000
U64 = (1 << 64) - 1

# The frame __switch_to_asm leaves on a switched-out task's stack (arch/x86_64/switch.asm):
# it pushed rbp, rbx, r12, r13, r14, r15 on top of its return address, then saved RSP.
SWITCH_FRAME = ("r15", "r14", "r13", "r12", "rbx", "rbp", "rip")


def read_u64(addr):
    mem = gdb.selected_inferior().read_memory(addr, 8)
    return struct.unpack("<Q", bytes(mem))[0]


def to_int(value):
    return int(value.cast(gdb.lookup_type("unsigned long"))) & U64


def kernel_config():
    """The build's options, from config.h next to the kernel ELF (the Makefile writes it)."""
    conf = {"CONFIG_THREAD_SIZE": 16384, "CONFIG_VMAP_STACK": 1, "CONFIG_STACK_GUARD_PAGES": 1}
    elf = gdb.current_progspace().filename
    if elf:
        path = os.path.join(os.path.dirname(elf), "config.h")
        try:
            with open(path) as f:
                for m in re.finditer(r"#define (CONFIG_\w+) (\d+)", f.read()):
                    conf[m.group(1)] = int(m.group(2))
        except OSError:
            pass
    return conf


def static_var(name):
    sym = gdb.lookup_static_symbol(name) or gdb.lookup_global_symbol(name)
    if sym is None:
        raise gdb.GdbError("no symbol %s: is build/kernel.elf loaded?" % name)
    return sym.value()


def all_tasks():
    """Every struct task, from the list in kernel/task.c, newest first."""
    t = static_var("all_tasks")
    seen = 0
    while to_int(t) and seen < 100000:
        yield t.dereference()
        t = t["all_next"]
        seen += 1


def current_task():
    curr = static_var("boot_percpu")["curr"]
    return to_int(curr)


def find_task(arg):
    try:
        pid = int(gdb.parse_and_eval(arg))
    except (gdb.error, ValueError):
        raise gdb.GdbError("usage: a pid, as vmstack-tasks shows it")
    for t in all_tasks():
        if int(t["pid"]) == pid:
            return t
    raise gdb.GdbError("no task with pid %d (vmstack-tasks lists them)" % pid)


def task_address(t):
    return to_int(t.address)


def stack_range(t):
    """(base, top, guard bytes) of a task's stack, or None once it is released."""
    base = to_int(t["stack"]["base"])
    if not base:
        return None
    vm = t["stack"]["vm"]
    if to_int(vm):
        va = vm["va"]
        size = int(va["npages"]) * PAGE_SIZE
        guard = int(va["guard"]) * PAGE_SIZE
    else:
        size = kernel_config()["CONFIG_THREAD_SIZE"]
        guard = 0
    return base, base + size, guard


def describe(pc, is_return=False):
    """'function+0xoff (file:line)' for a code address. A return address is looked up one
    byte back, inside the call: after a call to a noreturn function it may be past the end."""
    look = pc - 1 if is_return else pc
    text = gdb.execute("info symbol %#x" % look, to_string=True).strip()
    m = re.match(r"(\S+)(?: \+ (\d+))? in section", text)
    where = "%s+%#x" % (m.group(1), int(m.group(2) or 0) + pc - look) if m else "?"
    sal = gdb.find_pc_line(look)
    if sal.symtab is not None:
        where += " (%s:%d)" % (sal.symtab.filename, sal.line)
    return where


def switch_frame(t):
    """The registers __switch_to_asm saved for a switched-out task, as a dict."""
    rsp = to_int(t["rsp"])
    regs = {name: read_u64(rsp + 8 * i) for i, name in enumerate(SWITCH_FRAME)}
    regs["rsp"] = rsp + 8 * len(SWITCH_FRAME)  # RSP after __switch_to_asm's ret
    return regs


def task_regs(t):
    """(rip, rsp, rbp, running) for any task: live registers for the running one."""
    if task_address(t) == current_task():
        frame = gdb.selected_frame()
        return (frame.pc(), to_int(gdb.parse_and_eval("$rsp")),
                to_int(gdb.parse_and_eval("$rbp")), True)
    regs = switch_frame(t)
    return regs["rip"], regs["rsp"], regs["rbp"], False


def state_name(t):
    return str(t["state"]).replace("TASK_", "").lower()


class Vmstack(gdb.Command):
    """vmstack's gdb helpers (scripts/gdb/vmstack.py):
  vmstack-tasks          the tasks, their stacks with guard pages, saved stack pointers
  vmstack-regs PID       the registers a switched-out task saved, and where it resumes
  vmstack-bt PID         a frame-pointer backtrace of a task, bounded to its own stack
  vmstack-pagewalk ADDR  the four-level translation of an address, from CR3"""

    def __init__(self):
        super().__init__("vmstack", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        print(self.__doc__)


class VmstackTasks(gdb.Command):
    """List the kernel's tasks (kernel/task.c: all_tasks): pid, name, state, the stack with
its guard pages, and the saved stack pointer of a switched-out task. * marks the running one."""

    def __init__(self):
        super().__init__("vmstack-tasks", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        curr = current_task()
        print("  PID NAME             STATE     STACK [base, top)                      "
              "GUARDS      SAVED RSP")
        for t in all_tasks():
            mark = "*" if task_address(t) == curr else " "
            line = "%s%4d %-16s %-9s " % (mark, int(t["pid"]), t["comm"].string(),
                                           state_name(t))
            rng = stack_range(t)
            if rng is None:
                print(line + "(stack released)")
                continue
            base, top, guard = rng
            guards = "%dK+%dK" % (guard >> 10, guard >> 10) if guard else "none"
            if mark == "*":
                saved = "running: rsp %016x" % to_int(gdb.parse_and_eval("$rsp"))
            else:
                saved = "%016x" % to_int(t["rsp"])
            print(line + "%016x-%016x %3dK %-11s %s" % (base, top, (top - base) >> 10, guards,
                                                        saved))


class VmstackRegs(gdb.Command):
    """Show the registers a switched-out task saved when it was switched away from: the
callee-saved ones __switch_to_asm pushed (arch/x86_64/switch.asm) and its return address,
the place in __schedule() where the task will resume. Usage: vmstack-regs PID"""

    def __init__(self):
        super().__init__("vmstack-regs", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        t = find_task(arg)
        pid, comm = int(t["pid"]), t["comm"].string()
        if task_address(t) == current_task():
            print("pid %d (%s) is running: its registers are the CPU's (info registers)"
                  % (pid, comm))
            return
        if stack_range(t) is None:
            raise gdb.GdbError("pid %d (%s) is dead and its stack released" % (pid, comm))
        regs = switch_frame(t)
        print("pid %d (%s), %s, switched out with rsp %016x:" % (pid, comm, state_name(t),
                                                                  to_int(t["rsp"])))
        for i, name in enumerate(SWITCH_FRAME[:-1]):
            print("  %-3s %016x   [rsp+%d]" % (name, regs[name], 8 * i))
        print("  rip %016x   [rsp+%d] return address: %s" % (regs["rip"], 8 * 6,
                                                             describe(regs["rip"], True)))
        print("  rsp %016x   after the return" % regs["rsp"])


class VmstackBt(gdb.Command):
    """Frame-pointer backtrace of a task, switched out or running, kept inside its own stack:
[rbp] is the caller's rbp and [rbp + 8] the return address (arch/x86_64/stacktrace.c).
Usage: vmstack-bt PID"""

    def __init__(self):
        super().__init__("vmstack-bt", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        t = find_task(arg)
        rng = stack_range(t)
        if rng is None:
            raise gdb.GdbError("pid %d is dead and its stack released" % int(t["pid"]))
        base, top, _ = rng
        pc, rsp, rbp, running = task_regs(t)
        print("pid %d (%s), %s, stack %016x-%016x:" % (int(t["pid"]), t["comm"].string(),
                                                        "running" if running else "switched out",
                                                        base, top))
        if running and not base <= rsp < top:
            print("  (the CPU is not on this stack but at rsp %016x - an IST stack in an "
                  "exception, say: gdb's own bt follows it)" % rsp)
        print("  #0  %016x %s" % (pc, describe(pc, not running)))
        depth = 1
        while rbp and depth < 64:
            if rbp & 7 or not base <= rbp <= top - 16:
                print("  (frame pointer %016x is not on this stack: stop)" % rbp)
                return
            next_rbp, ret = read_u64(rbp), read_u64(rbp + 8)
            if not ret:
                return
            print("  #%-2d %016x %s" % (depth, ret, describe(ret, True)))
            if next_rbp and next_rbp <= rbp:
                print("  (frame pointer %016x goes backwards: stop)" % next_rbp)
                return
            rbp = next_rbp
            depth += 1


class VmstackPagewalk(gdb.Command):
    """Walk the page tables for a virtual address, from CR3 through the four levels, reading
each table through the direct map at 0xffff888000000000, as the kernel's `pagewalk` does.
Usage: vmstack-pagewalk ADDR   (an expression: vmstack-pagewalk $rsp)"""

    NAMES = ("PML4", "PDPT", "PD", "PT")

    def __init__(self):
        super().__init__("vmstack-pagewalk", gdb.COMMAND_USER)

    @staticmethod
    def flags(e):
        if not e & PTE_PRESENT:
            return "(not present)"
        out = ["P", "W" if e & PTE_WRITE else "R", "U" if e & PTE_USER else "S"]
        out += [f for f, bit in (("A", PTE_ACCESSED), ("D", PTE_DIRTY), ("PS", PTE_HUGE),
                                 ("G", PTE_GLOBAL)) if e & bit]
        out.append("NX" if e & PTE_NX else "X")
        return " ".join(out)

    def invoke(self, arg, from_tty):
        if not arg:
            raise gdb.GdbError("usage: vmstack-pagewalk ADDR")
        va = to_int(gdb.parse_and_eval(arg))
        if ((va >> 47) + 1) & 0x1FFFE:
            raise gdb.GdbError("%#x is not canonical (bits 63..47 must be all 0 or all 1)" % va)
        try:
            cr3 = to_int(gdb.parse_and_eval("$cr3"))
            where = "CR3"
        except gdb.error:
            cr3 = to_int(static_var("kernel_pml4_phys"))
            where = "kernel_pml4_phys (this gdb shows no CR3)"
        table = cr3 & PTE_ADDR_MASK
        print("virtual address %#x, %s %#x" % (va, where, table))
        for i, level in enumerate((4, 3, 2, 1)):
            index = (va >> (12 + 9 * (level - 1))) & 511
            e = read_u64(PAGE_OFFSET + table + 8 * index)
            print("  %-4s [%3d] in table %#x: %016x %s" % (self.NAMES[i], index, table, e,
                                                          self.flags(e)))
            if not e & PTE_PRESENT:
                print("  -> not mapped (a fault on access)")
                return
            if level == 1 or (level in (2, 3) and e & PTE_HUGE):
                size = 1 << (12 + 9 * (level - 1))
                pa = (e & PTE_ADDR_MASK & ~(size - 1)) | (va & (size - 1))
                print("  -> physical %#x (%s page)" % (pa, {1: "4 KiB", 2: "2 MiB",
                                                              3: "1 GiB"}[level]))
                return
            table = e & PTE_ADDR_MASK


Vmstack()
VmstackTasks()
VmstackRegs()
VmstackBt()
VmstackPagewalk()
print("vmstack: gdb helpers loaded: vmstack-tasks, vmstack-regs PID, vmstack-bt PID, "
      "vmstack-pagewalk ADDR (type vmstack)")
