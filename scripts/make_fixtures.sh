#!/usr/bin/env bash
# Regenerate the profile fixtures in tests/fixtures/ with real Pythons.
#
# Needs pyenv with 2.7.18 3.6.15 3.8.18 3.10.13 3.11.7 3.12.1 3.13.0 and
# Debian's /usr/bin/python3 with yappi (apt-get install python3-yappi).
# Every X.pstats gets an X.expected.json written by the Python that wrote
# X.pstats (see scripts/fixtures/dump_expected.py). Timings differ on
# every run, so regenerating changes the files; commit them together.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HELPERS="$ROOT/scripts/fixtures"
FIX="$ROOT/tests/fixtures"
PYENV_ROOT="${PYENV_ROOT:-$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")}"
SYSTEM_PY=/usr/bin/python3

declare -A FULL=(
  [2.7]=2.7.18 [3.6]=3.6.15 [3.8]=3.8.18 [3.10]=3.10.13
  [3.11]=3.11.7 [3.12]=3.12.1 [3.13]=3.13.0
)

py() { # py X.Y -> interpreter path
  local bin="$PYENV_ROOT/versions/${FULL[$1]}/bin/python"
  [[ -x "$bin" ]] || { echo "missing Python $1 at $bin" >&2; exit 1; }
  echo "$bin"
}

marshal_version() { # default marshal version of an interpreter
  "$1" -c 'import marshal; print(marshal.version)'
}

expected() { # expected PY KIND VERSION FILE [extra dump_expected args]
  local python="$1" kind="$2" version="$3" file="$4"
  shift 4
  "$python" "$HELPERS/dump_expected.py" --kind "$kind" --marshal-version "$version" \
    --out "${file%.pstats}.expected.json" "$@" "$file"
}

"$SYSTEM_PY" -c 'import yappi' 2>/dev/null || {
  echo "yappi is missing for $SYSTEM_PY: apt-get install -y python3-yappi" >&2
  exit 1
}

CPROFILE_VERSIONS=(2.7 3.6 3.8 3.10 3.11 3.12 3.13)
PROFILE_VERSIONS=(2.7 3.6 3.13)

# Everything this script writes (and nothing else: other files in
# tests/fixtures/ belong to other generators).
outputs=(cprofile-3.13-b cprofile-3.13-v0 cprofile-3.13-v1 cprofile-3.13-v2
  cprofile-3.13-v3 yappi sampled many shop shop-profile shop-sampled)
for v in "${CPROFILE_VERSIONS[@]}"; do outputs+=("cprofile-$v"); done
for v in "${PROFILE_VERSIONS[@]}"; do outputs+=("profile-$v"); done
generated=(merged.expected.json shop.groups.json shop-profile.groups.json
  shop-sampled.groups.json bad/compiled.pyc bad/not-a-dict.pstats
  bad/wrong-key.pstats bad/wrong-value.pstats bad/notes.txt)
for o in "${outputs[@]}"; do generated+=("$o.pstats" "$o.expected.json"); done

cd "$FIX"
rm -f "${generated[@]}"

# cProfile: python -m cProfile -o cprofile-X.Y.pstats workload.py
for v in "${CPROFILE_VERSIONS[@]}"; do
  p="$(py "$v")"
  out="cprofile-$v.pstats"
  "$p" -m cProfile -o "$out" workload.py >/dev/null
  expected "$p" cprofile "$(marshal_version "$p")" "$out"
done

p313="$(py 3.13)"
mv313="$(marshal_version "$p313")"

# A second, bigger run for merge tests, and what pstats makes of both.
"$p313" -m cProfile -o cprofile-3.13-b.pstats workload.py 2 >/dev/null
expected "$p313" cprofile "$mv313" cprofile-3.13-b.pstats
"$p313" "$HELPERS/dump_expected.py" --kind cprofile --marshal-version "$mv313" \
  --out merged.expected.json --merge cprofile-3.13.pstats cprofile-3.13-b.pstats

# The same cProfile data written with older marshal versions.
for mv in 0 1 2 3; do
  out="cprofile-3.13-v$mv.pstats"
  "$p313" "$HELPERS/redump.py" cprofile-3.13.pstats "$out" "$mv"
  expected "$p313" cprofile "$mv" "$out"
done

# The pure-Python profile module.
for v in "${PROFILE_VERSIONS[@]}"; do
  p="$(py "$v")"
  out="profile-$v.pstats"
  "$p" -m profile -o "$out" workload.py >/dev/null
  expected "$p" profile "$(marshal_version "$p")" "$out"
done

# yappi, saved as pstat (it stores (ncall, nactualcall) where cProfile has (cc, nc)).
"$SYSTEM_PY" "$HELPERS/run_yappi.py" workload.py yappi.pstats >/dev/null
expected "$SYSTEM_PY" yappi "$(marshal_version "$SYSTEM_PY")" yappi.pstats

# CPython 3.15 sampling profiler layout, with the ("__sampled__",) marker.
"$p313" "$HELPERS/make_sampled.py" sampled.pstats >/dev/null
expected "$p313" sampled "$mv313" sampled.pstats --sampled

# Many functions, for scrolling in the UI. Its expected file lists only the
# first 100 functions (the full one would be ~10 MB).
"$p313" "$ROOT/scripts/gen_large.py" many.pstats --functions 20000 --callers 2 --seed 7 >/dev/null
expected "$p313" cprofile "$mv313" many.pstats --limit 100

# Grouping: the shop program, a package with sub-packages (tests/fixtures/shop/,
# imported by relative paths), traced by cProfile and by profile, and sampled
# the way CPython 3.15's sampler writes it (several lines per function). Each
# X.groups.json holds the group numbers Python computes from X.pstats.
"$p313" -m cProfile -o shop.pstats shop_main.py 1 >/dev/null
expected "$p313" cprofile "$mv313" shop.pstats
"$p313" -m profile -o shop-profile.pstats shop_main.py 1 >/dev/null
expected "$p313" profile "$mv313" shop-profile.pstats
"$p313" "$HELPERS/sample_run.py" shop-sampled.pstats shop_main.py 300
expected "$p313" sampled "$mv313" shop-sampled.pstats --sampled
for o in shop shop-profile shop-sampled; do
  "$p313" "$HELPERS/dump_groups.py" "$o.pstats" "$o.groups.json"
done

# Files that are not pstats profiles.
"$p313" "$HELPERS/make_bad.py" workload.py bad

# A folder of profiles as pytest-profiling leaves it, and what pstats reads
# from it (tests/fixtures/folder/, folder-*.expected.json).
"$SYSTEM_PY" "$HELPERS/make_folder.py"

# No local paths may leak into the fixtures, except the stdlib (and its
# site-packages) of the pyenv Pythons and of the system Python.
leaks="$(LC_ALL=C grep -aoh -e "$ROOT[A-Za-z0-9_./+-]*" -e "$HOME/[A-Za-z0-9_./+-]*" \
  "${generated[@]}" | grep -v -e "^$PYENV_ROOT/versions/" || true)"
if [[ -n "$leaks" ]]; then
  echo "error: fixtures contain local paths:" >&2
  echo "$leaks" | sort -u | head >&2
  exit 1
fi

ls -l "${generated[@]}"
