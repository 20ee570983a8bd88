#!/bin/sh
# Two runs of one unchanged program, for compare's noise threshold: the
# Django test suite of scripts/gen_django.sh profiled twice, each time in a
# checkout of its own, into tests/fixtures/noise/run1.pstats and run2.pstats.
# Python writes what it reads: each run's NAME.expected.json (its 100 largest
# functions; scripts/fixtures/dump_expected.py) and noise.expected.json (the
# functions both runs hold, and how many got slower, faster or stayed the
# same under each threshold; scripts/fixtures/noise_expected.py).
#
# Usage: sh scripts/make_noise_fixtures.sh [PYTHON]   (PYTHON defaults to
# Debian's /usr/bin/python3, which has Django from `apt-get install
# python3-django`)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
python=${1:-/usr/bin/python3}
out="$root/tests/fixtures/noise"
mkdir -p "$out"
rm -f "$out"/*.pstats "$out"/*.json
version=$("$python" -c 'import marshal; print(marshal.version)')
for run in run1 run2; do
  sh "$root/scripts/gen_django.sh" "$out/$run.pstats" "$python" >/dev/null 2>&1
  "$python" "$root/scripts/fixtures/dump_expected.py" --kind cprofile \
    --marshal-version "$version" --limit 100 --out "$out/$run.expected.json" \
    "$out/$run.pstats"
done
"$python" "$root/scripts/fixtures/noise_expected.py" \
  --out "$out/noise.expected.json" "$out/run1.pstats" "$out/run2.pstats"
# No local paths may leak into the fixtures: the checkouts are temporary.
if LC_ALL=C grep -aq -e "$root" -e "$HOME/" "$out"/*.pstats "$out"/*.json; then
  echo "error: the fixtures hold local paths" >&2
  exit 1
fi
ls -l "$out"
cat "$out/noise.expected.json"
