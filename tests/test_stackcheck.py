#!/usr/bin/env python3
"""Host tests of scripts/stackcheck on small hand-made call graphs, each with its known answer.

Each graph is written as GCC would write it (.ci files, VCG text) into a temporary build
directory, with an annotation file; the tool's check() runs on it. Prints TAP, like the C host
tests (tests/tap.h), and exits non-zero if a check failed. scripts/run-tests runs it.
"""
import importlib.machinery
import importlib.util
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
_loader = importlib.machinery.SourceFileLoader(
    "stackcheck", os.path.join(HERE, "..", "scripts", "stackcheck"))
_spec = importlib.util.spec_from_loader("stackcheck", _loader)
sc = importlib.util.module_from_spec(_spec)
_loader.exec_module(sc)

results = []


def ok(cond, name):
    results.append((bool(cond), name))


def ci(funcs, edges, file="t.c"):
    """A .ci file: funcs = {name: (bytes, kind)}, edges = [(caller, callee)]."""
    lines = [f'graph: {{ title: "{file}"']
    for name, (size, kind) in funcs.items():
        lines.append(f'node: {{ title: "{name}" label: "{name}\\n{file}:1:1\\n{size} bytes '
                     f'({kind})" }}')
    for src, dst in edges:
        lines.append(f'node: {{ title: "{dst}" label: "{dst}\\n{file}:1:1" shape : ellipse }}')
        lines.append(f'edge: {{ sourcename: "{src}" targetname: "{dst}" label: "{file}:2:2" }}')
    return "\n".join(lines + ["}"]) + "\n"


def run(funcs, edges, annotations, extra_files=None):
    """check() on one graph: (roots by name, errors)."""
    with tempfile.TemporaryDirectory() as build:
        with open(os.path.join(build, "t.ci"), "w") as f:
            f.write(ci(funcs, edges))
        for name, text in (extra_files or {}).items():
            with open(os.path.join(build, name), "w") as f:
                f.write(text)
        _, roots, errors = sc.check(build, annotations)
    return {sc.short(r.name): r for r in roots}, errors


STACK = "stack task 16384\n"
S = "static"


def test_chain():
    roots, errors = run({"a": (16, S), "b": (32, S), "c": (48, S)}, [("a", "b"), ("b", "c")],
                        STACK + "root task a\n")
    r = roots["a"]
    ok(not errors and r.bound == 96, "chain: a -> b -> c is 16 + 32 + 48 = 96")
    ok([t for t, _ in r.depth.chain] == ["a", "b", "c"], "chain: the deepest chain is a, b, c")
    ok(r.verdict() == "ok" and r.size - r.bound == 16384 - 96, "chain: margin 16288, ok")


def test_nested_build_left_out():
    """A build nested in the build directory (BUILD/novmap) is another kernel: not read."""
    with tempfile.TemporaryDirectory() as build:
        with open(os.path.join(build, "t.ci"), "w") as f:
            f.write(ci({"a": (16, S)}, []))
        os.mkdir(os.path.join(build, "novmap"))
        for name, text in (("config.h", ""), ("t.ci", ci({"a": (4096, S)}, []))):
            with open(os.path.join(build, "novmap", name), "w") as f:
                f.write(text)
        _, roots, errors = sc.check(build, STACK + "root task a\n")
    bounds = [r.bound for r in roots if sc.short(r.name) == "a"]
    ok(not errors and bounds == [16],
       f"nested build: its a (4096 bytes) left out: {errors} {bounds}")


