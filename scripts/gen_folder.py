#!/usr/bin/env python3
"""Write a folder of small real profiles, one per "test", for the folder benchmark.

Usage: python3 scripts/gen_folder.py OUT_DIR [--files N]

Each file is a real cProfile run of a small, varied workload (a few dozen
functions, as one test of a test suite gives), dumped as OUT_DIR/test_I.prof,
the layout pytest-profiling writes. Deterministic in shape, not in timings.
"""
import argparse
import cProfile
import os

SOURCE = """
import json, re

def tokenize(text):
    return re.findall(r"[a-z]+", text.lower())

def count(words):
    counts = {}
    for w in words:
        counts[w] = counts.get(w, 0) + 1
    return counts

def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)

def roundtrip(data):
    return json.loads(json.dumps(data))

def test(i):
    text = "The quick brown fox jumps over the lazy dog %d " % i * (1 + i % 7)
    counts = count(tokenize(text))
    roundtrip({"counts": counts, "i": i})
    return fib(5 + i % 8)
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--files", type=int, default=1000)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    namespace = {}
    exec(compile(SOURCE, "tests/test_suite.py", "exec"), namespace)
    for i in range(args.files):
        profiler = cProfile.Profile()
        profiler.runcall(namespace["test"], i)
        profiler.dump_stats(os.path.join(args.out, "test_%d.prof" % i))


if __name__ == "__main__":
    main()
