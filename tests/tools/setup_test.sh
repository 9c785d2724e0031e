#!/bin/bash
# scripts/setup.sh as a user meets it, with stand-ins for the system (id,
# dpkg-query, apt-get, meson, ninja, sudo, the service managers) on a PATH
# that holds nothing else: it says which packages to install when it can
# neither install them (not root) nor ask sudo, shows meson's error when
# configuration fails, and stops and disables the redis and nginx services
# that installing the test dependencies started.
# usage: setup_test.sh SOURCE_ROOT
set -u
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

mkdir -p "$tmp/tree/scripts" "$tmp/bin"
cp "$src/scripts/setup.sh" "$tmp/tree/scripts/"
for t in dirname cat grep mktemp rm mkdir; do
	ln -s "$(command -v $t)" "$tmp/bin/$t"
done
stub() { printf '#!/bin/bash\n%s\n' "$2" >"$tmp/bin/$1"; chmod +x "$tmp/bin/$1"; }
stub id 'echo "${FAKE_UID:-0}"'
# installed unless listed in $MISSING
stub dpkg-query 'for m in $MISSING; do [[ "${@: -1}" == "$m" ]] && exit 1; done; echo -n "install ok installed"'
stub apt-get 'echo "apt-get $*" >>"$LOG"'
stub systemctl 'echo "systemctl $*" >>"$LOG"'
stub service 'echo "service $*" >>"$LOG"'
stub update-rc.d 'echo "update-rc.d $*" >>"$LOG"'
stub meson 'if [[ -n "${MESON_FAILS:-}" ]]; then echo "meson.build:12:0: ERROR: Dependency \"libunwind\" not found"; exit 1; fi; mkdir -p build; : >build/build.ninja'
stub ninja 'exit 0'

run() {
	(cd "$tmp/tree" && rm -rf build && : >"$tmp/log" &&
	 env -i PATH="$tmp/bin" LOG="$tmp/log" "$@" /bin/bash scripts/setup.sh ${ARGS:-} \
		>"$tmp/out" 2>"$tmp/err")
}

# 1. not root, no sudo: name the packages, install nothing
run FAKE_UID=1000 MISSING="libdw-dev liburing-dev"
status=$?
[[ $status -eq 1 ]] && ok || bad "no sudo: status $status"
grep -q "not root and sudo is not installed" "$tmp/err" && ok || bad "no sudo: $(cat "$tmp/err")"
grep -qx "    apt-get install -y libdw-dev liburing-dev" "$tmp/err" && ok || bad "no package list: $(cat "$tmp/err")"
grep -q "sudo: command not found" "$tmp/err" && bad "sudo: command not found" || ok
[[ ! -s "$tmp/log" ]] && ok || bad "something was installed: $(cat "$tmp/log")"

# 2. meson fails: its error is shown, status 1
run MESON_FAILS=1
status=$?
[[ $status -eq 1 ]] && ok || bad "meson failure: status $status"
grep -q 'ERROR: Dependency "libunwind" not found' "$tmp/err" && ok || bad "meson error hidden: $(cat "$tmp/err")"

# 3. --test-deps installs redis-server and nginx-light, then stops and
#    disables their services (systemctl on a systemd host, else service
#    and update-rc.d)
ARGS=--test-deps run MISSING="redis-server nginx-light"
status=$?
[[ $status -eq 0 ]] && ok || bad "test deps: status $status: $(cat "$tmp/err")"
grep -q "apt-get install -y -qq redis-server nginx-light" "$tmp/log" && ok || bad "not installed: $(cat "$tmp/log")"
for s in redis-server nginx; do
	if grep -qx "systemctl disable --now $s" "$tmp/log" ||
	   { grep -qx "service $s stop" "$tmp/log" && grep -qx "update-rc.d $s disable" "$tmp/log"; }; then
		ok
	else
		bad "$s service left running: $(cat "$tmp/log")"
	fi
done
grep -q "stopped and disabled the redis-server service" "$tmp/out" && ok || bad "not said: $(cat "$tmp/out")"

# 4. nothing missing: no service is touched
ARGS=--test-deps run
grep -q . "$tmp/log" && bad "touched services with nothing installed: $(cat "$tmp/log")" || ok

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