def test_diamond():
    roots, errors = run({"a": (16, S), "b": (64, S), "c": (32, S), "d": (8, S)},
                        [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")], STACK + "root task a\n")
    r = roots["a"]
    ok(not errors and r.bound == 88, "diamond: the worse side: 16 + 64 + 8 = 88, not the sum")
    ok([t for t, _ in r.depth.chain] == ["a", "b", "d"], "diamond: the chain goes through b")


def test_cycle():
    graph = ({"a": (16, S), "b": (32, S), "c": (8, S)}, [("a", "b"), ("b", "a"), ("b", "c")])
    _, errors = run(*graph, STACK + "root task a\n")
    ok(any("recursion: a -> b" in e for e in errors), "cycle: a -> b -> a is an error, named")
    roots, errors = run(*graph, STACK + "root task a\nrecursion a 3\n")
    ok(not errors and roots["a"].bound == 3 * (16 + 32) + 8,
       "cycle: 'recursion a 3' bounds it: 3 rounds of 48, then c: 152")
    roots, errors = run(*graph, STACK + "root task a\noverflow b meant to\n")
    r = roots["a"]
    ok(not errors and r.depth.unbounded and r.depth.on_purpose,
       "cycle: 'overflow b' makes it unbounded on purpose, no error")
    roots, errors = run({"a": (16, S)}, [("a", "a")], STACK + "root task a\n")
    ok(any("recursion: a" in e for e in errors), "cycle: a function calling itself is one too")
    roots, errors = run(*graph, STACK + "root task a\nrecursion ?a 3\n")
    ok(not errors and roots["a"].bound == 152, "cycle: 'recursion ?a 3' bounds it the same")
    _, errors = run(*graph, STACK + "root task a\nrecursion a 3\nrecursion gone 2\n")
    ok(any("'recursion gone'" in e for e in errors), "cycle: a recursion line naming nothing errs")
    _, errors = run(*graph, STACK + "root task a\nrecursion a 3\nrecursion ?gone 2\n")
    ok(not errors, "cycle: an optional one ('?gone', a lab's handout only) does not")


def test_unresolved_indirect_call():
    graph = ({"a": (16, S), "x": (100, S), "y": (200, S)}, [("a", sc.INDIRECT)])
    _, errors = run(*graph, STACK + "root task a\n")
    ok(any("a calls through a pointer" in e for e in errors),
       "indirect: a pointer call with no 'calls' line is an error")
    roots, errors = run(*graph, STACK + "root task a\ncalls a x y\n")
    ok(not errors and roots["a"].bound == 216, "indirect: 'calls a x y' reaches y: 16 + 200")
    _, errors = run(*graph, STACK + "root task a\ncalls a x nosuch\n")
    ok(any("nosuch" in e and "matches no function" in e for e in errors),
       "indirect: a target that matches nothing is an error")
    roots, errors = run(*graph, STACK + "root task a\ncalls a -\n")
    ok(not errors and roots["a"].bound == 16, "indirect: 'calls a -' reaches no function")


def test_address_taken_must_be_annotated():
    funcs = {"f": sc.Func("f", "f", "t.c:1", 8, S), "g": sc.Func("g", "g", "t.c:2", 8, S)}
    ann = sc.parse_annotations("calls main f\n")
    errors = sc.check_address_taken(funcs, ann, {"f", "g"})
    ok(len(errors) == 1 and "address of g is taken" in errors[0],
       "address taken: g, which no line names, is an error; f is covered")
    ann = sc.parse_annotations("calls main f\nnotcalled g only compared\n")
    ok(not sc.check_address_taken(funcs, ann, {"f", "g"}), "address taken: 'notcalled g' too")


def test_asm_call_must_be_declared():
    with tempfile.TemporaryDirectory() as src:
        build = os.path.join(src, "out")
        os.mkdir(build)
        with open(os.path.join(build, "t.ci"), "w") as f:
            f.write(ci({"a": (16, S), "b": (32, S)}, []))
        with open(os.path.join(src, "entry.asm"), "w") as f:
            f.write("entry:\n\tcall b\t\t; into C\n")
        _, _, errors = sc.check(build, STACK + "root task a\nasm entry 8\n", src)
        ok(any("entry.asm:2: the assembly calls b" in e for e in errors),
           "asm: a call from assembly that the table does not declare is an error")
        _, roots, errors = sc.check(build, STACK + "root task entry\nasm entry 8 b\n", src)
        ok(not errors and roots[0].bound == 40, "asm: declared, it counts: 8 + 32 = 40")


def test_tasks_and_interrupts_on_top():
    funcs = {"start": (32, S), "t1": (100, S), "t2": (1000, S), "irq": (184, "static")}
    edges = [("start", sc.INDIRECT)]
    ann = STACK + "tasks task start start\ncalls start t1 t2\nontop task irq\n"
    roots, errors = run(funcs, edges, ann)
    ok(not errors and roots["t1"].bound == 32 + 100 + 184 and roots["t2"].bound == 32 + 1000 + 184,
       "tasks: one root per target, each with only its own function, 184 on top")


def test_too_deep_and_dynamic():
    roots, _ = run({"a": (16000, S)}, [], STACK + "root task a\n")
    ok(roots["a"].verdict() == "TOO DEEP", "margin: 16000 of 16384 leaves less than 1 KiB")
    roots, _ = run({"a": (15360, S)}, [], STACK + "root task a\n")
    ok(roots["a"].verdict() == "ok", "margin: 15360 of 16384 leaves exactly 1 KiB: ok")
    _, errors = run({"a": (16, S), "v": (32, "dynamic")}, [("a", "v")], STACK + "root task a\n")
    ok(any("unbounded size" in e for e in errors), "dynamic: a VLA frame with no bound is an error")


def test_alloca_annotation():
    graph = ({"a": (16, S), "v": (32, "dynamic")}, [("a", "v")])
    roots, errors = run(*graph, STACK + "root task a\nalloca v 1040 a random offset\n")
    ok(not errors and roots["a"].bound == 16 + 32 + 1040,
       "alloca: a dynamic frame counts its static part plus the annotated bound")
    _, errors = run({"a": (16, S)}, [], STACK + "root task a\nalloca a 64 why\n")
    ok(any("not dynamic" in e for e in errors), "alloca: naming a static frame is an error")
    _, errors = run({"a": (16, S)}, [], STACK + "root task a\nalloca nosuch 64 why\n")
    ok(any("matches no function" in e for e in errors), "alloca: naming nothing is an error")


def test_measured_against_bound():
    roots, _ = run({"a": (16, S), "b": (32, S)}, [("a", "b")], STACK + "root task a\n")
    with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False) as log:
        log.write("stack_trace: root a measured 40\n")
    errors = sc.check_measured(list(roots.values()), log.name)
    ok(not errors, "measured: 40 bytes of a bound of 48 passes")
    with open(log.name, "w") as f:
        f.write("stack_trace: root a measured 56\n")
    errors = sc.check_measured(list(roots.values()), log.name)
    ok(any("measured 56 > bound 48" in e for e in errors), "measured: 56 above 48 fails")
    os.unlink(log.name)


for test in [test_chain, test_nested_build_left_out, test_diamond, test_cycle,
             test_unresolved_indirect_call,
             test_address_taken_must_be_annotated, test_asm_call_must_be_declared,
             test_tasks_and_interrupts_on_top,
             test_too_deep_and_dynamic, test_alloca_annotation, test_measured_against_bound]:
    try:
        test()
    except Exception as e:  # a crash is a failed check, not a lost one
        ok(False, f"{test.__name__}: {type(e).__name__}: {e}")

print(f"TAP version 13\n1..{len(results)}")
for i, (good, name) in enumerate(results, 1):
    print(f"{'' if good else 'not '}ok {i} - {name}")
sys.exit(0 if all(g for g, _ in results) else 1)
