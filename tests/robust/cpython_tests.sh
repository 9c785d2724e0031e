#!/usr/bin/env bash
# CPython's own regression tests (Debian package libpython3.11-testsuite),
# natively and under the shim: the shim must fail exactly the test methods
# that fail natively. These suites exercise what a preloaded library can
# break in a real runtime: threads and their exit, signals and masks,
# fork/exec/wait, descriptors passed to children, faulthandler's output,
# select/epoll/mmap.
#
#   tests/robust/cpython_tests.sh [BUILD_DIR]     (default: build)
#
# Fails when python3.11 or its test suite is missing (scripts/setup.sh
# --test-deps installs them): a test that ran nothing must not pass.
# Ends with "N passed, N failed" (passed = test methods that agree).
source "$(dirname "$0")/common.sh"
PY=/usr/bin/python3.11
SUITES=(test_threading test_signal test_subprocess test_faulthandler test_os test_fork1
	test_wait4 test_threadsignals test_select test_epoll test_mmap)

if [[ ! -x $PY ]] || ! "$PY" -c 'import test.support, test.test_threading' 2>/dev/null; then
	echo "cpython_tests: $PY or its test suite (libpython3.11-testsuite) is not installed"
	echo "0 passed, 1 failed"
	exit 1
fi

WORK=$(mktemp -d /tmp/lt-cpython-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/reports" "$WORK/native" "$WORK/shim"

# run DIR [ENV...]: the suites in DIR with the given environment, results
# as JUnit XML (one testcase per test method)
run() {
	local dir=$1
	shift
	(cd "$dir" && env "$@" timeout -k 10 1200 "$PY" -m test -j2 --timeout 600 \
		--junit-xml "$dir/junit.xml" "${SUITES[@]}" >"$dir/log" 2>&1 </dev/null)
}

t0=$SECONDS
run "$WORK/native" -u LD_PRELOAD -u LEAKTRACE_OPTIONS
t1=$SECONDS
run "$WORK/shim" LD_PRELOAD="$SHIM" \
	LEAKTRACE_OPTIONS="format=json:output=$WORK/reports/r.%p.%n.json:exitcode=0"
t2=$SECONDS

"$PY" - "$WORK" "$((t1 - t0))" "$((t2 - t1))" <<'EOF'
import glob, json, os, sys
import xml.etree.ElementTree as ET
work, tn, ts = sys.argv[1], sys.argv[2], sys.argv[3]

def results(run):
    path = os.path.join(work, run, "junit.xml")
    if not os.path.exists(path):
        tail = open(os.path.join(work, run, "log"), errors="replace").read()[-800:]
        print("FAIL %s run wrote no results:\n%s" % (run, tail))
        return None
    out = {}
    for case in ET.parse(path).iter("testcase"):
        name = "%s.%s" % (case.get("classname", ""), case.get("name", ""))
        bad = [c.tag for c in case if c.tag in ("failure", "error")]
        skipped = any(c.tag == "skipped" for c in case)
        out[name] = "failed" if bad else "skipped" if skipped else "ok"
    return out

native, shim = results("native"), results("shim")
if native is None or shim is None:
    print("0 passed, 1 failed"); sys.exit(1)
agree = differ = 0
for name in sorted(set(native) | set(shim)):
    n, s = native.get(name, "missing"), shim.get(name, "missing")
    # a method skipped in one run and passed in the other is not a
    # difference the shim made (resource checks race with the other worker)
    if n == s or {n, s} == {"ok", "skipped"}:
        agree += 1
    else:
        differ += 1
        print("FAIL %s: %s natively, %s under the shim" % (name, n, s))
reports = glob.glob(os.path.join(work, "reports", "*.json"))
bad = 0
for f in reports:
    try:
        json.load(open(f))
    except Exception as e:
        bad += 1
        print("FAIL report %s does not parse: %s" % (os.path.basename(f), e))
print("cpython_tests: %d test methods, native %s s, under the shim %s s, %d reports"
      % (len(native), tn, ts, len(reports)))
if not native:
    print("0 passed, 1 failed"); sys.exit(1)
print("%d passed, %d failed" % (agree, differ + bad))
sys.exit(1 if differ + bad else 0)
EOF
