#!/usr/bin/env bash
# Real programs under valgrind's memcheck and under the shim: the leak
# figures that gate CI (definitely + indirectly lost bytes) must be equal.
# memcheck is the reference (--leak-check=full, top process only); the
# programs are ones nobody here wrote: python3 (imports, threads, sqlite3,
# ssl), perl, bash, sqlite3, git.
#
#   tests/robust/memcheck_compare.sh [BUILD_DIR]     (default: build)
#
# A program that is not installed is skipped with a reason; when valgrind
# itself is missing, or every program is skipped, the script fails (a test
# that compares nothing must not pass). Ends with "N passed, N failed".
source "$(dirname "$0")/common.sh"
PY=/usr/bin/python3
TIMEOUT=${LT_REAL_TIMEOUT:-300}

passed=0 failed=0 skipped=0
WORK=$(mktemp -d /tmp/lt-memcheck-XXXXXX)
trap 'rm -rf "$WORK"' EXIT

if ! command -v valgrind >/dev/null; then
	echo "memcheck_compare: valgrind is not installed (scripts/setup.sh --test-deps)"
	echo "0 passed, 1 failed"
	exit 1
fi

# memcheck_lost LOG: "DEF IND" bytes from memcheck's LEAK SUMMARY
memcheck_lost() {
	"$PY" - "$1" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
def get(name):
    m = re.search(name + r" lost: ([\d,]+) bytes", text)
    return int(m.group(1).replace(",", "")) if m else 0
if "LEAK SUMMARY" not in text and "All heap blocks were freed" not in text:
    print("no-summary"); sys.exit(0)
print(get("definitely"), get("indirectly"))
EOF
}

# shim_lost REPORT: "DEF IND" bytes from the JSON report
shim_lost() {
	"$PY" - "$1" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
c = r["summary"]["by_class"]
print(c["definitely_lost"]["bytes"], c["indirectly_lost"]["bytes"])
EOF
}

# compare NAME CMD...: run CMD (in a fresh directory made by setup_NAME if
# that function exists) under memcheck and under the shim; compare.
compare() {
	local name=$1
	shift
	command -v "$1" >/dev/null 2>&1 || {
		echo "skip $name: $1 is not installed"
		skipped=$((skipped + 1))
		return
	}
	local dir=$WORK/$name
	mkdir -p "$dir/mc" "$dir/lt"
	if declare -F "setup_$name" >/dev/null; then
		(cd "$dir/mc" && "setup_$name") && (cd "$dir/lt" && "setup_$name") || {
			echo "FAIL $name: setup failed"
			failed=$((failed + 1))
			return
		}
	fi
	(cd "$dir/mc" && timeout -k 5 "$TIMEOUT" valgrind --leak-check=full \
		--show-leak-kinds=all --log-file="$dir/memcheck.log" "$@" \
		>"$dir/mc.out" 2>"$dir/mc.err" </dev/null)
	local mrc=$?
	(cd "$dir/lt" && timeout -k 5 "$TIMEOUT" env LD_PRELOAD="$SHIM" \
		LEAKTRACE_OPTIONS="format=json:output=$dir/report.%p.json:exitcode=0" \
		"$@" >"$dir/lt.out" 2>"$dir/lt.err" </dev/null)
	local lrc=$?
	if ((mrc != lrc)); then
		echo "FAIL $name: exit status $lrc under the shim, $mrc under memcheck"
		failed=$((failed + 1))
		return
	fi
	# the top process: the one report whose parent wrote none (timeout ran
	# untraced, so the program's parent is not among them)
	local report
	report=$("$PY" - "$dir" <<'EOF'
import glob, json, sys
reps = {}
for f in glob.glob(sys.argv[1] + "/report.*.json"):
    r = json.load(open(f))
    reps[r["pid"]] = (r["ppid"], f)
top = [f for pid, (ppid, f) in reps.items() if ppid not in reps]
print(top[0] if len(top) == 1 else "")
EOF
	)
	if [[ -z $report ]]; then
		echo "FAIL $name: no single top-process report in $dir"
		failed=$((failed + 1))
		return
	fi
	local mc lt
	mc=$(memcheck_lost "$dir/memcheck.log")
	lt=$(shim_lost "$report")
	if [[ $mc == no-summary ]]; then
		echo "FAIL $name: memcheck printed no leak summary: $(tail -3 "$dir/memcheck.log")"
		failed=$((failed + 1))
		return
	fi
	if [[ $mc != "$lt" ]]; then
		echo "FAIL $name: definitely/indirectly lost bytes: memcheck $mc, leaktrace $lt"
		failed=$((failed + 1))
		return
	fi
	echo "ok   $name: definitely/indirectly lost $mc bytes in both"
	passed=$((passed + 1))
}

# ---- the programs ------------------------------------------------------------

compare python_imports "$PY" -c 'import http.server, json, sqlite3, ssl, asyncio, decimal'

compare python_threads "$PY" -c '
import queue, threading
q, out = queue.Queue(), queue.Queue()
def work():
    while (item := q.get()) is not None:
        out.put(sum(range(item)))
ts = [threading.Thread(target=work) for _ in range(8)]
for t in ts: t.start()
for i in range(2000): q.put(i % 97)
for t in ts: q.put(None)
for t in ts: t.join()
print(sum(out.get() for _ in range(2000)))
'

compare python_sqlite "$PY" -c '
import sqlite3
db = sqlite3.connect(":memory:")
db.execute("create table t(id integer primary key, name text)")
db.executemany("insert into t(name) values (?)", (("n%d" % i,) for i in range(5000)))
db.commit()
print(db.execute("select count(*), max(name) from t").fetchone())
db.close()
'

compare python_ssl "$PY" -c '
import hashlib, ssl
ctx = ssl.create_default_context()
print(ctx.verify_mode, ctx.check_hostname, hashlib.sha256(b"x").hexdigest()[:8])
'

compare perl perl -e '
my %h; $h{$_} = [$_, $_ x 3] for 1..5000;
my $n = 0; $n += length($h{$_}[1]) for keys %h; print "$n\n";
'

compare bash bash -c 'total=0; for i in $(seq 1 50); do total=$((total + i)); done; echo $total; declare -A m; for i in {1..200}; do m[$i]=x$i; done; echo ${#m[@]}'

compare sqlite3 sqlite3 :memory: '
create table t(id integer primary key, name text);
with recursive c(x) as (select 1 union all select x + 1 from c where x < 5000)
  insert into t select x, printf("n%05d", x) from c;
select count(*), max(name) from t;'

setup_git() {
	export GIT_AUTHOR_NAME=lt GIT_AUTHOR_EMAIL=lt@example.com GIT_COMMITTER_NAME=lt
	export GIT_COMMITTER_EMAIL=lt@example.com GIT_AUTHOR_DATE="2024-01-01T00:00:00Z"
	export GIT_COMMITTER_DATE="2024-01-01T00:00:00Z" GIT_CONFIG_NOSYSTEM=1
	git init -q -b main . && seq 1 500 > f && git add f && git commit -q -m one &&
		seq 1 600 > f && git commit -q -am two
}
compare git git --no-pager log --stat --format='%s %an'

echo "$passed passed, $failed failed${skipped:+ ($skipped skipped)}"
if ((passed == 0)); then
	echo "memcheck_compare: nothing was compared"
	exit 1
fi
((failed == 0))
