#!/bin/sh
# `leaktrace suppressions`: conversion of valgrind and LSan files against
# golden outputs (stdout, stderr notes, status; LT_UPDATE_GOLDEN=1 rewrites
# them after a reviewed change), then end to end on a real program:
# call_sites leaks 636 bytes (memcheck: definitely lost 636 bytes in 5
# blocks); rules generated from its report, and rules converted from
# valgrind's own --gen-suppressions=all output, must suppress all of it.
# usage: suppressions_test.sh LEAKTRACE SHIM PROGRAMS_DIR SOURCE_DIR
set -u
tool=$1 shim=$2 programs=$3 src=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

golden() {
	name=$1
	shift
	(cd "$src/data" && "$tool" "$@" >"$tmp/out" 2>"$tmp/err"; echo "--- status $?" >>"$tmp/err")
	cat "$tmp/out" >"$tmp/got"
	echo "--- stderr ---" >>"$tmp/got"
	cat "$tmp/err" >>"$tmp/got"
	[ "${LT_UPDATE_GOLDEN:-0}" = 1 ] && cp "$tmp/got" "$src/expected/$name"
	if diff -u "$src/expected/$name" "$tmp/got"; then ok; else bad "$name ($*)"; fi
}

golden supp_from_valgrind.txt suppressions --from-valgrind valgrind.supp
golden supp_from_lsan.txt suppressions --from-lsan lsan.supp
golden supp_usage.txt suppressions
golden supp_missing.txt suppressions --from-lsan no-such-file.supp

# leaked bytes and suppressed bytes of a JSON report
numbers() {
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; print(s["leaked_bytes"], s["suppressed"]["bytes"])' "$1"
}

run() {   # run call_sites under the shim; $1 = extra options
	rm -f "$tmp"/r.*.json
	LD_PRELOAD=$shim LEAKTRACE_OPTIONS="format=json:exitcode=0:output=$tmp/r.%p.%n.json$1" \
		"$programs/core/call_sites" >/dev/null
	ls "$tmp"/r.*.json | head -n 1
}

report=$(run "")
[ "$(numbers "$report")" = "636 0" ] && ok || bad "call_sites without rules: $(numbers "$report")"
cp "$report" "$tmp/first.json"

"$tool" suppressions --generate "$tmp/first.json" -o "$tmp/gen.supp" 2>"$tmp/gen.err"
[ "$(grep -c '^leak:' "$tmp/gen.supp")" = 3 ] && ok || bad "generate: $(cat "$tmp/gen.supp")"
grep -qx 'leak:^make_a\$' "$tmp/gen.supp" && ok || bad "generate: no make_a rule"
report=$(run ":suppressions=$tmp/gen.supp")
[ "$(numbers "$report")" = "0 636" ] && ok || bad "generated rules: $(numbers "$report")"

if command -v valgrind >/dev/null 2>&1; then
	valgrind --leak-check=full --gen-suppressions=all --log-file="$tmp/vg.log" \
		"$programs/core/call_sites" >/dev/null
	grep -v '^==' "$tmp/vg.log" >"$tmp/vg.supp"
	"$tool" suppressions --from-valgrind "$tmp/vg.supp" -o "$tmp/conv.supp" 2>"$tmp/conv.err"
	[ "$(grep -c '^leak:' "$tmp/conv.supp")" = 3 ] && ok || bad "valgrind conversion: $(cat "$tmp/conv.supp" "$tmp/conv.err")"
	report=$(run ":suppressions=$tmp/conv.supp")
	[ "$(numbers "$report")" = "0 636" ] && ok || bad "converted valgrind rules: $(numbers "$report")"
else
	echo "note: valgrind not installed; its --gen-suppressions round trip is not checked"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
