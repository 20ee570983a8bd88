#!/bin/sh
# Profile a real workload into a pstats file of about 3 MB and 16,000
# functions: part of CPython's own test suite (its unittest runner, json, re,
# email, argparse, typing, dataclasses, ...), run under cProfile, the way a
# project's test suite is profiled.
#
# Usage: sh scripts/gen_real.sh OUT [PYTHON]   (PYTHON defaults to python3,
# which needs its `test` package: Debian's python3 and pyenv's builds have it)
set -eu
out=$1
python=${2:-python3}
"$python" -m cProfile -o "$out" -m test -q \
  test_json test_re test_email test_argparse test_typing test_dataclasses \
  test_enum test_collections test_statistics test_pathlib test_inspect \
  test_ast test_tokenize test_csv test_datetime test_logging test_xml_etree \
  test_configparser test_difflib test_functools >/dev/null || test -s "$out"
