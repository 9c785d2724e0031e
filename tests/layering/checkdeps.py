#!/usr/bin/env python3
"""One-way layers, checked over the sources (Chromium's checkdeps, in small).

Layers of the shim, bottom up (src/README.md draws the map):
  core      src/*.c, src/*.h  but the triggers: tables, capture, guard, options,
            private allocator, stop-the-world, roots, the pure classifier
  hooks     src/hooks/        interposers: call the real function, tell core
  report    src/report/       the pipeline over core's snapshots
  triggers  src/init.c, src/signal.c (headers init.h, signals.h): exit,
            signals, the helper thread; src/client.c: the client API and
            LeakSanitizer's interface (a snapshot or leak check on request);
            they call the report
  contract  the files listed in CONTRACT: option table, output patterns,
            signal names, kind/class vocabulary, raw system calls, one-line
            diagnostics; shared by the shim and the CLI, built as lt_contract
  model     src/model/        the report model and its text emitter (and the
            buffer it writes into): built as lt_model, linked by the shim and
            by the CLI, so both print a report with the same code
  tools     tools/            the CLI: its own files, the model and the contract

Rules:
  1. #include "..." may only point to the same layer or one the layer may
     call: hooks -> core; report -> core, model; triggers -> core, report,
     model; core -> core; model -> model; tools -> tools, model; and every
     layer -> contract (the
     vocabulary shared by the shim and the tool, which includes nothing).
  2. tools/meson.build never links the shim's core (lt_core).
  3. Outside src/hooks/ and src/sys.c, shim code never calls a function the
     shim interposes itself (every name in src/real.inc: such a call binds to
     the shim's own hook) nor a raw system-call wrapper of libc: system calls
     go through lt_sys_* (sys.c) and dispositions through lt_real.sigaction.
  4. Tests cannot vanish: no meson.build under tests/ gates a test or a folder
     on fs.exists / fs.is_dir, and every tests/{unit,e2e,tools}/test_*.c is
     named in its folder's meson.build.

A violation listed in tests/layering/exceptions.txt is tolerated while the
refactor that removes it is under way; an entry that no longer matches a
violation is itself an error, so the list can only shrink.
Usage: checkdeps.py SOURCE_ROOT [--list]  (exit 0 clean, 1 violations)
"""
import os
import re
import sys

# libc wrappers of system calls (and signal-state calls) the shim must make
# through sys.c or lt_real instead; the interposed names come from real.inc.
RAW = """syscall sigaction signal sigprocmask pthread_sigmask sigaltstack
read write pread pwrite readv writev lseek fstat stat lstat fstatat statx
mmap munmap mprotect madvise mremap getpid getppid gettid getuid geteuid
tgkill tkill kill raise prctl readlink readlinkat rename renameat unlink
unlinkat fsync getdents getdents64 nanosleep clock_nanosleep sched_yield
getsockopt setsockopt getsockname getpeername ioctl getrlimit setrlimit
process_vm_readv""".split()

CONTRACT = {"src/" + f for f in (
    "lt.h", "log.c", "log.h", "options.c", "options.h", "options.inc",
    "outpat.c", "outpat.h", "signame.c", "signame.h", "sys.c", "sys.h",
    "vocab.c", "vocab.h")}

TRIGGERS = {"src/init.c", "src/init.h", "src/signal.c", "src/signals.h", "src/client.c"}

MAY = {
    "core": {"core", "contract"},
    "hooks": {"hooks", "core", "contract"},
    "report": {"report", "model", "core", "contract"},
    "triggers": {"triggers", "report", "model", "core", "contract"},
    "model": {"model", "contract"},
    "tools": {"tools", "model", "contract"},
    "contract": {"contract"},
}


FOLDERS = (("src/hooks/", "hooks"), ("src/report/", "report"), ("src/model/", "model"),
           ("src/", "core"),
           ("tools/", "tools"))


def layer(rel):
    if rel in TRIGGERS:
        return "triggers"
    if rel in CONTRACT:
        return "contract"
    for prefix, name in FOLDERS:
        if rel.startswith(prefix):
            return name
    return None


