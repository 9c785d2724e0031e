#!/usr/bin/env bash
# Run the whole test suite: unit, end-to-end, and (when present) the real
# programs and fuzz smoke runs. Ends with one line "N passed, N failed"
# summing every Criterion test and every non-Criterion test executable.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test-deps || exit 1
meson test -C build --print-errorlogs --num-processes 2 "$@"
status=$?
python3 - <<'PY'
import json, re, sys
passed = failed = 0
try:
    lines = open("build/meson-logs/testlog.json").read().splitlines()
except OSError:
    lines = []
synth = re.compile(r"Synthesis: Tested: (\d+) \| Passing: (\d+) \| Failing: (\d+) \| Crashing: (\d+)")
for line in lines:
    t = json.loads(line)
    out = (t.get("stdout") or "") + (t.get("stderr") or "")
    m = synth.findall(out)
    if m:
        tested, ok, bad, crash = map(int, m[-1])
        passed += ok
        failed += bad + crash
        if t.get("result") not in ("OK", "EXPECTEDFAIL") and bad + crash == 0:
            failed += 1          # the runner itself failed (timeout, crash)
    else:
        # plain tests: pass/fail by result; a SKIP is reported, not passed
        r = t.get("result")
        if r == "OK":
            passed += 1
        elif r != "SKIP":
            failed += 1
        m2 = re.findall(r"^(\d+) passed, (\d+) failed", out, re.M)
        if m2 and r == "OK":
            p, f = map(int, m2[-1])
            passed += p - 1
            failed += f
print(f"{passed} passed, {failed} failed")
sys.exit(0 if failed == 0 else 1)
PY
py=$?
exit $(( status != 0 ? status : py ))
