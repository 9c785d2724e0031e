#!/usr/bin/env bash
# Runs real programs natively and under the shim and checks that the shim
# changes nothing the program shows: same stdout (and stderr where the
# program's stderr is deterministic), same exit status, no crash, no hang;
# and that every process leaves a parseable JSON report and no temp file.
#
#   tests/robust/real_programs.sh [BUILD_DIR]     (default: build)
#
# Installs nothing (scripts/setup.sh --test-deps does); a program that is not
# installed is skipped with a reason. Servers listen on 127.0.0.1 only, on
# ports chosen at run time, and the script stops every server it starts.
# Ends with "N passed, N failed"; exit status 1 when anything failed.
source "$(dirname "$0")/common.sh"
TIMEOUT=${LT_REAL_TIMEOUT:-60}
PY=$(command -v python3)
export LT_BUILD=$BUILD   # scripts run the suite's own programs from here

passed=0 failed=0 skipped=0
WORK=$(mktemp -d /tmp/lt-real-XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]:-}"; do
		[[ -n $p ]] && kill -9 "$p" 2>/dev/null
	done
	rm -rf "$WORK"
}
trap cleanup EXIT

if [[ ! -f $SHIM ]]; then
	echo "real_programs: $SHIM not built"
	echo "0 passed, 1 failed"
	exit 1
fi

