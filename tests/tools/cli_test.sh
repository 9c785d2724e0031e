#!/bin/sh
# Runs the report tool on the fixtures and compares stdout, stderr and exit status with
# the golden files under expected/ (LT_UPDATE_GOLDEN=1 rewrites them after a reviewed change).
# usage: cli_test.sh TOOL SOURCE_DIR
set -u
tool=$1
src=$2
cd "$src/data" || exit 1
pass=0
fail=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

check() {
	name=$1
	shift
	{
		"$tool" "$@" 2>"$tmp.err"
		status=$?
		echo "--- stderr ---"
		cat "$tmp.err"
		echo "--- status $status ---"
	} >"$tmp"
	rm -f "$tmp.err"
	if [ "${LT_UPDATE_GOLDEN:-0}" = 1 ]; then
		cp "$tmp" "$src/expected/$name"
	fi
	if diff -u "$src/expected/$name" "$tmp"; then
		pass=$((pass + 1))
	else
		echo "FAIL: $name ($*)"
		fail=$((fail + 1))
	fi
}

check report_basic.txt report basic.json
check report_basic_all.txt report --all basic.json
check report_basic.folded report --format folded basic.json
check report_two.txt report old.json minimal.json
check report_minimal.json report --format json minimal.json
check report_basic_norm.json report --format json basic.json
check report_hostile.folded report --format folded hostile.json
check diff_old_new.txt diff old.json new.json
check diff_old_new.json diff --json old.json new.json
check diff_gate_fail.txt diff --fail-bytes 100 --fail-handles 3 old.json new.json
check diff_gate_pass.txt diff --fail-bytes 390 --fail-blocks 8 --fail-handles 3 old.json new.json
check diff_bad_input.txt diff old.json bad_notjson.json
check diff_missing_file.txt diff old.json no_such_file.json
check diff_usage.txt diff old.json
check report_bad_format.txt report --format xml basic.json
check report_bad_option.txt report --bogus basic.json
check report_no_file.txt report
check report_basic_blocks.folded report --format folded --unit blocks basic.json
check report_basic_handles.folded report --format folded --unit handles basic.json
check report_bad_unit.txt report --format folded --unit pages basic.json
check report_text_input.txt report text_report.txt
check diff_text_input.txt diff old.json text_report.txt
check diff_fail_bytes_k.txt diff --fail-bytes 1K --fail-handles 3 old.json new.json
check diff_fail_bytes_bad.txt diff --fail-bytes 1Q old.json new.json
check diff_other_program.txt diff --fail-bytes 100K old.json basic.json
check diff_other_process.txt diff --fail-bytes 100K basic.json basic_restarted.json
check diff_help.txt diff --help
check report_help.txt report --help

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
