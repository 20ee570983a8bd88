"""Writes tests/fixtures/marshal_cases.json from real Pythons.

Run it with Python 3.13 from the repository root:

    "$(pyenv root)/versions/3.13.0/bin/python" scripts/make_marshal_cases.py

It runs itself again under every Python in PYTHONS (found under
`pyenv root`, or PYENV_ROOT) with `--worker`. Each worker marshals values
with every marshal version it supports and prints its cases as JSON; the
expected values are read by that Python itself. The file must stay valid
Python 2.7 as well as Python 3.

Each case is
`{"group", "python", "version", "repr", "hex", "expected"}` where
`expected` tags the value so that JSON can hold it:

    None -> null, bool -> true/false, int -> {"int": "<decimal>"},
    float -> {"float": repr(x)}, complex -> {"complex": [re, im]},
    str (and Python 2 unicode) -> {"str": s},
    bytes (and Python 2 str) -> {"bytes": hex}, plus "interned": true for
        a Python 2 str that marshal wrote as interned ('t' or 'R'),
    tuple -> {"tuple": [...]}, list -> {"list": [...]},
    dict -> {"dict": [[k, v], ...]}, set -> {"set": [...]},
    frozenset -> {"frozenset": [...]} (items in the order marshal wrote them),
    code -> {"code": repr(code) without " at 0x..."},
    Ellipsis -> {"ellipsis": true}, StopIteration -> {"stopiteration": true},
    slice -> {"slice": [start, stop, step]} (hand-written, marshal version 5).
"""

from __future__ import print_function

import binascii
import json
import marshal
import os
import re
import subprocess
import sys

PY2 = sys.version_info[0] == 2

# (pyenv version, what to write): "full" is every value group, "core" leaves
# out values that marshal to more than 512 bytes (3.13 has them), "code" is
# code objects only.
PYTHONS = [
    ("2.7.18", "full"),
    ("3.6.15", "core"),
    ("3.7.16", "code"),
    ("3.8.18", "code"),
    ("3.9.18", "code"),
    ("3.10.13", "code"),
    ("3.11.7", "code"),
    ("3.12.1", "core"),
    ("3.13.0", "full"),
]

OUTPUT = os.path.join("tests", "fixtures", "marshal_cases.json")

if PY2:
    TEXT = unicode  # noqa: F821 (Python 2 only)
    BYTES = str
    INTS = (int, long)  # noqa: F821 (Python 2 only)
    intern = intern  # noqa: F821 (Python 2 only)
    unichr = unichr  # noqa: F821 (Python 2 only)
else:
    TEXT = str
    BYTES = bytes
    INTS = (int,)
    intern = sys.intern
    unichr = chr

CODE = type(compile("", "", "exec"))
SLICE_NOTE = (
    "Hand-written: no local Python writes marshal version 5. Python 3.14's "
    "marshal.c writes TYPE_SLICE ':' (with FLAG_REF if shared) and then the "
    "start, stop and step objects."
)

SAMPLE_SOURCE = """\
def outer(a, b=2, *args, **kwargs):
    total = a + b
    def inner(c):
        return total + c
    return inner(len(args))

class Sample(object):
    def method(self):
        return [x * 2 for x in range(3)]
"""


def to_hex(data):
    return binascii.hexlify(data).decode("ascii")


def is_interned(s):
    """Whether a Python 2 str is interned (PyStringObject.ob_sstate)."""
    import ctypes

    return ctypes.c_int.from_address(id(s) + 32).value != 0


def check_interned_probe():
    if PY2:
        fresh = "".join(["not_", "interned"])
        if not is_interned(intern("probe_name")) or is_interned(fresh):
            raise SystemExit("ob_sstate is not where this script expects")


def set_order(value, version):
    """The order in which marshal writes the items of a set."""
    if sys.version_info >= (3, 11):
        # bpo-37596: sorted by their marshalled bytes, for reproducible .pyc
        return sorted(value, key=lambda item: marshal.dumps(item, version))
    return list(value)


def code_repr(value):
    """repr() without the memory addresses of code objects."""
    return re.sub(r" at 0x[0-9a-fA-F]+", "", repr(value))


