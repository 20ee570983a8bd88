#!/usr/bin/env python3
"""Generate a large synthetic pstats file in cProfile's layout.

Usage: python3 scripts/gen_large.py OUT [--functions N] [--callers K] [--seed S]
                                          [--shape shared|unshared]

The result is a marshal dump (Python's own marshal, default version) of
  {(file, line, name): (cc, nc, tt, ct, {caller_key: (nc, cc, tt, ct)})}
with about 2,000 distinct file paths (stdlib, site-packages and project
files), builtins as ('~', 0, '<built-in ...>'), cc <= nc and tt <= ct.
Each function's totals are the sums over its callers, except for a few
root functions with no callers. About half of the caller keys (see
--shared-keys) are the very tuple objects used as top-level keys, so marshal
writes them as back-references to tuples (as after pstats has loaded and
re-dumped a profile); the rest are fresh tuples sharing the strings, as
cProfile's own label() produces. Output is deterministic for a given seed
and Python version. With the defaults (200,000 functions, 8
callers each) the file is about 80 MB and takes a few seconds.

With --shape unshared the strings are shared the way yappi and other
writers that are not CPython's cProfile share them: not at all for file
names. Every key, top-level and caller, is a tuple of its own whose file name
is a string object of its own (marshal writes an object that only one
tuple holds in full, without a back-reference), over 8,000 distinct paths;
names are shared as cProfile shares them. It has 3 callers a function by
default, which at 200,000 functions makes a file of about the same size as
the default shape's (each caller key holds a whole path).
"""
import argparse
import marshal
import os
import random
import time

WORDS = (
    "get set load save parse read write open close update build make run "
    "handle process render send receive encode decode compute check validate "
    "init reset start stop flush merge split join sort filter map reduce "
    "find match scan emit visit walk resolve fetch commit apply create delete "
    "request response session cache config token node tree graph item "
    "record field value key index buffer stream chunk frame event task job "
    "worker pool queue lock state context handler manager client server"
).split()

STDLIB_MODULES = (
    "json/encoder json/decoder json/__init__ re/__init__ re/_parser "
    "re/_compiler collections/__init__ functools typing enum abc os "
    "posixpath genericpath threading queue selectors socket ssl "
    "asyncio/base_events asyncio/events asyncio/tasks asyncio/futures "
    "asyncio/selector_events logging/__init__ email/parser email/message "
    "http/client urllib/parse importlib/_bootstrap "
    "importlib/_bootstrap_external contextlib dataclasses inspect copy "
    "pathlib/_local shutil tempfile subprocess weakref string textwrap "
    "codecs encodings/utf_8 base64 hashlib datetime decimal fractions"
).split()

PACKAGES = (
    "requests urllib3 django flask werkzeug jinja2 sqlalchemy numpy pandas "
    "pydantic attrs click rich httpx anyio starlette fastapi yaml certifi "
    "charset_normalizer idna packaging setuptools pip markupsafe"
).split()

BUILTINS = [
    "<built-in method builtins.len>",
    "<built-in method builtins.isinstance>",
    "<built-in method builtins.getattr>",
    "<built-in method builtins.hasattr>",
    "<built-in method builtins.sorted>",
    "<built-in method builtins.exec>",
    "<built-in method builtins.print>",
    "<built-in method _io.open>",
    "<built-in method posix.stat>",
    "<built-in method marshal.loads>",
    "<built-in method time.perf_counter>",
    "<method 'append' of 'list' objects>",
    "<method 'get' of 'dict' objects>",
    "<method 'items' of 'dict' objects>",
    "<method 'join' of 'str' objects>",
    "<method 'split' of 'str' objects>",
    "<method 'startswith' of 'str' objects>",
    "<method 'encode' of 'str' objects>",
    "<method 'read' of '_io.BufferedReader' objects>",
    "<method 'disable' of '_lsprof.Profiler' objects>",
]


def make_paths(rng, count):
    paths = set()
    while len(paths) < count:
        r = rng.random()
        if r < 0.3:
            mod = rng.choice(STDLIB_MODULES)
            if rng.random() < 0.5:
                mod = mod.rsplit("/", 1)[0] + "/" + rng.choice(WORDS)
            paths.add("/usr/lib/python3.12/%s.py" % mod)
        elif r < 0.75:
            pkg = rng.choice(PACKAGES)
            parts = [rng.choice(WORDS) for _ in range(rng.randint(0, 2))]
            parts.append(rng.choice(WORDS) + rng.choice(["", "s", "_utils", "_impl"]))
            venv = rng.choice([
                "/home/dev/project/.venv/lib/python3.12/site-packages",
                "/usr/local/lib/python3.12/site-packages",
            ])
            paths.add("%s/%s/%s.py" % (venv, pkg, "/".join(parts)))
        else:
            parts = [rng.choice(WORDS) for _ in range(rng.randint(0, 3))]
            parts.append(rng.choice(WORDS) + rng.choice(["", "s", "_view", "_model", "_test"]))
            paths.add("src/myapp/%s.py" % "/".join(parts))
    return sorted(paths)


