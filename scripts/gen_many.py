#!/usr/bin/env python3
"""Generate many small pstats files in cProfile's layout, for merging.

Usage: python3 scripts/gen_many.py DIR [--files N] [--pool P] [--functions F]
       [--seed S]

Writes DIR/run-00000.pstats ... : each a marshal dump of
  {(file, line, name): (cc, nc, tt, ct, {caller_key: (nc, cc, tt, ct)})}
with F functions drawn from a pool of P shared by all files, each with up to
4 callers that are the same in every file (as the runs of one test suite
share their functions and call graph).
Output is deterministic for a given seed.
"""
import argparse
import marshal
import os
import random


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--pool", type=int, default=5000)
    parser.add_argument("--functions", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    paths = ["/srv/app/module%d.py" % i for i in range(args.pool // 20)]
    pool = [
        (rng.choice(paths), rng.randrange(1, 2000), "function_%d" % i)
        for i in range(args.pool)
    ]
    fixed_callers = [
        [c for c in rng.sample(pool, rng.randrange(0, 5)) if c != func]
        for func in pool
    ]
    os.makedirs(args.dir, exist_ok=True)
    for n in range(args.files):
        stats = {}
        for i in rng.sample(range(args.pool), args.functions):
            func = pool[i]
            callers = {}
            for caller in fixed_callers[i]:
                calls = rng.randrange(1, 50)
                tt = rng.random() * 1e-3
                callers[caller] = (calls, calls, tt, tt + rng.random() * 1e-3)
            nc = sum(v[0] for v in callers.values()) or 1
            tt = sum(v[2] for v in callers.values()) or rng.random() * 1e-3
            ct = sum(v[3] for v in callers.values()) or tt
            stats[func] = (nc, nc, tt, ct, callers)
        with open(os.path.join(args.dir, "run-%05d.pstats" % n), "wb") as f:
            marshal.dump(stats, f)


if __name__ == "__main__":
    main()
