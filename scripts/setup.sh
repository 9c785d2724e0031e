#!/usr/bin/env bash
# Install what is missing (Debian 12 packages), then configure and build
# leaktrace in ./build. Safe to run again: it installs only what is absent
# and rebuilds incrementally.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(gcc g++ pkg-config meson ninja-build python3
          libunwind-dev uthash-dev libdw-dev libelf-dev libjansson-dev
          libcriterion-dev liburing-dev)
# extra packages the full test suite uses (real programs, browser test)
if [[ "${1:-}" == "--test-deps" ]]; then
	packages+=(sqlite3 git perl redis-server redis-tools nginx-light
	           chromium valgrind iproute2 procps clang
	           python3 python3.11 libpython3.11-testsuite curl openssh-client
	           openssl jq xz-utils libc6-dbg python3-jsonschema
	           dpkg-dev debhelper fakeroot)
fi

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
	sudo=""
	[[ $(id -u) -eq 0 ]] || sudo="sudo"
	echo "leaktrace setup: installing ${missing[*]}"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [[ ! -f build/build.ninja ]]; then
	meson setup build >/dev/null
fi
ninja -C build >/dev/null
echo "leaktrace setup: built build/src/libleaktrace.so and build/tools/leaktrace"
