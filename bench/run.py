#!/usr/bin/env python3
"""leaktrace benchmark runner (python3 standard library only).

One command:  python3 bench/run.py          (full run, writes bench/RESULTS.md)
              python3 bench/run.py --quick  (1 round smoke run, no RESULTS.md)

Builds the bench C programs with cc into bench/out/, then runs every
workload under native and every available tool, interleaved round by round
(the tool order rotates each round) so machine noise hits all alike, and
prints ratios to native as markdown tables.  See bench/README.md.
"""
import argparse
import csv
import glob
import io
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
OUT = os.path.join(BENCH, "out")

STORM_LIVE = 100000
STORM_DEPTH = 12
STORM1_OPS = 2000000
STORM2_OPS = 4000000
# xorshift rounds of "own work" per storm operation: calibrated so that the
# native storm spends ~300 ns per free+malloc, where heaptrack lands near
# the anchor (2.98x); see README.md.
STORM_WORK = 80
STORM_LEAKS = 1000
LIVEBIG_BLOCKS = 1000000
REDIS_N = 100000

PAUSE_RE = re.compile(r"leaktrace: snapshot .* paused (\d+(?:\.\d+)?) ms")

WORKLOADS = ["storm", "storm2", "python", "sqlite", "redis", "report", "capture"]
WORKLOAD_LABEL = {
    "storm": "storm, 1 thread",
    "storm2": "storm, 2 threads",
    "python": "python3 alloc_heavy.py",
    "sqlite": "sqlite3 :memory:",
    "redis": "redis-server",
    "report": "livebig (1M live blocks)",
}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- tools


class Tool:
    """How to run a command under one tool."""

    def __init__(self, name, label, max_rounds=None):
        self.name = name
        self.label = label
        self.max_rounds = max_rounds
        self.skip_reason = None

    def wrap(self, argv, env, tmp, workload):
        return argv, env


class Native(Tool):
    pass


class Preload(Tool):
    def __init__(self, name, label, lib, options_var, options):
        super().__init__(name, label)
        self.lib = lib
        self.options_var = options_var
        self.options = options

    def wrap(self, argv, env, tmp, workload):
        env = dict(env)
        env["LD_PRELOAD"] = self.lib
        env[self.options_var] = self.options
        return argv, env


class Leaktrace(Preload):
    def __init__(self, name, label, lib, extra):
        super().__init__(name, label, lib, "LEAKTRACE_OPTIONS", "")
        self.extra = extra  # e.g. "depth=4:" or ""

    def options_for(self, tmp, kind="bench"):
        if kind == "report":
            return self.extra + "format=both:exitcode=0:output=" + os.path.join(tmp, "r.%p")
        if kind == "snapshot":
            return self.extra + "verbosity=1:format=both:exitcode=0:output=" + os.path.join(tmp, "s.%p")
        return self.extra + "output=/dev/null:exitcode=0"

    def wrap(self, argv, env, tmp, workload, kind="bench"):
        env = dict(env)
        env["LD_PRELOAD"] = self.lib
        env["LEAKTRACE_OPTIONS"] = self.options_for(tmp, kind)
        return argv, env


class Heaptrack(Tool):
    def wrap(self, argv, env, tmp, workload):
        exe = shutil.which(argv[0]) or argv[0]
        return ["heaptrack", "-o", os.path.join(tmp, "heaptrack"), exe] + argv[1:], env


class Valgrind(Tool):
    def wrap(self, argv, env, tmp, workload):
        return (["valgrind", "--tool=memcheck", "--leak-check=full", "-q",
                 "--log-file=" + os.path.join(tmp, "vg.%p")] + argv, env)


class LsanCompiled(Tool):
    """LeakSanitizer compiled into the program: only for our C programs."""

    def wrap(self, argv, env, tmp, workload):
        env = dict(env)
        env["LSAN_OPTIONS"] = "exitcode=0"
        return [argv[0] + "-lsan"] + argv[1:], env


def find_asan_runtime():
    cands = ["/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.asan-x86_64.so"]
    cands += sorted(glob.glob("/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.asan-x86_64.so"),
                    reverse=True)
    cands += sorted(glob.glob("/usr/lib/clang/*/lib/linux/libclang_rt.asan-x86_64.so"), reverse=True)
    for c in cands:
        if os.path.exists(c):
            return c
    return None


def make_tools(args):
    lib = os.path.abspath(args.lib)
    tools = [Native("native", "native")]
    lt = Leaktrace("leaktrace", "leaktrace", lib, "")
    lt4 = Leaktrace("leaktrace-d4", "leaktrace depth=4", lib, "depth=4:")
    if not os.path.exists(lib):
        why = "%s not found (build with `meson setup build && ninja -C build`, or pass --lib)" % lib
        lt.skip_reason = lt4.skip_reason = why
    tools += [lt, lt4]
    ht = Heaptrack("heaptrack", "heaptrack")
    if not shutil.which("heaptrack"):
        ht.skip_reason = "heaptrack not found in PATH"
    tools.append(ht)
    vg = Valgrind("valgrind", "valgrind memcheck", max_rounds=args.valgrind_rounds)
    if not shutil.which("valgrind"):
        vg.skip_reason = "valgrind not found in PATH"
    tools.append(vg)
    asan_rt = find_asan_runtime()
    asan = Preload("asan", "ASan runtime preloaded", asan_rt or "", "ASAN_OPTIONS",
                   "detect_leaks=1:exitcode=0:verify_asan_link_order=0")
    if not asan_rt:
        asan.skip_reason = "libclang_rt.asan-x86_64.so not found (apt-get install libclang-rt-14-dev)"
    tools.append(asan)
    lsan = LsanCompiled("lsan", "LSan compiled in")
    if not shutil.which("clang"):
        lsan.skip_reason = "clang not found in PATH (needed for -fsanitize=leak)"
    tools.append(lsan)
    if args.tools:
        wanted = set(args.tools.split(",")) | {"native"}
        for t in tools:
            if t.name not in wanted and not t.skip_reason:
                t.skip_reason = "not selected (--tools)"
    return tools


