#!/usr/bin/env bash
# Builds the libFuzzer harnesses (clang -fsanitize=fuzzer,address,undefined)
# for the options parser, the suppression parser and the report reader, and
# runs each for a bounded time from the seed corpus in corpus/<harness>/.
#
#   tests/fuzz/run.sh [BUILD_DIR] [SECONDS_PER_HARNESS]   (build, 20)
#
# Not part of meson's default build, so a machine without clang still
# builds; without clang this prints why and exits 77 (meson's "skipped").
# A finding (crash, leak, sanitizer report, timeout) fails the run; its
# reproducer is kept under BUILD_DIR/fuzz/artifacts/. Ends with
# "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${1:-build}
[[ $BUILD = /* ]] || BUILD=$ROOT/$BUILD
SECS=${2:-${LT_FUZZ_TIME:-20}}
CLANG=$(command -v clang || command -v clang-14 || true)
if [[ -z $CLANG ]]; then
	echo "fuzz: skipped: clang is not installed (apt-get install clang)"
	exit 77
fi
OUT=$BUILD/fuzz
mkdir -p "$OUT/artifacts"
CFLAGS=(-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
	-fno-sanitize-recover=undefined -D_GNU_SOURCE -std=gnu11
	-I"$ROOT/src" -I"$ROOT/tools")

build() {
	local name=$1
	shift
	if ! "$CLANG" "${CFLAGS[@]}" -o "$OUT/$name" "$@" 2>"$OUT/$name.build.log"; then
		echo "fuzz: cannot build $name:"
		head -20 "$OUT/$name.build.log"
		return 1
	fi
}

passed=0 failed=0
declare -A built
# options.c and suppress.c are compiled instrumented; the rest of the core
# (log, private allocator, ...) comes uninstrumented from lt_core.
CORE_LIBS=("$BUILD/src/liblt_core.a" $(pkg-config --libs libunwind libdw zlib) -ldl -lpthread)
build fuzz_options tests/fuzz/fuzz_options.c src/options.c "${CORE_LIBS[@]}" && built[fuzz_options]=1
build fuzz_supp tests/fuzz/fuzz_supp.c src/report/suppress.c "${CORE_LIBS[@]}" && built[fuzz_supp]=1
build fuzz_report tests/fuzz/fuzz_report.c tools/reportfile.c tools/reportstream.c \
	tools/strmap.c src/vocab.c \
	$(pkg-config --cflags --libs jansson yajl) && built[fuzz_report]=1

for h in options supp report; do
	name=fuzz_$h
	if [[ -z ${built[$name]:-} ]]; then
		failed=$((failed + 1))
		continue
	fi
	work=$OUT/corpus-$h
	rm -rf "$work"
	mkdir -p "$work"
	# new inputs go to the scratch corpus, never into the committed seeds
	if "$OUT/$name" -max_total_time="$SECS" -rss_limit_mb=2048 -timeout=10 \
		-close_fd_mask=3 -print_final_stats=0 -artifact_prefix="$OUT/artifacts/$name-" \
		"$work" "tests/fuzz/corpus/$h" >"$OUT/$name.log" 2>&1; then
		echo "ok   $name: $(grep -o '#[0-9]*.*DONE.*' "$OUT/$name.log" | tail -1)"
		passed=$((passed + 1))
	else
		echo "FAIL $name: finding; log $OUT/$name.log, reproducer in $OUT/artifacts/"
		grep -E "ERROR|SUMMARY|runtime error|Test unit written" "$OUT/$name.log" | head -8
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
((failed == 0))
