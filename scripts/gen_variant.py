#!/usr/bin/env python3
"""Make the "after" run of a pstats file, for benchmarking comparisons.

Usage: python3 scripts/gen_variant.py IN OUT [--seed S]

Reads IN (a marshal dump of {(file, line, name): (cc, nc, tt, ct, callers)},
as cProfile and scripts/gen_large.py write) and writes OUT as the profile of
the same program after a change: every time scaled by a random factor
between 0.5 and 2, standard library paths moved from one Python version to
another (python3.12 -> python3.13), 2% of the functions moved down a few
lines, 1% removed (also as callers) and 1% new functions added, each called
from one existing function. Output is deterministic for a given seed.
"""
import argparse
import marshal
import random
import time

from gen_large import save


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input")
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=2)
    args = parser.parse_args()
    t0 = time.perf_counter()
    rng = random.Random(args.seed)
    with open(args.input, "rb") as f:
        stats = marshal.load(f)

    def renamed(key):
        file, line, name = key
        if "/lib/python3.12/" in file:
            file = file.replace("/lib/python3.12/", "/lib/python3.13/")
        return (file, line, name)

    new_key = {}
    for key in stats:
        r = rng.random()
        if r < 0.01:
            new_key[key] = None  # removed
        elif r < 0.03 and key[0] != "~":
            file, line, name = renamed(key)
            new_key[key] = (file, line + rng.randint(1, 9), name)
        else:
            new_key[key] = renamed(key)
    # A moved function may land on a key that exists: keep it where it was.
    taken = set()
    for key, value in list(new_key.items()):
        if value is not None and value in taken:
            new_key[key] = renamed(key)
        if new_key[key] is not None:
            taken.add(new_key[key])

    out = {}
    for key, (cc, nc, tt, ct, callers) in stats.items():
        target = new_key[key]
        if target is None:
            continue
        factor = 0.5 + 1.5 * rng.random()
        new_callers = {}
        for caller, value in callers.items():
            c = new_key.get(caller, caller)
            if c is None:
                continue
            c_nc, c_cc, c_tt, c_ct = value
            new_callers[c] = (c_nc, c_cc, c_tt * factor, c_ct * factor)
        out[target] = (cc, nc, tt * factor, ct * factor, new_callers)
    keys = [k for k in out if k[0] != "~"]
    for i in range(len(stats) // 100):
        file, line, _ = rng.choice(keys)
        name = "added_function_%d" % i
        key = (file, 100000 + i, name)
        caller = rng.choice(keys)
        tt = rng.random() * 1e-4
        out[key] = (1, 1, tt, tt * 2, {caller: (1, 1, tt, tt * 2)})
    save(out, args.out, t0)


if __name__ == "__main__":
    main()