# ---------------------------------------------------------------- building


def build(args):
    os.makedirs(OUT, exist_ok=True)
    cc = os.environ.get("CC", "cc")
    built = {}

    def compile_(name, src, extra, compiler=cc):
        out = os.path.join(OUT, name)
        cmd = [compiler, "-O2", "-g", "-Wall", "-o", out, os.path.join(BENCH, src)] + extra
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            log("build failed: %s\n%s" % (" ".join(cmd), r.stderr))
            built[name] = None
        else:
            built[name] = out

    compile_("storm", "storm.c", ["-pthread"])
    compile_("livebig", "livebig.c", [])
    compile_("capture", "capture.c", ["-fno-omit-frame-pointer", "-lunwind", "-pthread"])
    if shutil.which("clang"):
        # Frame pointers so LSan's fast unwinder records whole stacks, as a
        # user of -fsanitize=leak would build.
        lsan_flags = ["-fsanitize=leak", "-fno-omit-frame-pointer"]
        compile_("storm-lsan", "storm.c", lsan_flags + ["-pthread"], "clang")
        compile_("livebig-lsan", "livebig.c", lsan_flags, "clang")
    return built


# ---------------------------------------------------------------- processes


def children_map():
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                s = f.read()
            ppid = int(s[s.rindex(")") + 2:].split()[1])
        except (OSError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(d))
    return kids


