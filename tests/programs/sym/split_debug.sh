#!/bin/sh
# split_debug.sh IN STRIPPED DEBUG: DWARF and symbols of IN into DEBUG, a
# fully stripped copy into STRIPPED with a .gnu_debuglink naming
# "<STRIPPED's name>.debug", a name that exists nowhere until a test puts
# the debug file there (next to the program it would always be found).
set -e
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
objcopy --only-keep-debug "$1" "$3"
cp "$3" "$tmp/$(basename "$2").debug"
objcopy --strip-all --add-gnu-debuglink="$tmp/$(basename "$2").debug" "$1" "$2"
