#!/usr/bin/env bash
# Regenerate the compare fixtures in tests/fixtures/compare/ with real Pythons.
#
# The program tests/fixtures/compare/{before,after}/app.py exists in two
# versions. Each version is copied to its own directory (two checkouts) and
# profiled by Python 3.13:
#   before.pstats  /tmp/px-checkout-before/app.py
#   after.pstats   /tmp/px-checkout-after/app.py
# The "before" version is also profiled, from /tmp/px-checkout/app.py, by
# Python 3.8 and by 3.13 (their standard libraries live in different places):
#   py3.8.pstats, py3.13.pstats
# Every X.pstats gets an X.expected.json written by the Python that wrote it
# (scripts/fixtures/dump_expected.py). Needs pyenv with 3.8.18 and 3.13.0.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FIX="$ROOT/tests/fixtures/compare"
PYENV_ROOT="${PYENV_ROOT:-$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")}"
P38="$PYENV_ROOT/versions/3.8.18/bin/python"
P313="$PYENV_ROOT/versions/3.13.0/bin/python"
for p in "$P38" "$P313"; do
  [[ -x "$p" ]] || { echo "missing Python at $p" >&2; exit 1; }
done

expected() { # expected PY FILE
  local version
  version="$("$1" -c 'import marshal; print(marshal.version)')"
  "$1" "$ROOT/scripts/fixtures/dump_expected.py" --kind cprofile \
    --marshal-version "$version" --out "${2%.pstats}.expected.json" "$2"
}

cd "$FIX"
rm -f ./*.pstats ./*.expected.json
export PYTHONDONTWRITEBYTECODE=1

for side in before after; do
  checkout="/tmp/px-checkout-$side"
  rm -rf "$checkout"
  mkdir -p "$checkout"
  cp "$side/app.py" "$side/util.py" "$checkout/"
  "$P313" -m cProfile -o "$side.pstats" "$checkout/app.py" >/dev/null
  expected "$P313" "$side.pstats"
  rm -rf "$checkout"
done

checkout=/tmp/px-checkout
rm -rf "$checkout"
mkdir -p "$checkout"
cp before/app.py before/util.py "$checkout/"
"$P38" -m cProfile -o py3.8.pstats "$checkout/app.py" >/dev/null
expected "$P38" py3.8.pstats
"$P313" -m cProfile -o py3.13.pstats "$checkout/app.py" >/dev/null
expected "$P313" py3.13.pstats
rm -rf "$checkout"

# No local paths but the pyenv standard libraries may leak into the fixtures.
leaks="$(LC_ALL=C grep -aoh -e "$ROOT[A-Za-z0-9_./+-]*" -e "$HOME/[A-Za-z0-9_./+-]*" \
  ./*.pstats ./*.expected.json | grep -v -e "^$PYENV_ROOT/versions/" || true)"
if [[ -n "$leaks" ]]; then
  echo "error: fixtures contain local paths:" >&2
  echo "$leaks" | sort -u | head >&2
  exit 1
fi
ls -l ./*.pstats ./*.expected.json