def proc_tree(pid):
    kids = children_map()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def status_kb(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def exe_base(pid):
    try:
        return os.path.basename(os.readlink("/proc/%d/exe" % pid))
    except OSError:
        return ""


def target_process(pid, prefixes):
    """The workload process in the tree under pid: the one whose executable
    starts with one of prefixes (valgrind runs the program inside its own
    memcheck-* process, so that one counts), largest VmHWM first."""
    best, best_hwm = None, -1
    for p in proc_tree(pid):
        base = exe_base(p)
        if base.startswith(tuple(prefixes) + ("memcheck-",)):
            hwm = status_kb(p, "VmHWM") or 0
            if hwm > best_hwm:
                best, best_hwm = p, hwm
    return best


LIVE_RUNS = set()


def kill_live_runs(*_):
    """On interruption, kill the process groups this runner started."""
    for r in list(LIVE_RUNS):
        r.kill()
    raise KeyboardInterrupt


class Run:
    """A started workload process in its own session, so the whole tree
    (heaptrack's helpers too) can be killed on timeout."""

    def __init__(self, argv, env, stdin=None, stdout_path=None, stderr_path=None,
                 pipe_stdin=False, pipe_stdout=False, cwd=None):
        self.out_f = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
        self.err_f = open(stderr_path, "wb") if stderr_path else subprocess.DEVNULL
        self.stdin_f = open(stdin, "rb") if stdin else (subprocess.PIPE if pipe_stdin else subprocess.DEVNULL)
        self.t0 = time.monotonic()
        self.p = subprocess.Popen(argv, env=env, stdin=self.stdin_f,
                                  stdout=subprocess.PIPE if pipe_stdout else self.out_f,
                                  stderr=self.err_f, start_new_session=True, cwd=cwd)
        self.pid = self.p.pid
        self.timed_out = False
        LIVE_RUNS.add(self)

    def kill(self):
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except OSError:
            pass

    def wait(self, timeout):
        timer = threading.Timer(timeout, self._timeout)
        timer.start()
        try:
            _, status, ru = os.wait4(self.pid, 0)
        finally:
            timer.cancel()
        t1 = time.monotonic()
        LIVE_RUNS.discard(self)
        self.p.returncode = os.waitstatus_to_exitcode(status)
        for f in (self.out_f, self.err_f, self.stdin_f):
            if hasattr(f, "close"):
                f.close()
        if self.p.stdout:
            self.p.stdout.close()
        if self.p.stdin:
            try:
                self.p.stdin.close()
            except OSError:
                pass
        # Reap anything left in the session (heaptrack's background helpers).
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except OSError:
            pass
        return {"rc": self.p.returncode, "wall": t1 - self.t0, "t_end": t1,
                "maxrss_kb": ru.ru_maxrss, "cpu": ru.ru_utime + ru.ru_stime, "timed_out": self.timed_out}

    def _timeout(self):
        self.timed_out = True
        self.kill()


def tail(path, n=800):
    try:
        with open(path, "rb") as f:
            data = f.read()
        return data[-n:].decode("utf-8", "replace")
    except OSError:
        return ""


def read_lines(path):
    try:
        with open(path, "r", errors="replace") as f:
            return [l.rstrip("\n") for l in f]
    except OSError:
        return []


# ---------------------------------------------------------------- workloads


class Bench:
    def __init__(self, args, tools, built):
        self.args = args
        self.tools = {t.name: t for t in tools}
        self.built = built
        self.env = dict(os.environ)
        for k in ("LD_PRELOAD", "LEAKTRACE_OPTIONS", "ASAN_OPTIONS", "LSAN_OPTIONS"):
            self.env.pop(k, None)
        self.logdir = os.path.join(OUT, "logs")
        os.makedirs(self.logdir, exist_ok=True)
        self.native_out = {}

    def timeout(self, tool):
        return 1800 if tool.name == "valgrind" else 300

    def fail(self, wl, tool, rnd, why, errpath=None):
        keep = os.path.join(self.logdir, "%s.%s.r%d.stderr" % (wl, tool.name, rnd))
        if errpath and os.path.exists(errpath):
            shutil.copy(errpath, keep)
        log("    FAILED: %s%s" % (why, " (stderr kept in %s)" % os.path.relpath(keep, ROOT)
                                     if errpath else ""))
        return {"ok": False, "why": why}

    def cmd_for(self, wl):
        b = self.built
        if wl == "storm":
            return [b["storm"], "--live", str(STORM_LIVE), "--ops", str(STORM1_OPS),
                    "--depth", str(STORM_DEPTH), "--threads", "1", "--leaks", str(STORM_LEAKS),
                    "--work", str(STORM_WORK)], None
        if wl == "storm2":
            return [b["storm"], "--live", str(STORM_LIVE), "--ops", str(STORM2_OPS),
                    "--depth", str(STORM_DEPTH), "--threads", "2", "--leaks", str(STORM_LEAKS),
                    "--work", str(STORM_WORK)], None
        if wl == "python":
            return [sys.executable if os.path.basename(sys.executable).startswith("python3")
                    else "python3", os.path.join(BENCH, "alloc_heavy.py")], None
        if wl == "sqlite":
            return ["sqlite3", ":memory:"], os.path.join(BENCH, "sqlite.sql")
        raise ValueError(wl)

    def applicable(self, wl, tool):
        if tool.name == "heaptrack" and wl == "report":
            # heaptrack 1.4.0's heaptrack_interpret grew past 18 GiB and died
            # with std::bad_alloc on livebig here: never run it there.
            return False
        if tool.name == "lsan":
            return wl in ("storm", "storm2", "report") and self.built.get(
                "storm-lsan" if wl != "report" else "livebig-lsan")
        return True

    # -- plain process workloads: wall time and peak RSS
    def run_process(self, wl, tool, rnd):
        argv, stdin = self.cmd_for(wl)
        tmp = tempfile.mkdtemp(prefix="lt-bench-")
        try:
            argv2, env = tool.wrap(argv, self.env, tmp, wl)
            so, se = os.path.join(tmp, "stdout"), os.path.join(tmp, "stderr")
            r = Run(argv2, env, stdin=stdin, stdout_path=so, stderr_path=se)
            res = r.wait(self.timeout(tool))
            if res["timed_out"]:
                return self.fail(wl, tool, rnd, "timed out", se)
            if res["rc"] != 0:
                return self.fail(wl, tool, rnd, "exit status %d" % res["rc"], se)
            lines = read_lines(so)
            out = {"ok": True, "wall": res["wall"], "cpu": res["cpu"], "rss_kb": res["maxrss_kb"]}
            if tool.name == "native":
                self.native_out[wl] = lines
            elif wl in self.native_out and not set(self.native_out[wl]) <= set(lines):
                out["output_differs"] = True
                log("    WARNING: output differs from native")
            return out
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    # -- redis-server under the tool, redis-benchmark native
    def run_redis(self, wl, tool, rnd):
        tmp = tempfile.mkdtemp(prefix="lt-bench-")
        try:
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
            s.close()
            argv = ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--daemonize", "no",
                    "--dir", tmp, "--logfile", ""]
            argv2, env = tool.wrap(argv, self.env, tmp, wl)
            so, se = os.path.join(tmp, "stdout"), os.path.join(tmp, "stderr")
            r = Run(argv2, env, stdout_path=so, stderr_path=se)
            deadline = time.monotonic() + (300 if tool.name == "valgrind" else 60)
            ready = False
            while time.monotonic() < deadline:
                if r.p.poll() is not None:
                    break
                if redis_cmd(port, b"PING\r\n").startswith(b"+PONG"):
                    ready = True
                    break
                time.sleep(0.05)
            if not ready:
                r.kill()
                r.wait(30)
                return self.fail(wl, tool, rnd, "redis-server did not answer PING", se)
            bench = subprocess.run(
                ["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-q", "-n", str(REDIS_N),
                 "-t", "set,get,lpush,lpop", "-P", "16", "--csv"],
                capture_output=True, text=True, timeout=1800)
            pid = target_process(r.pid, ["redis"])
            hwm = status_kb(pid, "VmHWM") if pid else None
            redis_cmd(port, b"SHUTDOWN NOSAVE\r\n")
            res = r.wait(self.timeout(tool))
            rps = parse_redis_csv(bench.stdout)
            if bench.returncode != 0 or not rps:
                return self.fail(wl, tool, rnd, "redis-benchmark failed: %s" % bench.stderr[-300:], se)
            total_time = sum(REDIS_N / v for v in rps.values())
            out = {"ok": True, "rps": len(rps) * REDIS_N / total_time, "rps_tests": rps,
                   "rss_kb": hwm}
            if res["rc"] not in (0, None) and not res["timed_out"]:
                out["note"] = "exit status %d after SHUTDOWN" % res["rc"]
            return out
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    # -- exit report time, live-set memory, snapshot pause
    def run_report(self, wl, tool, rnd):
        b = self.built["livebig"]
        argv = [b, "--blocks", str(LIVEBIG_BLOCKS)]
        out = {"ok": True}
        tmp = tempfile.mkdtemp(prefix="lt-bench-")
        try:
            # 1. exit: time from "exit-at" (end of main) to the process being reaped
            if isinstance(tool, Leaktrace):
                argv2, env = tool.wrap(argv + ["exit"], self.env, tmp, wl, kind="report")
            else:
                argv2, env = tool.wrap(argv + ["exit"], self.env, tmp, wl)
            so, se = os.path.join(tmp, "stdout"), os.path.join(tmp, "stderr")
            r = Run(argv2, env, stdout_path=so, stderr_path=se)
            res = r.wait(self.timeout(tool))
            if res["timed_out"] or res["rc"] != 0:
                return self.fail(wl, tool, rnd, "exit run: %s" % (
                    "timed out" if res["timed_out"] else "exit status %d" % res["rc"]), se)
            at = [l for l in read_lines(so) if l.startswith("livebig exit-at ")]
            if not at:
                return self.fail(wl, tool, rnd, "no exit-at line", se)
            out["exit_s"] = res["t_end"] - float(at[-1].split()[-1])
            out["wall"] = res["wall"]
            out["rss_kb"] = res["maxrss_kb"]
            if isinstance(tool, Leaktrace):
                out["report_files"] = sorted(os.listdir(tmp))
            # 2. hold: VmRSS of the program with its live set built
            argv2, env = tool.wrap(argv + ["hold"], self.env, tmp, wl)
            r = Run(argv2, env, pipe_stdin=True, pipe_stdout=True, stderr_path=se)
            live_kb = None
            t_stop = time.monotonic() + self.timeout(tool)
            for line in r.p.stdout:
                if line.startswith(b"livebig built"):
                    pid = target_process(r.pid, ["livebig"])
                    live_kb = status_kb(pid, "VmRSS") if pid else None
                    break
                if time.monotonic() > t_stop:
                    break
            try:
                r.p.stdin.close()
            except OSError:
                pass
            r.wait(self.timeout(tool))
            out["live_rss_kb"] = live_kb
            # 3. snapshot pause (leaktrace, default options only): SIGUSR1 with verbosity=1
            if tool.name == "leaktrace":
                argv2, env = tool.wrap(argv + ["usr1"], self.env, tmp, wl, kind="snapshot")
                se2 = os.path.join(tmp, "stderr.usr1")
                r = Run(argv2, env, stdout_path=os.path.join(tmp, "stdout.usr1"), stderr_path=se2)
                res = r.wait(self.timeout(tool))
                m = None
                for line in read_lines(se2):
                    m = PAUSE_RE.search(line) or m
                out["pause_ms"] = float(m.group(1)) if m else None
                if res["rc"] != 0:
                    out["pause_note"] = "usr1 run exit status %d" % res["rc"]
            return out
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def run(self, wl, tool, rnd):
        if wl == "redis":
            return self.run_redis(wl, tool, rnd)
        if wl == "report":
            return self.run_report(wl, tool, rnd)
        return self.run_process(wl, tool, rnd)


