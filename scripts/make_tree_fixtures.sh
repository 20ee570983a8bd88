#!/usr/bin/env bash
# Regenerate the call tree's fixtures with a real Python (pyenv 3.13.0):
# recursion.pstats (cProfile, timed by a clock that ticks once per line run,
# so the numbers are the same on every machine), recursion.stacks.json (the
# true stacks of that same run, see scripts/fixtures/true_stacks.py) and
# recursion.expected.json (what Python's pstats reads).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HELPERS="$ROOT/scripts/fixtures"
PYENV_ROOT="${PYENV_ROOT:-$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")}"
PY="$PYENV_ROOT/versions/3.13.0/bin/python"
[[ -x "$PY" ]] || { echo "missing Python 3.13 at $PY" >&2; exit 1; }
MV="$("$PY" -c 'import marshal; print(marshal.version)')"

cd "$ROOT/tests/fixtures"
"$PY" ../../scripts/fixtures/true_stacks.py recursion.pstats recursion.stacks.json \
  recursion_workload.py
"$PY" "$HELPERS/dump_expected.py" --kind cprofile --marshal-version "$MV" \
  --out recursion.expected.json recursion.pstats
