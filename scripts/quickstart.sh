#!/usr/bin/env bash
# Quick start: install what is missing, build, and run the bundled example
# server under leaktrace, printing its report.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo
echo "\$ build/tools/leaktrace --exitcode=0 --show-reachable -- build/tests/programs/core/example_server"
exec build/tools/leaktrace --exitcode=0 --show-reachable -- build/tests/programs/core/example_server