def strip(text):
    """C text without comments, string and char literals (lines kept)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def sources(root, top):
    for d, _, files in os.walk(os.path.join(root, top)):
        for f in sorted(files):
            if f.endswith((".c", ".h", ".inc")):
                yield os.path.relpath(os.path.join(d, f), root)


def resolve(root, rel, inc):
    """The repository path an #include "inc" in rel names (None: not ours)."""
    for base in (os.path.dirname(rel), "src", "tools"):
        p = os.path.normpath(os.path.join(base, inc))
        if os.path.exists(os.path.join(root, p)):
            return p
    return None


def check(root):
    found = []
    inc_re = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
    for top in ("src", "tools"):
        for rel in sources(root, top):
            lay = layer(rel)
            text = open(os.path.join(root, rel), encoding="utf-8").read()
            for m in inc_re.finditer(text):
                tgt = resolve(root, rel, m.group(1))
                if tgt is None:
                    continue
                tl = layer(tgt)
                if tl is not None and tl not in MAY[lay]:
                    found.append("%s includes %s (%s -> %s)" % (rel, tgt, lay, tl))

    meson = open(os.path.join(root, "tools/meson.build"), encoding="utf-8").read()
    if re.search(r"\blt_core\b|\bcore_deps\b|\blibunwind_dep\b|\blibdw_dep\b",
                 strip_meson(meson)):
        found.append("tools/meson.build links lt_core")
    smeson = strip_meson(open(os.path.join(root, "src/meson.build"), encoding="utf-8").read())
    m = re.search(r"contract_sources\s*=\s*files\(([^)]*)\)", smeson)
    listed = set("src/" + f for f in re.findall(r"'([^']+)'", m.group(1))) if m else set()
    for f in sorted(listed - CONTRACT):
        found.append("src/meson.build builds %s into lt_contract but it is not contract" % f)

    real = open(os.path.join(root, "src/real.inc"), encoding="utf-8").read()
    hooked = re.findall(r"^LT_REAL\([^,]+,\s*(\w+)\s*,", real, re.M)
    names = sorted(set(hooked) | set(RAW))
    call_re = re.compile(r"(?<![\w.>])(%s)\s*\(" % "|".join(names))
    for rel in sources(root, "src"):
        if rel.startswith("src/hooks/") or rel in ("src/sys.c", "src/real.inc"):
            continue
        text = strip(open(os.path.join(root, rel), encoding="utf-8").read())
        text = re.sub(r"^\s*#.*$", "", text, flags=re.M)   # macros' own names
        seen = set()
        for m in call_re.finditer(text):
            if m.group(1) not in seen:
                seen.add(m.group(1))
                found.append("%s calls %s" % (rel, m.group(1)))

    for d, _, files in os.walk(os.path.join(root, "tests")):
        if "meson.build" not in files:
            continue
        mb = os.path.join(d, "meson.build")
        relmb = os.path.relpath(mb, root)
        body = strip_meson(open(mb, encoding="utf-8").read())
        if re.search(r"\bfs\.(exists|is_dir|is_file)\s*\(", body):
            found.append("%s gates on fs.exists/is_dir" % relmb)
        if os.path.basename(d) in ("unit", "e2e", "tools"):
            for f in sorted(files):
                if f.startswith("test_") and f.endswith(".c"):
                    stem = f[len("test_"):-2]
                    if f not in body and ("'%s'" % stem) not in body:
                        found.append("%s never builds %s" % (relmb, f))
    return found


def strip_meson(text):
    return re.sub(r"#.*$", "", text, flags=re.M)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    found = check(root)
    if "--list" in sys.argv:
        print("\n".join(found))
        return 0
    exc_path = os.path.join(root, "tests/layering/exceptions.txt")
    allowed = []
    if os.path.exists(exc_path):
        for line in open(exc_path, encoding="utf-8"):
            line = line.split("#", 1)[0].strip()
            if line:
                allowed.append(line)
    bad = [f for f in found if f not in allowed]
    stale = [a for a in allowed if a not in found]
    for f in bad:
        print("layering violation: " + f)
    for a in stale:
        print("stale exception (remove it from exceptions.txt): " + a)
    print("%d violations, %d tolerated, %d new, %d stale" %
          (len(found), len(found) - len(bad), len(bad), len(stale)))
    return 1 if bad or stale else 0


if __name__ == "__main__":
    sys.exit(main())
