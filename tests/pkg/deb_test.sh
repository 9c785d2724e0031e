#!/bin/bash
# Builds the Debian package (debian/) with `dpkg-buildpackage -b -us -uc` from a copy of
# the source tree in a temporary directory, then checks the .deb: its contents (the
# launcher, the library in the multiarch libdir, the man pages, the client header and
# its pkg-config file), that apt can resolve its dependencies, and that the unpacked tree
# works with no build tree around: `leaktrace -- true` exits 0 with the unpacked
# library preloaded, the example leak fails the gate, and the header compiles.
# The source tree is left as it was (checked with git status).
# usage: deb_test.sh SOURCE_ROOT           (exit 77 = skipped: no packaging tools)
set -u
src=$1
for t in dpkg-buildpackage dh dpkg-deb fakeroot; do
	if ! command -v "$t" >/dev/null 2>&1; then
		echo "SKIP: $t is not installed (scripts/setup.sh --test-deps installs dpkg-dev, debhelper, fakeroot)"
		exit 77
	fi
done
fail=0
bad() { echo "FAIL: $*"; fail=1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/leaktrace-deb.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
before=$(git -C "$src" status --porcelain 2>/dev/null)

# ---- a copy of the tree: tracked and untracked files that are not ignored (so uncommitted
# changes are what gets packaged), or everything but build directories outside git
mkdir "$tmp/leaktrace-0.1.0"
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$src" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		tar --null -T - -cf -) | tar -xf - -C "$tmp/leaktrace-0.1.0" || exit 1
else
	(cd "$src" && tar --exclude='./build*' --exclude='./obj-*' -cf - .) |
		tar -xf - -C "$tmp/leaktrace-0.1.0" || exit 1
fi

# ---- build (binary only, unsigned, no tests, two jobs)
if ! (cd "$tmp/leaktrace-0.1.0" &&
      DEB_BUILD_OPTIONS="nocheck parallel=2" dpkg-buildpackage -b -us -uc) >"$tmp/build.log" 2>&1; then
	tail -40 "$tmp/build.log"
	echo "FAIL: dpkg-buildpackage"
	exit 1
fi
set -- "$tmp"/leaktrace_*.deb
[ $# -eq 1 ] && [ -f "$1" ] || { ls "$tmp"; echo "FAIL: expected one leaktrace_*.deb"; exit 1; }
deb=$1
echo "built $(basename "$deb")"

# ---- contents
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
dpkg-deb -c "$deb" | awk '{print $NF}' >"$tmp/contents"
for f in ./usr/bin/leaktrace \
         "./usr/lib/$ma/libleaktrace.so" \
         "./usr/lib/$ma/pkgconfig/leaktrace.pc" \
         ./usr/include/leaktrace.h \
         ./usr/share/man/man1/leaktrace.1.gz \
         ./usr/share/man/man1/leaktrace-report.1.gz \
         ./usr/share/man/man1/leaktrace-diff.1.gz \
         ./usr/share/man/man5/leaktrace-json.5.gz \
         ./usr/share/man/man7/libleaktrace.7.gz \
         ./usr/share/doc/leaktrace/copyright; do
	grep -qxF "$f" "$tmp/contents" || bad "package lacks $f"
done
# nothing of the build or the tests, and the library only in the multiarch directory
grep -E 'criterion|/tests?/|leaktrace-report-tool|\.a$' "$tmp/contents" && bad "test or build files in the package"
[ "$(grep -c '/libleaktrace\.so$' "$tmp/contents")" -eq 1 ] || bad "libleaktrace.so outside /usr/lib/$ma"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libunwind8 libdw1 libjansson4 libyajl2 libc6; do
	echo "$depends" | grep -q "$lib" || bad "Depends lacks $lib: $depends"
done
[ "$(dpkg-deb -f "$deb" Architecture)" = "$(dpkg --print-architecture)" ] || bad "architecture"

# apt resolves the package's dependencies here (a simulation: nothing is installed)
if command -v apt-get >/dev/null 2>&1; then
	apt-get install -s "$deb" >"$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log"; bad "apt-get install -s $deb"; }
fi

# ---- the unpacked tree, without the build tree: the launcher finds its library
# relative to itself (PREFIX/bin -> PREFIX/lib/<multiarch>)
root=$tmp/root
dpkg -x "$deb" "$root"
lt=$root/usr/bin/leaktrace
unset LEAKTRACE_LIB LEAKTRACE_OPTIONS LD_PRELOAD
(cd "$tmp" && "$lt" -- true) >"$tmp/true.out" 2>"$tmp/true.err"
st=$?
[ $st -eq 0 ] || { cat "$tmp/true.err"; bad "leaktrace -- true exited $st"; }
[ -s "$tmp/true.out" ] && bad "leaktrace -- true wrote to stdout"
"$lt" -- cat /proc/self/maps 2>/dev/null | grep -qF "$root/usr/lib/$ma/libleaktrace.so" ||
	bad "the program did not run with the unpacked libleaktrace.so preloaded"
"$lt" --version >/dev/null || bad "leaktrace --version"

# a leak fails the gate with the documented status 23. memcheck
# (--leak-check=full --show-leak-kinds=all) on this program: "definitely lost: 48 bytes
# in 1 blocks", "still reachable: 32 bytes in 1 blocks".
cat >"$tmp/leak.c" <<'C'
#include <stdlib.h>
#include <leaktrace.h>
static void *volatile keep;
int main(void)
{
	keep = malloc(48);
	keep = malloc(32);              /* 48 B definitely lost, 32 B still reachable */
	return leaktrace_active() ? 0 : 0;
}
C
cc=$(command -v cc || command -v gcc)
includedir=$(PKG_CONFIG_PATH="$root/usr/lib/$ma/pkgconfig" pkg-config --variable=includedir leaktrace)
[ "$includedir" = /usr/include ] || bad "leaktrace.pc includedir is '$includedir'"
inc="-I$root$includedir"
if "$cc" $inc -O0 -o "$tmp/leak" "$tmp/leak.c"; then
	"$tmp/leak" || bad "the client header program fails without the shim"
	"$lt" --format=json --output="$tmp/leak.json" -- "$tmp/leak" 2>"$tmp/leak.err"
	st=$?
	[ $st -eq 23 ] || { cat "$tmp/leak.err"; bad "leak under the unpacked tree exited $st, not 23"; }
	"$lt" report --format json "$tmp/leak.json" 2>/dev/null | grep -q '"leaked_bytes": 48' ||
		bad "report of the leak does not show 48 leaked bytes"
else
	bad "the client header does not compile from the unpacked tree"
fi

after=$(git -C "$src" status --porcelain 2>/dev/null)
[ "$before" = "$after" ] || bad "the source tree changed: $after"
[ $fail -eq 0 ] && echo "deb: all checks passed"
exit $fail