def redis_cmd(port, cmd):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(cmd)
            return s.recv(64)
    except OSError:
        return b""


def parse_redis_csv(text):
    rps = {}
    for row in csv.reader(io.StringIO(text)):
        if len(row) >= 2 and row[0] != "test":
            try:
                rps[row[0].split()[0]] = float(row[1])
            except ValueError:
                pass
    return rps


# ---------------------------------------------------------------- capture


def run_capture(built):
    if not built.get("capture"):
        return None
    r = subprocess.run([built["capture"]], capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        log("capture failed: " + r.stderr)
        return None
    vals = {}
    for line in r.stdout.splitlines():
        k, _, v = line.partition(" ")
        try:
            vals[k] = float(v)
        except ValueError:
            pass
    return vals


# ---------------------------------------------------------------- statistics


def stats(vals):
    vals = [v for v in vals if v is not None]
    if not vals:
        return None
    return statistics.median(vals), min(vals), max(vals), len(vals)


def fmt_ratio(st, unit="×"):
    if st is None:
        return "—"
    med, lo, hi, n = st
    if n == 1:
        return "%.2f%s (1 run)" % (med, unit)
    return "%.2f%s (%.2f–%.2f)" % (med, unit, lo, hi)


def fmt_abs(st, scale, fmt):
    if st is None:
        return "—"
    med, lo, hi, n = st
    s = fmt % (med * scale)
    if n > 1:
        s += " (" + fmt % (lo * scale) + "–" + fmt % (hi * scale) + ")"
    return s


class Results:
    def __init__(self):
        self.data = {}  # (wl, tool) -> {round: result}

    def add(self, wl, tool, rnd, res):
        self.data.setdefault((wl, tool), {})[rnd] = res

    def values(self, wl, tool, key):
        return [r.get(key) for r in self.data.get((wl, tool), {}).values() if r.get("ok")]

    def ratios(self, wl, tool, key):
        nat = self.data.get((wl, "native"), {})
        out = []
        for rnd, r in self.data.get((wl, tool), {}).items():
            n = nat.get(rnd)
            if r.get("ok") and n and n.get("ok") and r.get(key) and n.get(key):
                out.append(r[key] / n[key])
        return out

    def failed(self, wl, tool):
        rs = self.data.get((wl, tool), {})
        bad = [r for r in rs.values() if not r.get("ok")]
        return bad[0]["why"] if bad and len(bad) == len(rs) else None


# ---------------------------------------------------------------- report


GOALS = [
    # (label, workload, metric, op, target)
    ("storm 1 thread wall time", "storm", "wall", "<=", 1.5),
    ("storm 2 threads wall time", "storm2", "wall", "<=", 1.5),
    ("python3 wall time", "python", "wall", "<=", 1.3),
    ("sqlite3 wall time", "sqlite", "wall", "<=", 1.4),
    ("redis requests/s", "redis", "rps", ">=", 0.95),
    ("redis-server peak RSS", "redis", "rss_kb", "<=", 2.0),
    ("storm 1 thread peak RSS", "storm", "rss_kb", "<=", 1.3),
    ("storm 2 threads peak RSS", "storm2", "rss_kb", "<=", 1.3),
]


def verdict(value, op, target):
    if value is None:
        return "not measured"
    ok = value <= target if op == "<=" else value >= target if op == ">=" else value < target
    return "met" if ok else "**not met**"


def goal_cell(res, wl, metric, tools):
    g = [x for x in GOALS if x[1] == wl and x[2] == metric]
    if not g:
        return ""
    _, _, _, op, target = g[0]
    sym = {"<=": "≤", ">=": "≥", "<": "<"}[op]
    if "leaktrace" not in tools:
        return "%s %.2f×: not measured" % (sym, target)
    st = stats(res.ratios(wl, "leaktrace", metric))
    return "%s %.2f×: %s" % (sym, target, verdict(st[0] if st else None, op, target))


def render(args, tools, res, capture, machine, elapsed, skipped):
    active = [t for t in tools if not t.skip_reason]
    names = [t.name for t in active]
    others = [t for t in active if t.name != "native"]
    L = []
    L.append("# leaktrace benchmark results\n")
    L.append("Generated by `python3 bench/run.py%s` on %s; %d rounds (valgrind %d), "
             "total %.0f s. Do not edit by hand: rerun the runner.\n" % (
                 " " + " ".join(args.argv_shown) if args.argv_shown else "",
                 machine["date"], args.rounds, min(args.valgrind_rounds, args.rounds), elapsed))
    L.append("## Machine\n")
    for k in ("cpu", "cores", "memory", "kernel", "os", "load average", "leaktrace", "versions"):
        L.append("- %s: %s" % (k, machine[k]))
    L.append("")
    if skipped:
        L.append("## Skipped\n")
        for s in skipped:
            L.append("- " + s)
        L.append("")

    L.append("Cells: ratio to native, median of the per-round ratios (each tool is paired "
             "with the native run of the same round), min–max in parentheses. "
             "“—” means not applicable or not run; “failed” links to bench/out/logs.\n")

    def table(title, rows, metric, native_fmt, native_scale, goal=True):
        L.append("### " + title + "\n")
        head = ["workload", "native"] + [t.label for t in others] + (["leaktrace goal"] if goal else [])
        L.append("| " + " | ".join(head) + " |")
        L.append("|" + "---|" * len(head))
        for wl in rows:
            if (wl, "native") not in res.data:
                continue
            cells = [WORKLOAD_LABEL[wl], fmt_abs(stats(res.values(wl, "native", metric)),
                                                 native_scale, native_fmt)]
            for t in others:
                if (wl, t.name) not in res.data:
                    cells.append("—")
                    continue
                why = res.failed(wl, t.name)
                if why:
                    cells.append("failed (%s)" % why)
                    continue
                c = fmt_ratio(stats(res.ratios(wl, t.name, metric)))
                if any(r.get("output_differs") for r in res.data[(wl, t.name)].values()):
                    c += " ⚠ output differs"
                cells.append(c)
            if goal:
                cells.append(goal_cell(res, wl, metric, names))
            L.append("| " + " | ".join(cells) + " |")
        L.append("")

    proc_rows = [w for w in ("storm", "storm2", "python", "sqlite") if w in args.only]
    if proc_rows:
        table("Wall time (native column: seconds)", proc_rows, "wall", "%.3f s", 1, True)
        table("CPU time, user + sys of the process tree (less sensitive than wall time to "
              "other load on the machine; not a goal)", proc_rows, "cpu", "%.3f s", 1, False)
    rss_rows = [w for w in ("storm", "storm2", "python", "sqlite", "redis") if w in args.only]
    if rss_rows:
        table("Peak RSS (native column: MiB; redis: VmHWM of redis-server, others: "
              "ru_maxrss of the process tree)", rss_rows, "rss_kb", "%.1f MiB", 1 / 1024, True)
    if "redis" in args.only:
        table("redis-benchmark throughput (requests/s over SET, GET, LPUSH, LPOP; "
              "-n %d -P 16)" % REDIS_N, ["redis"], "rps", "%.0f req/s", 1, True)

    if "report" in args.only and ("report", "native") in res.data:
        L.append("### Exit report and snapshot: livebig, 1,000,000 live blocks from 1,000 stacks\n")
        L.append("exit = time from the end of main to the process being reaped; "
                 "report cost = exit − native exit (same round); bytes/block = "
                 "(VmRSS with the live set built − native) / 1,000,000; snapshot pause = "
                 "what leaktrace prints with verbosity=1 after SIGUSR1.\n")
        head = ["tool", "exit (ms)", "report cost (ms)", "tool bytes / live block",
                "snapshot pause (ms)", "goal"]
        L.append("| " + " | ".join(head) + " |")
        L.append("|" + "---|" * len(head))
        nat = res.data.get(("report", "native"), {})
        for t in active:
            rs = res.data.get(("report", t.name))
            if rs is None:
                continue
            why = res.failed("report", t.name)
            if why:
                L.append("| %s | failed (%s) | | | | |" % (t.label, why))
                continue
            cost, per_block = [], []
            for rnd, r in rs.items():
                n = nat.get(rnd)
                if r.get("ok") and n and n.get("ok"):
                    cost.append(r["exit_s"] - n["exit_s"])
                    if r.get("live_rss_kb") and n.get("live_rss_kb"):
                        per_block.append((r["live_rss_kb"] - n["live_rss_kb"]) * 1024 / LIVEBIG_BLOCKS)
            exit_st = stats(res.values("report", t.name, "exit_s"))
            cost_st = stats(cost) if t.name != "native" else None
            pb_st = stats(per_block) if t.name != "native" else None
            if t.name == "leaktrace":
                pauses = res.values("report", t.name, "pause_ms")
                p_st = stats(pauses)
                pause = fmt_abs(p_st, 1, "%.1f") if p_st else "n/a (not reported)"
            else:
                p_st, pause = None, "—"
            goal = ""
            if t.name == "leaktrace":
                goal = "report < 1000 ms: %s; pause < 200 ms: %s; ≤ 64 B/block: %s" % (
                    verdict(cost_st[0] * 1000 if cost_st else None, "<", 1000),
                    verdict(p_st[0] if p_st else None, "<", 200),
                    verdict(pb_st[0] if pb_st else None, "<=", 64))
            L.append("| %s | %s | %s | %s | %s | %s |" % (
                t.label, fmt_abs(exit_st, 1000, "%.0f"),
                fmt_abs(cost_st, 1000, "%.0f") if t.name != "native" else "—",
                fmt_abs(pb_st, 1, "%.0f") if t.name != "native" else "—", pause, goal))
        L.append("")

    if capture:
        L.append("### Floor: per-allocation parts (bench/capture.c, ns per operation, best of 7, native)\n")
        desc = [
            ("malloc_free", "native malloc + free pair, 16–512 B"),
            ("unw_backtrace_8", "unw_backtrace, 8 frames, UNW_CACHE_PER_THREAD"),
            ("unw_backtrace_16", "unw_backtrace, 16 frames, UNW_CACHE_PER_THREAD"),
            ("unw_backtrace_32", "unw_backtrace, 32 frames, UNW_CACHE_PER_THREAD"),
            ("unw_backtrace_global_16", "unw_backtrace, 16 frames, default (global) cache"),
            ("fp_walk_16", "frame-pointer walk, 16 frames (lower bound of any unwinder)"),
            ("hash_16", "hash of a 16-frame stack"),
            ("intern_lookup_16", "hash + hit in a 1,000-stack intern table"),
            ("table_insert_erase", "insert + erase in a 100k-entry pointer table under a mutex"),
            ("tls_reentry_guard", "thread-local re-entry flag set + clear"),
        ]
        L.append("| part | ns |")
        L.append("|---|---|")
        for k, d in desc:
            if k in capture:
                L.append("| %s (`%s`) | %.1f |" % (d, k, capture[k]))
        L.append("")
        parts = ["unw_backtrace_16", "intern_lookup_16", "table_insert_erase", "tls_reentry_guard"]
        if all(k in capture for k in parts):
            # storm's frames: 12 from the allocating function, so capture ~12-16 frames
            floor = (capture["unw_backtrace_8"] + capture["unw_backtrace_16"]) / 2 + \
                capture["intern_lookup_16"] + capture["table_insert_erase"] + 2 * capture["tls_reentry_guard"]
            L.append("Floor of one malloc+free pair under a tracer that captures ~12 frames "
                     "(mean of the 8- and 16-frame captures) + intern lookup + table insert/erase "
                     "+ 2 re-entry guards: **%.0f ns**." % floor)
            st = stats(res.values("storm", "native", "cpu"))
            if st:
                per_op = st[0] * 1e9 / (STORM1_OPS + STORM_LIVE)
                L.append(" Native storm (1 thread) spends %.0f ns of CPU per free+malloc "
                         "operation (median CPU time / operations); the floor allows at best "
                         "%.2f× on it." % (per_op, (per_op + floor) / per_op))
            L.append("")

    if "report" in args.only or proc_rows:
        # goals summary
        L.append("### leaktrace goals (default options, medians)\n")
        L.append("| goal | target | measured | verdict |")
        L.append("|---|---|---|---|")
        for label, wl, metric, op, target in GOALS:
            if wl not in args.only:
                continue
            st = stats(res.ratios(wl, "leaktrace", metric)) if "leaktrace" in names else None
            L.append("| %s | %s %.2f× | %s | %s |" % (label, {"<=": "≤", ">=": "≥"}[op], target,
                                                     fmt_ratio(st), verdict(st[0] if st else None, op, target)))
        if "storm" in args.only and "storm2" in args.only:
            s1 = stats(res.ratios("storm", "leaktrace", "wall")) if "leaktrace" in names else None
            s2 = stats(res.ratios("storm2", "leaktrace", "wall")) if "leaktrace" in names else None
            meas = "%.2f× vs %.2f×" % (s2[0], s1[0]) if s1 and s2 else "—"
            L.append("| 2-thread overhead no worse than 1-thread | ratio(2t) ≤ ratio(1t) | %s | %s |" % (
                meas, verdict(s2[0] - s1[0] if s1 and s2 else None, "<=", 0.0)))
        if "report" in args.only:
            nat = res.data.get(("report", "native"), {})
            lt = res.data.get(("report", "leaktrace"), {}) if "leaktrace" in names else {}
            cost = [r["exit_s"] - nat[k]["exit_s"] for k, r in lt.items()
                    if r.get("ok") and nat.get(k, {}).get("ok")]
            pb = [(r["live_rss_kb"] - nat[k]["live_rss_kb"]) * 1024 / LIVEBIG_BLOCKS for k, r in lt.items()
                  if r.get("ok") and nat.get(k, {}).get("ok") and r.get("live_rss_kb") and nat[k].get("live_rss_kb")]
            pauses = [r.get("pause_ms") for r in lt.values() if r.get("ok")]
            for label, vals, op, target, unit in (
                    ("exit report, 1M blocks / 1,000 stacks", [c * 1000 for c in cost], "<", 1000, "ms"),
                    ("snapshot pause, 1M blocks", pauses, "<", 200, "ms"),
                    ("tracer memory per live block", pb, "<=", 64, "B")):
                st = stats(vals)
                L.append("| %s | %s %d %s | %s | %s |" % (
                    label, {"<": "<", "<=": "≤"}[op], target, unit,
                    fmt_abs(st, 1, "%.1f " + unit) if st else "n/a (not reported)" if "pause" in label and lt else "—",
                    verdict(st[0] if st else None, op, target)))
        L.append("")

    L.append("## Notes\n")
    L.append("- Workloads: storm = `bench/out/storm --live %d --ops %d|%d --depth %d --threads 1|2 "
             "--leaks %d --work %d` (12-frame stacks from the allocating function up); python = "
             "`python3 bench/alloc_heavy.py`; sqlite = `sqlite3 :memory: < bench/sqlite.sql`; "
             "redis = redis-server under the tool, `redis-benchmark -q -n %d -t set,get,lpush,lpop "
             "-P 16 --csv` native; report = `bench/out/livebig` (1,000,000 blocks, 1,000 stacks)."
             % (STORM_LIVE, STORM1_OPS, STORM2_OPS, STORM_DEPTH, STORM_LEAKS, STORM_WORK, REDIS_N))
    L.append("- Options: leaktrace `LEAKTRACE_OPTIONS=output=/dev/null:exitcode=0` "
             "(depth=4 variant prepends `depth=4:`; the report run uses "
             "`format=both:output=TMP/r.%p`); ASan `LD_PRELOAD=libclang_rt.asan-x86_64.so "
             "ASAN_OPTIONS=detect_leaks=1:exitcode=0:verify_asan_link_order=0`; heaptrack "
             "`-o TMP/heaptrack`; valgrind `--tool=memcheck --leak-check=full -q --log-file=TMP`; "
             "LSan = the storm/livebig program rebuilt with `clang -fsanitize=leak "
             "-fno-omit-frame-pointer`, `LSAN_OPTIONS=exitcode=0` (only our C programs).")
    L.append("- Peak RSS is `ru_maxrss` from `wait4` of the child: for heaptrack (a shell script "
             "with helper processes) and valgrind it is the largest single process of the tree "
             "that was reaped, which for valgrind is the program running inside memcheck. "
             "redis: `VmHWM` of the redis-server process (under valgrind, the memcheck process "
             "running it), read before SHUTDOWN.")
    L.append("- Wall time includes the tool's start-up and its exit work (leak report, "
             "heaptrack's interpretation).")
    # the hand-written log of measured steps (what was tried for the speed
    # goals and what each did) is carried into every rewrite of RESULTS.md
    steps = os.path.join(BENCH, "STEPS.md")
    if os.path.exists(steps):
        with open(steps) as f:
            L.append("")
            L.append(f.read().rstrip("\n"))
    return "\n".join(L) + "\n"


def machine_info(args):
    def cmd(argv):
        try:
            r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
            return (r.stdout or r.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return None

    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = status = "?"
    try:
        with open("/proc/meminfo") as f:
            mem = "%.1f GiB" % (int(f.readline().split()[1]) / 1024 / 1024)
    except OSError:
        pass
    osname = "?"
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    osname = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    vers = []
    for name, argv in (("cc", ["cc", "--version"]), ("clang", ["clang", "--version"]),
                       ("python3", ["python3", "--version"]), ("sqlite3", ["sqlite3", "--version"]),
                       ("redis-server", ["redis-server", "--version"]),
                       ("heaptrack", ["heaptrack", "--version"]), ("valgrind", ["valgrind", "--version"])):
        v = cmd(argv) if shutil.which(argv[0]) else None
        if v:
            if name == "sqlite3":
                v = v.split()[0]
            if name == "redis-server":
                v = " ".join(v.split()[:3])
            vers.append("%s: %s" % (name, v))
    commit = cmd(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]) or "?"
    try:
        load_end = " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        load_end = "?"
    lib = os.path.abspath(args.lib)
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "cpu": cpu, "cores": str(os.cpu_count()), "memory": mem,
        "kernel": platform.release(), "os": osname,
        "leaktrace": "%s (%s), tree at commit %s" % (
            os.path.relpath(lib, ROOT), "present" if os.path.exists(lib) else "missing", commit),
        "versions": "; ".join(vers),
        "load average": "%s at start, %s at end (1/5/15 min; other work on the machine "
                        "inflates wall times, see the CPU-time table)" % (args.load_start, load_end),
    }