def tag(value, version):
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, INTS):
        return {"int": str(value)}
    if isinstance(value, float):
        return {"float": repr(value)}
    if isinstance(value, complex):
        return {"complex": [repr(value.real), repr(value.imag)]}
    if isinstance(value, TEXT):
        return {"str": value}
    if isinstance(value, BYTES):
        tagged = {"bytes": to_hex(value)}
        if PY2 and version >= 1 and is_interned(value):
            tagged["interned"] = True
        return tagged
    if isinstance(value, tuple):
        return {"tuple": [tag(item, version) for item in value]}
    if isinstance(value, list):
        return {"list": [tag(item, version) for item in value]}
    if isinstance(value, dict):
        return {
            "dict": [[tag(k, version), tag(v, version)] for k, v in value.items()]
        }
    if isinstance(value, frozenset):
        return {"frozenset": [tag(x, version) for x in set_order(value, version)]}
    if isinstance(value, set):
        return {"set": [tag(x, version) for x in set_order(value, version)]}
    if isinstance(value, CODE):
        return {"code": code_repr(value)}
    if value is Ellipsis:
        return {"ellipsis": True}
    if value is StopIteration:
        return {"stopiteration": True}
    raise TypeError("cannot tag %r" % (value,))


def same(a, b):
    """Whether a marshal round trip kept the value (nan != nan)."""
    if isinstance(a, CODE):
        return code_repr(a) == code_repr(b)
    return a == b or repr(a) == repr(b)


def fresh_str(s):
    """An equal string that is a new, non-interned object."""
    return s[:1] + s[1:]


# Values for every Python; each entry is (group, value). Built by functions so
# that every case gets objects whose sharing and interning are as written.


def common_values():
    nan = float("nan")
    inf = float("inf")
    values = [
        ("singletons", None),
        ("singletons", True),
        ("singletons", False),
        ("singletons", Ellipsis),
        ("singletons", StopIteration),
        ("singletons", (None, True, False, Ellipsis, StopIteration)),
    ]
    ints = [0, 1, -1, 7, 255, 256, -256, 65535, 2**31 - 1, -(2**31)]
    values += [("small and 32-bit ints", x) for x in ints]
    longs = [
        2**31,
        -(2**31) - 1,
        2**32,
        -(2**32),
        2**45 - 1,
        2**45,
        -(2**45),
        2**53 - 1,
        -(2**53 - 1),
        2**53,
        2**53 + 1,
        -(2**53) - 1,
        2**62,
        2**63 - 1,
        -(2**63),
        2**63,
        2**64,
        -(2**64) - 1,
        10**100,
        -(10**300),
        2**1000,
        3**2000,
    ]
    values += [("ints beyond 32 bits", x) for x in longs]
    floats = [
        0.0,
        -0.0,
        0.1,
        1.5,
        -2.5,
        1.0 / 3,
        123456789.123,
        1e300,
        -1e300,
        1e-300,
        5e-324,
        1.7976931348623157e308,
        inf,
        -inf,
        nan,
    ]
    values += [("floats", x) for x in floats]
    complexes = [
        1 + 2j,
        -0.5j,
        complex(0.1, -0.2),
        complex(-0.0, -0.0),
        complex(1e300, 5e-324),
        complex(inf, nan),
        complex(-inf, 0),
    ]
    values += [("complex numbers", x) for x in complexes]
    values += [
        ("tuples", ()),
        ("tuples", (1,)),
        ("tuples", (1, 2.5, None)),
        ("tuples", ((1, (2, (3, ()))), ())),
        ("tuples", tuple(range(255))),
        ("tuples", tuple(range(256))),
        ("lists", []),
        ("lists", [1, 2.5, None]),
        ("lists", [[1], [2, [3, []]], ()]),
        ("lists", list(range(20))),
        ("dicts", {}),
        ("dicts", {1: 2}),
        ("dicts", {(1, 2): 3, None: [4], 5.5: {6: 7}, (): ()}),
        ("dicts", dict((i, -i) for i in range(20))),
        ("sets", set()),
        ("sets", frozenset()),
        ("sets", set([1, 2, 3])),
        ("sets", set([3, -1, 2**40, 10**30, 0.5])),
        ("sets", frozenset([1, (2, 3), 4.5])),
        ("sets", set([frozenset([1, 2]), frozenset()])),
        ("sets", [frozenset(range(20)), set(range(40))]),
    ]
    return values


