#!/usr/bin/env python3
"""Interleaved A/B of shim builds on the storm: ab.py LIB[,LIB...] ROUNDS [THREADS]

Each round runs the storm natively twice and once under each library, in a
random order, and records CPU time (user + sys of the child, steadier than
wall time on a loaded machine) as a ratio to the mean of that round's two
native runs. Prints, per library, the median ratio and the median of its
per-round difference to the first library (with the interquartile range and
how many rounds it was faster): on this machine a run's time swings by 20 %
from one second to the next, and only differences taken within a round see
through that. Environment: WORK=N sets --work (default 80, as run.py),
OPS and LIVE the storm's --ops and --live (defaults as run.py). Library
paths must be absolute or contain a slash (LD_PRELOAD does not search the
current directory). Build the storm first (run.py does, into bench/out/).
Reports only; asserts nothing."""
import os, random, statistics, sys

libs = [os.path.abspath(l) for l in sys.argv[1].split(",")]
rounds = int(sys.argv[2])
threads = sys.argv[3] if len(sys.argv) > 3 else "1"
ops = os.environ.get("OPS", "2000000" if threads == "1" else "4000000")
argv = [os.path.join(os.path.dirname(os.path.abspath(__file__)), "out", "storm"),
        "--live", os.environ.get("LIVE", "100000"), "--ops", ops, "--depth", "12",
        "--threads", threads, "--leaks", "1000", "--work", os.environ.get("WORK", "80")]


def run(lib):
    env = dict(os.environ)
    if lib:
        env["LD_PRELOAD"] = lib
        env["LEAKTRACE_OPTIONS"] = "output=/dev/null:exitcode=0"
    pid = os.fork()
    if pid == 0:
        fd = os.open("/dev/null", os.O_WRONLY)
        os.dup2(fd, 1)
        os.execve(argv[0], argv, env)
    _, st, ru = os.wait4(pid, 0)
    return ru.ru_utime + ru.ru_stime


res = {l: [] for l in libs}
for r in range(rounds):
    order = libs + [None, None]
    random.shuffle(order)
    times, natives = {}, []
    for l in order:
        t = run(l)
        if l is None:
            natives.append(t)
        else:
            times[l] = t
    nat = sum(natives) / len(natives)
    for l in libs:
        res[l].append(times[l] / nat)
first = res[libs[0]]
for l in libs:
    v = res[l]
    d = sorted(a - b for a, b in zip(v, first))
    n = len(d)
    print("%s: median %.3fx (min %.2f max %.2f, n=%d) | vs %s: median %+.3f, IQR [%+.3f, %+.3f], faster in %d/%d"
          % (l, statistics.median(v), min(v), max(v), n, os.path.basename(libs[0]),
             statistics.median(d), d[n // 4], d[(3 * n) // 4], sum(x < 0 for x in d), n))