# ---------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lib", default=os.path.join(ROOT, "build", "src", "libleaktrace.so"),
                    help="path to libleaktrace.so (default: build/src/libleaktrace.so)")
    ap.add_argument("--rounds", type=int, default=5, help="rounds for the fast tools (default 5)")
    ap.add_argument("--valgrind-rounds", type=int, default=1, help="rounds for valgrind (default 1)")
    ap.add_argument("--quick", action="store_true",
                    help="1 round smoke run; does not write RESULTS.md unless --results is given")
    ap.add_argument("--only", default=",".join(WORKLOADS),
                    help="comma-separated workloads: " + ",".join(WORKLOADS))
    ap.add_argument("--tools", default="",
                    help="comma-separated tools to run besides native "
                         "(leaktrace,leaktrace-d4,heaptrack,valgrind,asan,lsan; default all)")
    ap.add_argument("--results", default=None,
                    help="markdown file to write (default bench/RESULTS.md for full runs)")
    args = ap.parse_args()
    args.argv_shown = sys.argv[1:]
    if args.quick:
        args.rounds = 1
        args.valgrind_rounds = 1
    if args.results is None and not args.quick:
        args.results = os.path.join(BENCH, "RESULTS.md")
    only = [w.strip() for w in args.only.split(",") if w.strip()]
    bad = [w for w in only if w not in WORKLOADS]
    if bad:
        ap.error("unknown workload(s): %s" % ",".join(bad))
    args.only = only

    signal.signal(signal.SIGTERM, kill_live_runs)
    signal.signal(signal.SIGINT, kill_live_runs)
    t_start = time.monotonic()
    try:
        args.load_start = " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        args.load_start = "?"
    built = build(args)
    tools = make_tools(args)
    skipped = []
    for t in tools:
        if t.skip_reason:
            skipped.append("%s: skipped, %s" % (t.label, t.skip_reason))
            log("%s: skipped, %s" % (t.label, t.skip_reason))
    for wl, prog in (("storm", "storm"), ("storm2", "storm"), ("report", "livebig"),
                     ("capture", "capture")):
        if wl in args.only and not built.get(prog):
            skipped.append("%s: skipped, bench/%s.c did not build" % (wl, prog))
            args.only.remove(wl)
    for wl, exe in (("python", "python3"), ("sqlite", "sqlite3"), ("redis", "redis-server"),
                    ("redis", "redis-benchmark")):
        if wl in args.only and not shutil.which(exe):
            skipped.append("%s: skipped, %s not found in PATH" % (wl, exe))
            args.only.remove(wl)
    active = [t for t in tools if not t.skip_reason]

    capture = None
    if "capture" in args.only:
        log("capture micro-benchmark ...")
        capture = run_capture(built)

    bench = Bench(args, active, built)
    res = Results()
    workloads = [w for w in args.only if w != "capture"]
    for rnd in range(args.rounds):
        for wl in workloads:
            order = [t for t in active if bench.applicable(wl, t)
                     and (t.max_rounds is None or rnd < t.max_rounds)]
            k = rnd % len(order)
            order = order[k:] + order[:k]
            for t in order:
                log("[round %d/%d] %-7s %-18s ..." % (rnd + 1, args.rounds, wl, t.label))
                t_run = time.monotonic()
                r = bench.run(wl, t, rnd)
                res.add(wl, t.name, rnd, r)
                r["elapsed_s"] = time.monotonic() - t_run
                if r.get("ok"):
                    bits = []
                    if "wall" in r:
                        bits.append("%.3f s" % r["wall"])
                    if r.get("rss_kb"):
                        bits.append("%.1f MiB" % (r["rss_kb"] / 1024))
                    if "rps" in r:
                        bits.append("%.0f req/s" % r["rps"])
                    if "exit_s" in r:
                        bits.append("exit %.0f ms" % (r["exit_s"] * 1000))
                    if r.get("pause_ms") is not None:
                        bits.append("pause %.1f ms" % r["pause_ms"])
                    log("    " + ", ".join(bits) + "  [%.1f s]" % r["elapsed_s"])

    elapsed = time.monotonic() - t_start
    text = render(args, tools, res, capture, machine_info(args), elapsed, skipped)
    print(text)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump({"capture": capture,
                   "runs": {"%s/%s" % k: v for k, v in res.data.items()}}, f, indent=1, default=str)
    if args.results:
        with open(args.results, "w") as f:
            f.write(text)
        log("wrote " + os.path.relpath(args.results, os.getcwd()))


if __name__ == "__main__":
    main()
