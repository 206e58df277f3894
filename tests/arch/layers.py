#!/usr/bin/env python3
"""layers.py SOURCE_ROOT BUILD_ROOT: the module graph points one way (DESIGN.md "Layout").

Two checks, each line of output names what it proved or what broke:
1. Includes: a file of module M includes richlazy headers only of M itself or of a module
   M may use (ALLOWED below, DESIGN's order: cli -> run -> {store, metrics, init, task} ->
   {model, spec, rng} -> core; metrics uses model; store uses spec; init and task draw
   from rng). A same-floor or upward include is an error.
2. Calls: inside one module, no two files call each other, directly or round a longer
   circle (a helper both need goes in its own file below them). Read from the symbols of
   the built objects (nm): file A -> file B when A uses a global that B defines.
Known arrows and circles that another change is to remove are listed in KNOWN and
KNOWN_CIRCLES with the reason; they are reported, not failed, and a known one that no
longer exists is reported as stale.
Exit 0 if nothing broke, 1 otherwise, 77 if nm is missing (skip).
"""
import os, re, shutil, subprocess, sys

OWNER = {  # public header -> module
    "core.h": "core", "batch.h": "core", "result.h": "core", "measures.def": "core", "curves.def": "core",
    "rng.h": "rng", "spec.h": "spec", "params.h": "spec", "task.h": "task", "init.h": "init",
    "model.h": "model", "linear2.h": "model", "metrics.h": "metrics", "store.h": "store",
    "run.h": "run", "train.h": "run",
}
ALLOWED = {  # module -> modules whose headers it may include (besides its own)
    "core": set(),
    "rng": {"core"},
    "spec": {"core"},
    "model": {"core", "spec"},
    "task": {"core", "spec", "rng"},
    "init": {"core", "spec", "rng"},
    "metrics": {"core", "spec", "model"},
    "store": {"core", "spec"},
    "run": {"core", "rng", "spec", "model", "task", "init", "metrics", "store"},
    "cli": {"core", "rng", "spec", "model", "task", "init", "metrics", "store", "run"},
}
KNOWN_CIRCLES = {  # module: why its files still call each other in a circle (none: spec's shared
}  # helpers moved below their users into alloc.c, paths.c and flatten.c, issue 16)
KNOWN = {  # (from, to): why it is still there (none: batch.h moved rl_batch below them)
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"richlazy/([^"]+)"', re.M)


def module_of_header(name):
    if name.startswith("params_") and name.endswith(".def"):
        return "spec"
    return OWNER.get(name)


def check_includes(src):
    errors, seen_known = [], set()
    files = []
    for m in ALLOWED:
        d = os.path.join(src, "src", m)
        if os.path.isdir(d):
            files += [(m, os.path.join(d, f)) for f in sorted(os.listdir(d)) if f.endswith((".c", ".h"))]
    inc = os.path.join(src, "include", "richlazy")
    files += [(module_of_header(f), os.path.join(inc, f)) for f in sorted(os.listdir(inc))
              if module_of_header(f)]
    for m, path in files:
        for h in INCLUDE.findall(open(path, encoding="utf-8").read()):
            to = module_of_header(h)
            rel = os.path.relpath(path, src)
            if to is None:
                errors.append(f"{rel} includes richlazy/{h}, a header with no module in OWNER")
            elif to != m and to not in ALLOWED[m]:
                if (m, to) in KNOWN:
                    seen_known.add((m, to))
                    print(f"known: {rel}: {m} -> {to} ({KNOWN[(m, to)]})")
                else:
                    errors.append(f"{rel}: {m} includes richlazy/{h} of {to}, which {m} may not use")
    for k in sorted(set(KNOWN) - seen_known):
        print(f"stale: no {k[0]} -> {k[1]} include any more: remove it from KNOWN")
    return errors, len(files)


def symbols(obj):
    out = subprocess.run(["nm", "-g", obj], capture_output=True, text=True, check=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "U":
            used.add(parts[1])
        elif len(parts) == 3 and parts[1] in "TDBRC":
            defined.add(parts[2])
    return defined, used


def circles(graph):
    """Strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on, out, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def check_calls(src, build):
    errors, modules = [], 0
    for m in ALLOWED:
        d = os.path.join(build, "src", m)
        if not os.path.isdir(d):
            continue
        # the module's library (cli: the program users run), and only objects of sources
        # that still exist (an incremental build keeps those of deleted files)
        objdirs = [os.path.join(d, e) for e in sorted(os.listdir(d))
                   if e.endswith(".p") and e != "richlazy-test.p"]
        objs = [os.path.join(od, f) for od in objdirs for f in sorted(os.listdir(od))
                if f.endswith(".c.o") and os.path.isfile(os.path.join(src, "src", m, f[:-2]))]
        if not objs:
            continue
        modules += 1
        syms = {os.path.basename(o)[:-2]: symbols(o) for o in objs}
        owner = {s: f for f, (defs, _) in syms.items() for s in defs}
        graph = {f: {owner[s] for s in used if s in owner and owner[s] != f}
                 for f, (_, used) in syms.items()}
        found = circles(graph)
        for comp in found:
            pairs = [f"{a} -> {b}" for a in comp for b in sorted(graph[a]) if b in comp]
            what = f"src/{m}: files call each other in a circle: {', '.join(pairs)}"
            if m in KNOWN_CIRCLES:
                print(f"known: {what} ({KNOWN_CIRCLES[m]})")
            else:
                errors.append(what)
        if not found and m in KNOWN_CIRCLES:
            print(f"stale: src/{m} has no circle any more: remove it from KNOWN_CIRCLES")
    return errors, modules


def main():
    src, build = sys.argv[1], sys.argv[2]
    if not shutil.which("nm"):
        print("skip: nm (binutils) is not installed")
        return 77
    inc_errors, nfiles = check_includes(src)
    call_errors, nmods = check_calls(src, build)
    for e in inc_errors + call_errors:
        print("FAIL:", e)
    if not inc_errors:
        print(f"ok  : {nfiles} files include only their own module's headers and those below it")
    if not call_errors:
        print(f"ok  : no two files of any of {nmods} modules call each other, known ones aside "
              "(nm of the objects)")
    if nfiles == 0 or nmods == 0:
        print("FAIL: nothing was checked")
        return 1
    return 1 if inc_errors or call_errors else 0


if __name__ == "__main__":
    sys.exit(main())
