#!/usr/bin/env bash
# Regenerate the call tree's fixtures with a real Python (pyenv 3.13.0):
# recursion.pstats (cProfile, timed by a clock that ticks once per line run,
# so the numbers are the same on every machine), recursion.stacks.json (the
# true stacks of that same run, see scripts/fixtures/true_stacks.py) and
# recursion.expected.json (what Python's pstats reads).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=fixtures/python313.sh
. "$ROOT/scripts/fixtures/python313.sh"

cd "$ROOT/tests/fixtures"
"$PY" ../../scripts/fixtures/true_stacks.py recursion.pstats recursion.stacks.json \
  recursion_workload.py
expected recursion.pstats