def make_name(rng):
    r = rng.random()
    if r < 0.03:
        return rng.choice(["<module>", "<lambda>", "<genexpr>", "<listcomp>", "<dictcomp>"])
    if r < 0.25:
        return "__%s__" % rng.choice(["init", "call", "iter", "next", "enter", "exit",
                                      "getattr", "getitem", "eq", "hash", "repr"])
    n = rng.randint(1, 3)
    name = "_".join(rng.choice(WORDS) for _ in range(n))
    if rng.random() < 0.2:
        name = "_" + name
    return name


def make_keys(rng, n, n_paths):
    paths = make_paths(rng, n_paths)
    keys = []
    seen = set()
    for b in BUILTINS[: max(1, min(len(BUILTINS), n // 50))]:
        key = ("~", 0, b)
        seen.add(key)
        keys.append(key)
    while len(keys) < n:
        key = (rng.choice(paths), rng.randint(1, 3000), make_name(rng))
        if key not in seen:
            seen.add(key)
            keys.append(key)
    rng.shuffle(keys)
    return keys


def fresh(text):
    """A new string object equal to `text` (never the same object)."""
    return (text + ".")[:-1]


def generate(n, k, seed, shared, unshared=False):
    rng = random.Random(seed)
    paths = min(8000 if unshared else 2000, max(1, n // 10))
    keys = make_keys(rng, n, paths)
    n_roots = max(1, n // 5000)
    stats = {}
    for i, key in enumerate(keys):
        callers = {}
        if i >= n_roots:
            for j in rng.sample(range(n), min(k, n - 1)):
                if j == i and rng.random() < 0.9:
                    continue  # allow a little direct recursion
                ncalls = int(rng.paretovariate(1.2)) if rng.random() < 0.9 else rng.randint(1, 200000)
                prim = ncalls if j != i else max(1, ncalls // 2)
                tt = rng.random() * 1e-5 * ncalls
                ct = tt + rng.random() * rng.random() * 1e-3 * ncalls
                ckey = keys[j]
                if unshared:
                    ckey = (fresh(ckey[0]), ckey[1], ckey[2])
                elif rng.random() >= shared:
                    ckey = (ckey[0], ckey[1], ckey[2])  # new tuple, same strings
                callers[ckey] = (ncalls, prim, tt, ct)
        if callers:
            nc = sum(v[0] for v in callers.values())
            cc = sum(v[1] for v in callers.values())
            tt = sum(v[2] for v in callers.values())
            ct = sum(v[3] for v in callers.values())
        else:
            nc = cc = 1
            tt = rng.random() * 1e-2
            ct = tt + rng.random() * 10.0
        if unshared:
            key = (fresh(key[0]), key[1], key[2])
        stats[key] = (cc, nc, tt, ct, callers)
    return stats


def save(stats, out, t0):
    """Writes the stats to `out` as pstats does, and says what took how long
    since `t0` (a time.perf_counter())."""
    with open(out, "wb") as f:
        marshal.dump(stats, f)
    size = os.path.getsize(out)
    print("%s: %d functions, %d bytes (%.1f MB) in %.1fs" % (
        out, len(stats), size, size / 1e6, time.perf_counter() - t0))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out")
    parser.add_argument("--functions", type=int, default=200000)
    parser.add_argument("--callers", type=int,
                        help="callers a function (default: 8, or 3 with --shape unshared)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--shared-keys", type=float, default=0.5,
                        help="fraction of caller keys that reuse the top-level key tuple")
    parser.add_argument("--shape", choices=("shared", "unshared"), default="shared",
                        help="how the strings are shared (see above)")
    args = parser.parse_args()
    unshared = args.shape == "unshared"
    if args.callers is None:
        args.callers = 3 if unshared else 8
    if args.functions < 1 or args.callers < 0:
        parser.error("need --functions >= 1 and --callers >= 0")

    t0 = time.perf_counter()
    stats = generate(args.functions, args.callers, args.seed, args.shared_keys,
                     unshared)
    save(stats, args.out, t0)


if __name__ == "__main__":
    main()