free_port() {
	"$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

fail() {
	echo "FAIL $1: $2"
	failed=$((failed + 1))
}

# check_reports NAME DIR MIN: every report parses, at least MIN of them,
# no temp file left. Prints the count.
check_reports() {
	local name=$1 dir=$2 min=$3
	local tmp
	tmp=$(find "$dir" -maxdepth 1 -name '*.tmp.*' | wc -l)
	if ((tmp)); then
		fail "$name" "$tmp leftover temp report files"
		return 1
	fi
	local out
	if ! out=$("$PY" - "$dir" "$min" <<'EOF'
import json, os, sys
d, need = sys.argv[1], int(sys.argv[2])
n = snaps = 0
for f in sorted(os.listdir(d)):
    if not f.endswith(".json"):
        continue
    try:
        r = json.load(open(os.path.join(d, f)))
    except Exception as e:
        print("%s does not parse: %s" % (f, e)); sys.exit(1)
    for k in ("tool", "pid", "reason", "summary", "leaks"):
        if k not in r:
            print("%s has no %s" % (f, k)); sys.exit(1)
    if r["tool"] != "leaktrace" or r["reason"] not in ("exit", "snapshot"):
        print("%s: tool %s reason %s" % (f, r["tool"], r["reason"])); sys.exit(1)
    snaps += r["reason"] == "snapshot"
    n += r["reason"] == "exit"
if n < need:
    print("%d exit reports, expected at least %d" % (n, need)); sys.exit(1)
print("%d reports" % n + (" + %d snapshots" % snaps if snaps else ""))
EOF
	); then
		fail "$name" "$out"
		return 1
	fi
	echo "$out"
}

# run_case NAME MIN_REPORTS CMP_STDERR SCRIPT [OPTIONS]: run SCRIPT (bash code)
# in a fresh directory natively, then in another under the shim, and compare.
# OPTIONS replace the default "exitcode=0" (the gate off).
run_case() {
	local name=$1 min=$2 cmp_err=$3 script=$4 opts=${5:-exitcode=0}
	local nat=$WORK/$name.native shim=$WORK/$name.shim rep=$WORK/$name.reports
	mkdir -p "$nat" "$shim" "$rep"
	local t0=$SECONDS
	# nat CMD...: a helper step (port probe, wait loop) run without the shim
	script="nat() { env -u LD_PRELOAD -u LEAKTRACE_OPTIONS \"\$@\"; }
$script"
	(cd "$nat" && env -u LD_PRELOAD -u LEAKTRACE_OPTIONS timeout -k 5 "$TIMEOUT" \
		bash -c "$script" >"$WORK/$name.n.out" 2>"$WORK/$name.n.err" </dev/null)
	local nrc=$?
	(cd "$shim" && LD_PRELOAD=$SHIM \
		LEAKTRACE_OPTIONS="format=json:output=$rep/r.%p.%n.json:$opts" \
		timeout -k 5 "$TIMEOUT" bash -c "$script" \
		>"$WORK/$name.s.out" 2>"$WORK/$name.s.err" </dev/null)
	local src=$?
	if ((nrc == 124 || src == 124 || nrc == 137 || src == 137)); then
		fail "$name" "timed out (native $nrc, shim $src)"
		return
	fi
	if ((nrc != src)); then
		fail "$name" "exit status $src under the shim, $nrc native; stderr: $(head -c 400 "$WORK/$name.s.err")"
		return
	fi
	if ! cmp -s "$WORK/$name.n.out" "$WORK/$name.s.out"; then
		fail "$name" "stdout differs: $(diff "$WORK/$name.n.out" "$WORK/$name.s.out" | head -5)"
		return
	fi
	if [[ $cmp_err = yes ]] && ! cmp -s "$WORK/$name.n.err" "$WORK/$name.s.err"; then
		fail "$name" "stderr differs: $(diff "$WORK/$name.n.err" "$WORK/$name.s.err" | head -5)"
		return
	fi
	local n
	n=$(check_reports "$name" "$rep" "$min") || return
	echo "ok   $name: status $src, $n, $((SECONDS - t0)) s"
	passed=$((passed + 1))
}

need() {
	local name=$1
	shift
	for c in "$@"; do
		if ! command -v "$c" >/dev/null 2>&1; then
			echo "skip $name: $c is not installed (scripts/setup.sh --test-deps)"
			skipped=$((skipped + 1))
			return 1
		fi
	done
}

# ---- the programs ----------------------------------------------------------

run_case python3 1 yes '
python3 -c "
import json, hashlib, collections, re
d = {str(i): [i, i * i, str(i) * 3] for i in range(20000)}
s = json.dumps(d, sort_keys=True)
print(hashlib.sha256(s.encode()).hexdigest())
print(sum(len(v[2]) for v in json.loads(s).values()))
c = collections.Counter(re.findall(r\"[0-9]\", s))
print(sorted(c.items())[:3])
"'

need perl perl && run_case perl 1 yes '
perl -e "
my %h; \$h{\$_} = [\$_, \$_ x 3] for 1..20000;
my \$n = 0; \$n += length(\$h{\$_}[1]) for keys %h;
print \"\$n\n\"; print join(\",\", (sort { \$a <=> \$b } keys %h)[0..4]), \"\n\";
"'

need git git && run_case git 4 yes '
set -e
export GIT_AUTHOR_NAME=lt GIT_AUTHOR_EMAIL=lt@example.com GIT_COMMITTER_NAME=lt
export GIT_COMMITTER_EMAIL=lt@example.com GIT_AUTHOR_DATE="2024-01-01T00:00:00Z"
export GIT_COMMITTER_DATE="2024-01-01T00:00:00Z" HOME=$PWD GIT_CONFIG_NOSYSTEM=1
git init -q -b main repo
cd repo
for i in 1 2 3; do seq 1 $((i * 500)) > f$i.txt; done
git add .
git commit -q -m first
echo change >> f1.txt
git commit -q -am second
git rev-parse HEAD
git log --format="%s %an" | cat
git diff --stat HEAD~1 | cat
git gc -q
git count-objects | cut -d" " -f1
'

need sqlite3 sqlite3 && run_case sqlite3 1 yes '
sqlite3 db.sqlite "
create table t(id integer primary key, name text, v real);
with recursive c(x) as (select 1 union all select x + 1 from c where x < 20000)
  insert into t select x, printf(\"n%05d\", x), x * 0.5 from c;
create index t_name on t(name);
select count(*), sum(v), max(name) from t;
select name from t where name like \"n0001%\" order by id limit 3;
"'

need gcc gcc && run_case gcc 3 yes '
cat > hello.c <<EOF
#include <stdio.h>
#include <stdlib.h>
int main(void) { char *p = malloc(64); puts("hello from gcc"); free(p); return 3; }
EOF
gcc -O1 -Wall -o hello hello.c
./hello; echo "status $?"
'

run_case bash_subprocesses 30 yes '
cat > many.sh <<"EOF"
total=0
for i in $(seq 1 12); do
	n=$(echo "$i" | tr 0-9 0-9 | wc -c)
	total=$((total + n))
done
echo "total $total"
printf "%s\n" c b a | sort | head -2
ls -1 . | wc -l
EOF
bash many.sh
'

# redis-server under the shim, loaded by redis-benchmark (also under the
# shim), stopped with SHUTDOWN NOSAVE (a normal exit()).
if need redis redis-server redis-benchmark redis-cli; then
	run_case redis 3 no '
port=$(nat '"$PY"' -c "import socket; s=socket.socket(); s.bind((\"127.0.0.1\",0)); print(s.getsockname()[1])")
redis-server --bind 127.0.0.1 --port $port --save "" --appendonly no --dir $PWD \
	--logfile $PWD/redis.log --daemonize no &
srv=$!
for i in $(nat seq 1 100); do nat redis-cli -p $port ping >/dev/null 2>&1 && break; nat sleep 0.1; done
redis-cli -p $port ping
redis-benchmark -h 127.0.0.1 -p $port -n 3000 -c 4 -q -t set,get,lpush,lpop >/dev/null
echo "benchmark $?"
# redis rewrites its environment for its title: snapshot finds the shim by its maps
if [[ -n ${LD_PRELOAD:-} ]]; then
	snap=$(nat "$LT_BUILD/tools/leaktrace" snapshot $srv) && [[ -s $snap ]] &&
		nat grep -q "\"reason\": \"snapshot\"" "$snap" && echo "snapshot written"
else
	echo "snapshot written"
fi
redis-cli -p $port set key value
redis-cli -p $port get key
redis-cli -p $port llen mylist >/dev/null && echo llen ok
redis-cli -p $port shutdown nosave >/dev/null 2>&1
wait $srv
echo "server $?"
'
fi

# nginx (master + one worker) under the shim, loaded over loopback by a
# python client (native), stopped with SIGQUIT (graceful: both exit()).
if need nginx nginx; then
	run_case nginx 2 no '
port=$(nat '"$PY"' -c "import socket; s=socket.socket(); s.bind((\"127.0.0.1\",0)); print(s.getsockname()[1])")
mkdir -p html tmp
seq 1 2000 > html/index.html
cat > nginx.conf <<EOF
worker_processes 1;
daemon off;
master_process on;
pid $PWD/nginx.pid;
error_log $PWD/error.log warn;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $PWD/tmp; proxy_temp_path $PWD/tmp;
	fastcgi_temp_path $PWD/tmp; uwsgi_temp_path $PWD/tmp; scgi_temp_path $PWD/tmp;
	server { listen 127.0.0.1:$port; root $PWD/html; }
}
EOF
nginx -p $PWD -c $PWD/nginx.conf &
srv=$!
nat '"$PY"' - $port <<EOF
import hashlib, http.client, sys, time
port = int(sys.argv[1])
for _ in range(100):
    try:
        http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/"); break
    except OSError:
        time.sleep(0.1)
h = hashlib.sha256()
codes = {}
for c in range(4):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    for i in range(100):
        conn.request("GET", "/" if i % 10 else "/missing")
        r = conn.getresponse()
        body = r.read()
        codes[r.status] = codes.get(r.status, 0) + 1
        if r.status == 200:
            h.update(body)
    conn.close()
print(sorted(codes.items()), h.hexdigest())
EOF
kill -QUIT $srv
wait $srv
echo "server $?"
'
fi

# ---- programs that broke under earlier versions (issue 12) --------------------
# OpenSSL users crashed at exit (debuginfod client in the report); tools that
# close stderr lost their report; main() ending in pthread_exit hung; a
# program with its own malloc deadlocked at start; bash subshells failed the
# gate of a script that leaked nothing of its own.
need curl curl && run_case curl_version 1 yes 'curl --version'
need curl curl && run_case curl_file 1 yes '
printf "hello over file://\n" > f.txt
curl -s file://$PWD/f.txt
curl -s -o /dev/null -w "%{http_code} %{size_download}\n" file://$PWD/f.txt
'
need ssh ssh && run_case ssh_version 1 yes 'ssh -V'
need openssl openssl && run_case openssl 2 yes '
openssl version
seq 1 5000 > f.txt
openssl dgst -sha256 -r f.txt
'
run_case python_ssl_threads 1 yes '
/usr/bin/python3 -c "
import hashlib, ssl, threading
ctx = ssl.create_default_context()
out = []
def work(i):
    out.append(hashlib.sha256(str(i).encode() * 1000).hexdigest()[:8])
ts = [threading.Thread(target=work, args=(i,)) for i in range(8)]
[t.start() for t in ts]; [t.join() for t in ts]
print(ctx.verify_mode, ctx.check_hostname, sorted(out)[:2])
"'
need jq jq && run_case jq 1 yes '
echo "{\"a\": [1, 2, 3], \"b\": {\"c\": \"x\"}}" | jq -c ".a | map(. * 2)"
echo "[{\"k\":1},{\"k\":2}]" | jq ".[] | .k"
'
need xz xz && run_case xz 2 yes 'seq 1 50000 | xz -6 | xz -d | sha256sum'
need nginx nginx && run_case nginx_t 1 yes '
mkdir -p logs
printf "events {}\nhttp { server { listen 127.0.0.1:1; } }\n" > nginx.conf
nginx -t -p $PWD -c $PWD/nginx.conf -e $PWD/logs/error.log 2>&1 | sed "s#$PWD#DIR#g"
'
need gcc gcc && run_case pthread_exit_main 1 yes '
cat > pe.c <<EOF
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
static void *work(void *a) { usleep(100000); puts((char *)a); fflush(stdout); return NULL; }
int main(void) {
	pthread_t t;
	char *msg = malloc(32);
	snprintf(msg, 32, "worker done");
	pthread_create(&t, NULL, work, msg);
	pthread_detach(t);
	pthread_exit(NULL);
}
EOF
nat gcc -O1 -pthread -o pe pe.c
./pe; echo "status $?"
'
# the report on stderr must survive a program that closes its stderr at exit
if [[ -x /bin/ls ]]; then
	t0=$SECONDS
	mkdir -p "$WORK/ls" && touch "$WORK/ls/a" "$WORK/ls/b"
	if ! out=$(cd "$WORK/ls" && LD_PRELOAD=$SHIM LEAKTRACE_OPTIONS=exitcode=0 timeout 30 /bin/ls -1 2>"$WORK/ls.err"); then
		fail ls_stderr_report "ls failed under the shim: $(head -c 300 "$WORK/ls.err")"
	elif [[ $out != $'a\nb' ]]; then
		fail ls_stderr_report "ls printed '$out'"
	elif ! grep -q "^SUMMARY: leaktrace: " "$WORK/ls.err"; then
		fail ls_stderr_report "no text report on stderr after ls closed it: $(head -c 300 "$WORK/ls.err")"
	else
		echo "ok   ls_stderr_report: report on the original stderr, $((SECONDS - t0)) s"
		passed=$((passed + 1))
	fi
fi
# the gate on (default exitcode): a script's own subshells never change it
run_case bash_subshells_gate 1 yes '
bash -c "set -e; x=\$(echo hi); y=\${x^^}; echo got \$x \$y; (echo sub; exit 0); echo end"
' 'exitcode=23'
# a program that defines malloc itself: runs, memory untraced, handles traced
run_case own_allocator 1 yes '"$LT_BUILD/tests/programs/alloc/own_allocator"'
rustc_bin=$(command -v rustc || ls /root/.cargo/bin/rustc 2>/dev/null || true)
if [[ -n $rustc_bin ]] && "$rustc_bin" --version >/dev/null 2>&1; then
	export RUSTC=$rustc_bin
	run_case rustc_version 1 yes '"$RUSTC" --version'
else
	echo "skip rustc_version: rustc is not installed"
	skipped=$((skipped + 1))
fi

echo "$passed passed, $failed failed${skipped:+ ($skipped skipped)}"
if ((passed == 0)); then
	echo "real_programs: every program was skipped"
	exit 1
fi
((failed == 0))