def py3_values():
    values = []
    strings = [
        "",
        "a",
        "hello",
        "hello world, not interned",
        "x" * 255,
        "x" * 256,
        "y" * 300,
        "a\x00b",
        "\ufeffstarts with a byte order mark",
        "\x7f",
        "\x80\x9f\xff",
        "\xe9",
        "caf\xe9",
        "\u65e5\u672c\u8a9e",
        "\U0001f600",
        "\xe9" * 300,
    ]
    values += [("strings", fresh_str(s)) for s in strings]
    values += [
        ("lone surrogates", "\ud800"),
        ("lone surrogates", "\udcff"),
        ("lone surrogates", "a\udfffb\ud83d"),
        ("lone surrogates", "/tmp/\udce9t\udce9.py"),
    ]
    values += [
        ("interned strings", intern("interned_name")),
        ("interned strings", intern("caf\xe9_interned")),
        ("interned strings", intern("i" * 300)),
        ("interned strings", intern("")),
        ("bytes", b""),
        ("bytes", b"\x00\xff"),
        ("bytes", bytes(bytearray(range(256)))),
        ("bytes", b"x" * 300),
    ]
    values += [
        ("dicts", {"a": 1, "b": [1, 2], "\xe9": b"\xe9"}),
        ("dicts", {("a.py", 1, "f"): (1, 2, 0.5, 0.25, {("b.py", 2, "g"): (1, 1, 0.1, 0.1)})}),
        ("sets", set(["a", "b", "c", "d", "e"])),
        ("sets", frozenset(["\xe9", b"\xe9", "z"])),
    ]
    return values


def shared_values():
    """Values whose objects appear twice, for FLAG_REF and 'r'."""
    pair = (1, "two")
    text = fresh_str("a shared string")
    name = intern("shared_name")
    inner = [1, 2]
    frozen = frozenset([1, 2])
    big = 2**100
    real = 0.1 + 0.2
    cplx = complex(1.5, -2.5)
    blob = b"shared bytes"
    table = {"k": 1}
    code = compile("x = 1", "shared.py", "exec")
    values = [
        (pair, pair),
        (text, text, text),
        [name, name, fresh_str("shared_name"), name],
        [inner, inner],
        (frozen, (frozen,)),
        (big, big),
        (real, real),
        (cplx, cplx),
        (blob, blob),
        [table, table],
        (code, code),
        {pair: pair, "x": (pair, text)},
    ]
    return [("shared objects and references", v) for v in values]


def py2_values():
    values = []
    strs = [
        "",
        "a",
        "abc",
        fresh_str("hello world, not interned"),
        fresh_str("x" * 300),
        "\x00\xff\x80",
        fresh_str("caf\xc3\xa9"),
    ]
    values += [("Python 2 str and unicode", s) for s in strs]
    unicodes = [
        u"",
        u"a",
        u"hello",
        u"\ufeffbom",
        u"caf\xe9",
        u"\u65e5\u672c\u8a9e",
        u"\U0001f600",
        u"\ud800",
        u"a\udfffb",
        u"\xe9" * 300,
    ]
    values += [("Python 2 str and unicode", s) for s in unicodes]
    spam = intern("spam")
    eggs = intern("eggs")
    utf8 = intern("caf\xc3\xa9")
    values += [
        ("Python 2 interned strings", spam),
        ("Python 2 interned strings", utf8),
        ("Python 2 interned strings", [spam, spam, eggs, spam, eggs]),
        ("Python 2 interned strings", (utf8, (utf8, fresh_str("spam")), spam)),
        ("Python 2 interned strings", {spam: eggs, eggs: spam, "": ""}),
    ]
    ints = [
        2**31,
        -(2**31) - 1,
        2**32,
        2**62,
        sys.maxint,  # noqa: F821 (Python 2 only)
        -sys.maxint - 1,  # noqa: F821 (Python 2 only)
    ]
    values += [("Python 2 int64", x) for x in ints]
    longs = [long(0), long(5), long(-5), long(2**31), 2**63, -(2**63) - 1, 2**200]  # noqa: F821
    values += [("Python 2 longs", x) for x in longs]
    values += [
        ("dicts", {"a": 1, "b": [1, 2], u"\xe9": "\xe9"}),
        ("dicts", {("a.py", 1, "f"): (1, 2, 0.5, 0.25, {("b.py", 2, "g"): (1, 1, 0.1, 0.1)})}),
        ("sets", set(["a", "b", "c", "d", "e"])),
        ("sets", frozenset([u"\xe9", "\xc3\xa9", "z"])),
    ]
    return values


def code_values():
    namespace = {}
    exec(compile(SAMPLE_SOURCE, "workload.py", "exec"), namespace)
    values = [
        compile("x = 1", "f.py", "exec"),
        compile(SAMPLE_SOURCE, "workload.py", "exec"),
        namespace["outer"].__code__,
        namespace["Sample"].method.__code__,
        # A non-ASCII file name: UTF-8 bytes in Python 2, text in Python 3.
        compile("pass", "/d/\xc3\xa9t\xc3\xa9.py" if PY2 else "/d/\xe9t\xe9.py", "exec"),
    ]
    return [("code objects", v) for v in values]


