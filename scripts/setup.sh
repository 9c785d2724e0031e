#!/usr/bin/env bash
# Install what is missing (Debian 12 packages), then configure and build
# leaktrace in ./build. Safe to run again: it installs only what is absent
# and rebuilds incrementally.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(gcc g++ pkg-config meson ninja-build python3
          libunwind-dev uthash-dev libdw-dev libelf-dev libjansson-dev libyajl-dev
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
# Debian starts and enables a daemon's service when its package is
# installed: the test suite runs its own redis and nginx on private ports,
# so the services --test-deps brought in (and only those) are stopped and
# disabled again, leaving ports 80 and 6379 of this machine as they were.
services=()
for p in "${missing[@]:+${missing[@]}}"; do
	case $p in
	redis-server) services+=(redis-server) ;;
	nginx-light) services+=(nginx) ;;
	esac
done

if ((${#missing[@]})); then
	sudo=""
	if [[ $(id -u) -ne 0 ]]; then
		if ! command -v sudo >/dev/null 2>&1; then
			echo "leaktrace setup: not root and sudo is not installed; as root, run:" >&2
			echo "    apt-get install -y ${missing[*]}" >&2
			echo "then run $0 ${1:-} again" >&2
			exit 1
		fi
		sudo="sudo"
	fi
	echo "leaktrace setup: installing ${missing[*]}"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
	for s in "${services[@]:+${services[@]}}"; do
		if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; then
			$sudo systemctl disable --now "$s" >/dev/null 2>&1 || true
		else
			$sudo service "$s" stop >/dev/null 2>&1 || true
			$sudo update-rc.d "$s" disable >/dev/null 2>&1 || true
		fi
		echo "leaktrace setup: stopped and disabled the $s service the package started" \
		     "(the tests run their own; 'systemctl enable --now $s' to keep it)"
	done
fi

# meson and ninja are quiet when they succeed and say why when they fail
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if [[ ! -f build/build.ninja ]]; then
	if ! meson setup build >"$log" 2>&1; then
		cat "$log" >&2
		echo "leaktrace setup: meson setup failed (above; full log in build/meson-logs/meson-log.txt)" >&2
		exit 1
	fi
fi
if ! ninja -C build >"$log" 2>&1; then
	cat "$log" >&2
	echo "leaktrace setup: the build failed (above)" >&2
	exit 1
fi
echo "leaktrace setup: built build/src/libleaktrace.so and build/tools/leaktrace"
