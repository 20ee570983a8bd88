#!/usr/bin/env bash
# Regenerate the fixtures of the flame graph and the calls column with a real
# Python (pyenv 3.13.0): every X.pstats gets X.expected.json, written by the
# Python that wrote X.pstats (see scripts/fixtures/dump_expected.py).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=fixtures/python313.sh
. "$ROOT/scripts/fixtures/python313.sh"

cd "$ROOT/tests/fixtures"

# A recursive function whose calls cell reads 15,159/15,100.
"$PY" -m cProfile -o wide-calls.pstats wide_calls.py >/dev/null
expected wide-calls.pstats

# A call graph that is a tree, with every path's times as pstats reads them.
"$PY" -m cProfile -o call-tree.pstats tree_workload.py >/dev/null
expected call-tree.pstats
"$PY" "$HELPERS/dump_stacks.py" call-tree.pstats call-tree.stacks.json
