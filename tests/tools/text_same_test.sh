#!/bin/sh
# One text renderer: the shim's text report (format=both, on stderr) and
# `leaktrace report FILE.json` on the JSON it wrote at the same time are the
# same bytes - in the default view and with everything shown (the shim's
# show_classes=all:show_suppressed=1:report_inherited=1 is the command's
# --all). The program (tests/programs/reach/text_every_group.c, memcheck's
# figures in its header) leaks memory of every class, handles with details
# (pipe, file PATH, socket, epoll, FILE*) and a suppressed block.
# usage: text_same_test.sh LEAKTRACE LIBLEAKTRACE PROGRAM SUPPRESSIONS
set -u
tool=$1 lib=$2 prog=$3 supp=$4
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail=0

# must TEXT (a file) contain LINE (a fixed string, one whole line)?
has() {
	if ! grep -qxF -- "$2" "$1"; then
		echo "FAIL: $1 lacks the line: $2"
		fail=1
	fi
}

run() {
	name=$1 opts=$2 flag=$3
	LEAKTRACE_OPTIONS="format=both:output=$dir/$name.json:suppressions=$supp$opts" \
		LD_PRELOAD=$lib "$prog" 2>"$dir/$name.stderr" >/dev/null
	status=$?
	# stderr carries the text report and, after it, the gate's one-line
	# reason (a diagnostic, not part of the report): exactly one such line
	grep -v '^leaktrace: gate failed: ' "$dir/$name.stderr" >"$dir/$name.shim.txt"
	if [ "$(grep -c '^leaktrace: gate failed: ' "$dir/$name.stderr")" -ne 1 ]; then
		echo "FAIL: $name: expected one 'gate failed' line on stderr"
		fail=1
	fi
	if [ "$status" -ne 23 ]; then
		echo "FAIL: $name: the program exited $status under the shim (the gate's 23 expected)"
		fail=1
	fi
	"$tool" report $flag "$dir/$name.json" >"$dir/$name.tool.txt" || {
		echo "FAIL: $name: leaktrace report exited $?"
		fail=1
	}
	if ! diff -u "$dir/$name.shim.txt" "$dir/$name.tool.txt"; then
		echo "FAIL: $name: the shim's text and leaktrace report's differ"
		fail=1
	fi
	t=$dir/$name.tool.txt
	has "$t" "Direct leak of 100 byte(s) in 1 object(s) allocated from:"
	has "$t" "Direct leak of 32 byte(s) in 1 object(s) allocated from:"
	has "$t" "Indirect leak of 32 byte(s) in 1 object(s) allocated from:"
	has "$t" "Possible leak of 64 byte(s) in 1 object(s) allocated from:"
	has "$t" "Leaked descriptor: 2 handle(s) opened from:"
	has "$t" "    fd 3 pipe"
	has "$t" "    fd 5 file /dev/null"
	has "$t" "    fd 7 epoll"
	has "$t" "    fd 6 socket inet stream 0.0.0.0:0 CLOSE"
	has "$t" "Leaked stream: 1 handle(s) opened from:"
	has "$t" "    fd 8 file /dev/null"
	has "$t" "         suppressed: 4 byte(s) in 1 block(s), 0 handle(s)"
	has "$t" "SUMMARY: leaktrace: 164 byte(s) leaked in 3 allocation(s); 6 handle(s) leaked."
	# the detail comes before the stack: the line after "fd 4 pipe" is frame #0
	if ! grep -A1 -xF "    fd 4 pipe" "$t" | tail -1 | grep -q "^    #0 0x[0-9a-f]* in leak_handles "; then
		echo "FAIL: $name: the pipe's detail is not followed by its stack"
		fail=1
	fi
}

run default "" ""
has "$dir/default.tool.txt" "Still reachable blocks (2 group(s)) are not shown; to see them, set show_classes=all (leaktrace --show-reachable)."
run all ":show_classes=all:show_suppressed=1:report_inherited=1" --all
has "$dir/all.tool.txt" "Still reachable of 40 byte(s) in 1 object(s) allocated from:"
has "$dir/all.tool.txt" "  (suppressed by leak:leak_suppressed)"
has "$dir/all.tool.txt" "Suppressions used:"
exit $fail