def many_code_values():
    """A module of 600 functions, in the newest marshal version only.

    Many code objects in one stream: a decoder that guesses the code layout
    must not give up after a fixed number of wrong guesses.
    """
    if sys.version_info[:2] not in ((2, 7), (3, 7)):
        return []
    source = "\n".join("def f%d(): return %d" % (i, i) for i in range(600))
    return [("code objects", compile(source, "many.py", "exec"))]


def check_set_order():
    """set_order() must match what marshal writes (version 0 has no refs)."""
    items = set(fresh_str(c * 3) for c in "abcdefghij")
    data = marshal.dumps(items, 0)
    body = b"".join(marshal.dumps(x, 0) for x in set_order(items, 0))
    if data[5:] != body:
        raise SystemExit("marshal wrote the set in another order")


def worker(kind):
    check_interned_probe()
    check_set_order()
    python = "%d.%d.%d" % sys.version_info[:3]
    values = []
    if kind in ("full", "core"):
        values += common_values()
        values += py2_values() if PY2 else py3_values()
        if not PY2:
            values += shared_values()
    values += code_values()
    cases = []
    for version in range(marshal.version + 1):
        if version == marshal.version:
            values += many_code_values()
        for group, value in values:
            data = marshal.dumps(value, version)
            if kind == "core" and group != "code objects" and len(data) > 512:
                continue
            if not same(marshal.loads(data), value):
                raise SystemExit("round trip failed for %r" % (value,))
            cases.append(
                {
                    "group": group,
                    "python": python,
                    "version": version,
                    "repr": code_repr(value),
                    "hex": to_hex(data),
                    "expected": tag(value, version),
                }
            )
    if PY2:
        check_py2_strings(cases)
    json.dump(cases, sys.stdout)


def check_py2_strings(cases):
    """Python 2 must have written 't', 'R' and 'I' where they are tested."""
    interned = "".join(
        c["hex"]
        for c in cases
        if c["version"] >= 1 and c["group"] == "Python 2 interned strings"
    )
    codes = set(interned[i : i + 2] for i in range(0, len(interned), 2))
    int64 = [c["hex"][:2] for c in cases if c["group"] == "Python 2 int64"]
    if "74" not in codes or "52" not in codes or set(int64) != set(["49"]):
        raise SystemExit("Python 2 wrote no 't', 'R' or 'I'")


def hand_written():
    def i32(n):
        return "69" + to_hex(bytearray([n & 0xFF, n >> 8 & 0xFF, n >> 16 & 0xFF, n >> 24 & 0xFF]))

    def case(hex_, expected, repr_):
        return {
            "group": "slices",
            "python": "3.14 (hand-written)",
            "version": 5,
            "repr": repr_,
            "hex": hex_,
            "expected": expected,
            "note": SLICE_NOTE,
        }

    one, two, three = ({"int": str(n)} for n in (1, 2, 3))
    return [
        case("3a" + i32(1) + i32(2) + i32(3), {"slice": [one, two, three]}, "slice(1, 2, 3)"),
        case("3a4e" + i32(5) + "4e", {"slice": [None, {"int": "5"}, None]}, "slice(None, 5, None)"),
        # A shared slice: FLAG_REF on the first, then 'r' to reference 1 (the
        # tuple is reference 0).
        case(
            "a902ba" + i32(1) + i32(2) + "4e" + "7201000000",
            {"tuple": [{"slice": [one, two, None]}, {"slice": [one, two, None]}]},
            "(slice(1, 2, None), slice(1, 2, None))",
        ),
    ]


def pyenv_root():
    root = os.environ.get("PYENV_ROOT")
    if root:
        return root
    return subprocess.check_output(["pyenv", "root"]).decode().strip()


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        worker(sys.argv[2])
        return
    if sys.version_info[:2] != (3, 13):
        raise SystemExit("run this with Python 3.13")
    root = pyenv_root()
    cases = []
    for version, kind in PYTHONS:
        python = os.path.join(root, "versions", version, "bin", "python")
        # A fixed hash seed keeps the order of sets and dicts, and so the
        # file, the same from run to run.
        env = dict(os.environ, PYTHONHASHSEED="0")
        out = subprocess.check_output([python, __file__, "--worker", kind], env=env)
        cases += json.loads(out.decode("utf-8"))
    cases += hand_written()
    keys = ["group", "python", "version", "repr", "hex", "expected", "note"]
    cases = [dict((k, case[k]) for k in keys if k in case) for case in cases]
    with open(OUTPUT, "w") as f:
        f.write("[\n")
        f.write(",\n".join(json.dumps(case) for case in cases))
        f.write("\n]\n")
    print("wrote %d cases to %s" % (len(cases), OUTPUT))


if __name__ == "__main__":
    main()
