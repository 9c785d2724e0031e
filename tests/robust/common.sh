# Sourced by the scripts in tests/robust: the repository root as the
# working directory, BUILD (first argument, default "build", made absolute)
# and SHIM, the preloaded library under test.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
BUILD=${1:-build}
[[ $BUILD = /* ]] || BUILD=$ROOT/$BUILD
SHIM=$BUILD/src/libleaktrace.so
