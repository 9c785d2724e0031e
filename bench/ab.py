#!/usr/bin/env python3
"""Interleaved A/B of shim builds on the storm: ab.py LIB[,LIB...] ROUNDS [THREADS]

Each round runs the storm natively, then under each library in turn, and
records CPU time (user + sys of the child, steadier than wall time on a
loaded machine) as a ratio to that round's native run; prints the median,
min and max per library. WORK=N sets --work (default 80, as run.py).
Library paths must be absolute or contain a slash (LD_PRELOAD does not
search the current directory). Build the storm first (run.py does, into
bench/out/). Reports only; asserts nothing."""
import os, statistics, sys
libs = [os.path.abspath(l) for l in sys.argv[1].split(",")]
rounds = int(sys.argv[2])
threads = sys.argv[3] if len(sys.argv) > 3 else "1"
ops = "2000000" if threads == "1" else "4000000"
argv = [os.path.join(os.path.dirname(os.path.abspath(__file__)), "out", "storm"), "--live", "100000", "--ops", ops, "--depth", "12",
        "--threads", threads, "--leaks", "1000", "--work", os.environ.get("WORK","80")]
def run(lib):
    env = dict(os.environ)
    if lib:
        env["LD_PRELOAD"] = lib
        env["LEAKTRACE_OPTIONS"] = "output=/dev/null:exitcode=0"
    pid = os.fork()
    if pid == 0:
        fd = os.open("/dev/null", os.O_WRONLY); os.dup2(fd, 1)
        os.execve(argv[0], argv, env)
    _, st, ru = os.wait4(pid, 0)
    return ru.ru_utime + ru.ru_stime
res = {l: [] for l in libs}
for r in range(rounds):
    nat = run(None)
    for l in libs:
        res[l].append(run(l) / nat)
for l in libs:
    v = res[l]
    print("%s: median %.2fx (min %.2f max %.2f, n=%d)" % (l, statistics.median(v), min(v), max(v), len(v)))
