import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertLess,
  assertStrictEquals,
  equal,
} from "@std/assert";
import {
  decodeMarshal,
  MarshalCode,
  MarshalComplex,
  MarshalDict,
  MarshalList,
  MarshalSet,
  MarshalSingleton,
  MarshalSlice,
  type MarshalValue,
  MAX_DEPTH,
} from "../lib/marshal.ts";
import { fixturePath } from "./_fixtures.ts";
import { concat, i32 } from "./_marshal_writer.ts";
import { random } from "./_random.ts";

/**
 * One value marshalled by a real Python, from
 * `scripts/make_marshal_cases.py`; `expected` is the value as that Python
 * read it, tagged so that JSON can hold it (see the script).
 */
interface _Case {
  group: string;
  python: string;
  version: number;
  repr: string;
  hex: string;
  expected: unknown;
  note?: string;
}

const _CASES: _Case[] = JSON.parse(
  await Deno.readTextFile(
    fixturePath("marshal_cases.json"),
  ),
);

/** Every group the fixture must hold, and what its test says it reads. */
const _GROUPS: Record<string, string> = {
  "singletons": "None, True, False, Ellipsis and StopIteration",
  "small and 32-bit ints": "ints up to the 32-bit edges",
  "ints beyond 32 bits": "longs beyond 32 bits and 2**53 as exact values",
  "floats": "binary and text floats bit for bit",
  "complex numbers": "binary and text complex numbers",
  "strings": "ASCII, short, long and non-ASCII strings",
  "lone surrogates": "strings with lone surrogates",
  "interned strings": "interned strings",
  "bytes": "bytes",
  "tuples": "small, large and nested tuples",
  "lists": "lists",
  "dicts": "dicts in the order they were written",
  "sets": "sets and frozensets in the order they were written",
  "shared objects and references": "shared objects through FLAG_REF and 'r'",
  "code objects": "code objects of every Python layout",
  "Python 2 str and unicode": "Python 2 str as bytes and unicode as text",
  "Python 2 interned strings": "Python 2 interned strings and 'R' references",
  "Python 2 int64": "Python 2 int64 ('I') values",
  "Python 2 longs": "Python 2 longs",
  "slices": "marshal version 5 slices",
};

function _hex(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) {
    bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  }
  return bytes;
}

function _toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function _repeat(unit: Uint8Array, times: number, tail: Uint8Array) {
  const out = new Uint8Array(unit.length * times + tail.length);
  for (let i = 0; i < times; i++) out.set(unit, i * unit.length);
  out.set(tail, unit.length * times);
  return out;
}

function _record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? value as Record<string, unknown>
    : {};
}

function _array(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Python's float repr as a number. */
function _pyFloat(repr: unknown): number {
  if (repr === "inf") return Infinity;
  if (repr === "-inf") return -Infinity;
  if (repr === "nan") return NaN;
  return Number(repr);
}

/**
 * A decoded float as its Python repr if it is exactly the expected value
 * (`Object.is` tells -0.0 from 0.0 and takes NaN as NaN), else as JS sees it.
 */
function _float(actual: number | bigint, repr: unknown): string {
  if (typeof actual === "number" && Object.is(actual, _pyFloat(repr))) {
    return String(repr);
  }
  return `${typeof actual} ${String(actual)}`;
}

/** A decoded int as a decimal string, flagging the wrong JS type. */
function _int(actual: number | bigint): string {
  if (typeof actual === "bigint") {
    return actual >= BigInt(Number.MIN_SAFE_INTEGER) &&
        actual <= BigInt(Number.MAX_SAFE_INTEGER)
      ? `bigint ${actual} should be a number`
      : String(actual);
  }
  return Number.isSafeInteger(actual) && !Object.is(actual, -0)
    ? String(actual)
    : `number ${actual} is not a safe integer`;
}

/**
 * The decoded value in the fixture's tagged form. Ints and floats are both
 * JS numbers, so the expected value says which one to compare with.
 */
function _tag(actual: MarshalValue, expected: unknown): unknown {
  const want = _record(expected);
  const items = (values: MarshalValue[], wanted: unknown) =>
    values.map((value, i) => _tag(value, _array(wanted)[i]));
  if (actual === null || typeof actual === "boolean") return actual;
  if (typeof actual === "number" || typeof actual === "bigint") {
    return "float" in want
      ? { float: _float(actual, want.float) }
      : { int: _int(actual) };
  }
  if (typeof actual === "string") {
    // Python 2 interned str: the decoder reads it as text, as Python 3 wrote
    // interned text with the same type code.
    return want.interned === true
      ? { bytes: _toHex(new TextEncoder().encode(actual)), interned: true }
      : { str: actual };
  }
  if (actual instanceof Uint8Array) return { bytes: _toHex(actual) };
  if (Array.isArray(actual)) return { tuple: items(actual, want.tuple) };
  if (actual instanceof MarshalList) {
    return { list: items(actual.items, want.list) };
  }
  if (actual instanceof MarshalDict) {
    const pairs = _array(want.dict);
    return {
      dict: actual.keys.map((key, i) => {
        const pair = _array(pairs[i]);
        return [_tag(key, pair[0]), _tag(actual.values[i]!, pair[1])];
      }),
    };
  }
  if (actual instanceof MarshalSet) {
    return actual.frozen
      ? { frozenset: items(actual.items, want.frozenset) }
      : { set: items(actual.items, want.set) };
  }
  if (actual instanceof MarshalComplex) {
    const parts = _array(want.complex);
    return {
      complex: [_float(actual.real, parts[0]), _float(actual.imag, parts[1])],
    };
  }
  if (actual instanceof MarshalCode) return { code: actual.toString() };
  if (actual instanceof MarshalSlice) {
    return {
      slice: items([actual.start, actual.stop, actual.step], want.slice),
    };
  }
  return actual.name === "Ellipsis"
    ? { ellipsis: true }
    : { stopiteration: true };
}

function _json(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 300 ? `${text.slice(0, 300)}...` : text;
}

function _describe(c: _Case): string {
  const repr = c.repr.length > 70 ? `${c.repr.slice(0, 70)}...` : c.repr;
  return `Python ${c.python}, marshal version ${c.version}: ${repr}`;
}

function _find(python: string, version: number, repr: string): _Case {
  const found = _CASES.find((c) =>
    c.python === python && c.version === version && c.repr === repr
  );
  if (found === undefined) throw new Error(`No case ${python} ${repr}`);
  return found;
}

/**
 * Asserts that `fn` throws a `SyntaxError` or `RangeError` whose message
 * gives a byte offset, and returns the error and the offset.
 */
function _throws(fn: () => unknown): { error: Error; offset: number } {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  if (!(thrown instanceof SyntaxError || thrown instanceof RangeError)) {
    throw new Error(`Expected a SyntaxError or RangeError, got ${thrown}`, {
      cause: thrown,
    });
  }
  const match = /at byte (\d+)/.exec(thrown.message);
  if (match === null) {
    throw new Error(`No byte offset in "${thrown.message}"`);
  }
  return { error: thrown, offset: Number(match[1]) };
}

/** Asserts the error class, the offset and part of the message. */
function _throwsAt(
  fn: () => unknown,
  errorClass: typeof SyntaxError | typeof RangeError,
  offset: number,
  includes: string,
): void {
  const { error, offset: at } = _throws(fn);
  assertInstanceOf(error, errorClass, error.message);
  assertEquals(at, offset, error.message);
  assert(
    error.message.includes(includes),
    `"${error.message}" should include "${includes}"`,
  );
}

/** The value as an instance of `type`, or an error (narrows the type). */
function _as<T>(value: unknown, type: abstract new (...args: never[]) => T): T {
  if (!(value instanceof type)) {
    throw new Error(`Expected a ${type.name}, got ${String(value)}`);
  }
  return value;
}

/** The value as a tuple, or an error (narrows the type). */
function _tuple(value: MarshalValue): MarshalValue[] {
  if (!Array.isArray(value)) throw new Error(`Expected a tuple: ${value}`);
  return value;
}

Deno.test("marshal_cases.json holds every group, Python and version", () => {
  assertEquals(
    [...new Set(_CASES.map((c) => c.group))].sort(),
    Object.keys(_GROUPS).sort(),
  );
  const pythons = new Set(
    _CASES.filter((c) => c.group === "code objects").map((c) =>
      c.python.split(".").slice(0, 2).join(".")
    ),
  );
  assertEquals([...pythons].sort(), [
    "2.7",
    "3.10",
    "3.11",
    "3.12",
    "3.13",
    "3.6",
    "3.7",
    "3.8",
    "3.9",
  ]);
  const versions = new Set(
    _CASES.filter((c) => c.python === "3.13.0").map((c) => c.version),
  );
  assertEquals([...versions].sort(), [0, 1, 2, 3, 4]);
});

for (const [group, description] of Object.entries(_GROUPS)) {
  Deno.test(`decodeMarshal() reads ${description}`, () => {
    const cases = _CASES.filter((c) => c.group === group);
    assert(cases.length > 0);
    const failures: string[] = [];
    for (const c of cases) {
      let actual: unknown;
      try {
        actual = _tag(decodeMarshal(_hex(c.hex)), c.expected);
      } catch (error) {
        actual = error instanceof Error ? error.message : String(error);
      }
      if (!equal(actual, c.expected)) {
        failures.push(`${_describe(c)}: got ${_json(actual)}`);
      }
    }
    assertEquals(failures, [], `${failures.length} of ${cases.length} failed`);
  });
}

Deno.test("decodeMarshal() returns the same object for each reference", () => {
  const pair = _tuple(
    decodeMarshal(_hex(_find("3.13.0", 4, "((1, 'two'), (1, 'two'))").hex)),
  );
  assertStrictEquals(pair[0], pair[1]);
  const lists = _as(
    decodeMarshal(_hex(_find("3.13.0", 4, "[[1, 2], [1, 2]]").hex)),
    MarshalList,
  );
  assertInstanceOf(lists.items[0], MarshalList);
  assertStrictEquals(lists.items[0], lists.items[1]);
  // marshal.dumps({"k": t, "j": t}) with t = [1]
  const dict = _as(
    decodeMarshal(_hex("fbda016bdb01000000e901000000da016a720200000030")),
    MarshalDict,
  );
  assertEquals(dict.keys, ["k", "j"]);
  assertStrictEquals(dict.values[0], dict.values[1]);
});

Deno.test("decodeMarshal() reads a list that contains itself", () => {
  // l = []; l.append(l); marshal.dumps(l)
  const list = _as(decodeMarshal(_hex("db010000007200000000")), MarshalList);
  assertStrictEquals(list.items[0], list);
  // A tuple may refer to itself too, as CPython allows: ((...),)
  const tuple = _tuple(decodeMarshal(concat(0xa9, 1, "r", i32(0))));
  assertStrictEquals(tuple[0], tuple);
});

Deno.test("decodeMarshal() reads thousands of code objects in one stream", () => {
  // The decoder guesses the code layout of 2.7, 3.0-3.7 and 3.8-3.10 only
  // after trying the 3.11 one; it must not give up after a fixed number of
  // wrong guesses. Version 2 has no references, so copies of one code
  // object are independent of one another.
  for (const python of ["2.7.18", "3.7.16", "3.9.18"]) {
    const code = _find(
      python,
      2,
      '<code object <module>, file "f.py", line 1>',
    );
    const copies = 3000;
    const bytes = concat(
      concat("(", i32(copies)),
      _repeat(_hex(code.hex), copies, new Uint8Array()),
    );
    const value = _tuple(decodeMarshal(bytes));
    assertEquals(value.length, copies);
    assertEquals(String(value[copies - 1]), String(value[0]));
    assertInstanceOf(value[0], MarshalCode);
  }
});

Deno.test("decodeMarshal() keeps surrogates and escapes invalid UTF-8 bytes", () => {
  // CPython raises on invalid UTF-8 in 'u'; a Python 2 interned str ('t')
  // may hold any bytes. Each invalid byte becomes U+DC80..U+DCFF, as
  // Python's bytes.decode("utf-8", "surrogateescape") gives (checked with
  // Python 3.11), so different bytes never read the same.
  const text = (...parts: (number | number[] | string)[]) =>
    decodeMarshal(
      concat(
        concat("u", i32(concat(...parts).length)),
        concat(...parts),
      ),
    );
  assertEquals(text(0xc3, "("), "\udcc3(");
  assertEquals(text(0xed, 0xa0, 0x80, 0xff), "\ud800\udcff");
  assertEquals(text(0xef, 0xbb, 0xbf, 0xef, 0xbf, 0xbd), "\ufeff\ufffd");
  assertEquals(text(0xc0, 0x80), "\udcc0\udc80");
  assertEquals(text(0xf4, 0x90, 0x80, 0x80), "\udcf4\udc90\udc80\udc80");
  assertEquals(text(0xf0, 0x9f, 0x98), "\udcf0\udc9f\udc98");
  assertEquals(decodeMarshal(concat("t", i32(1), 0xe9)), "\udce9");
  // Valid UTF-8 reads as TextDecoder reads it; anything else reads back to
  // the same bytes, so no two byte strings give the same text.
  const next = random(7);
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true, fatal: true });
  for (let n = 0; n < 2000; n++) {
    const bytes = Uint8Array.from(
      { length: Math.floor(next() * 12) },
      () =>
        [0xc3, 0xe2, 0xf0, 0xf4, 0x80, 0xbf, 0x9f, 0x41][
          Math.floor(next() * 8)
        ]! ^ (next() < 0.2 ? Math.floor(next() * 64) : 0),
    ).filter((b) => b !== 0xed);
    const read = text([...bytes]);
    let valid: string | undefined;
    try {
      valid = decoder.decode(bytes);
    } catch {
      valid = undefined;
    }
    if (valid !== undefined) assertEquals(read, valid, _toHex(bytes));
    assertEquals(_surrogateEscape(read as string), bytes, _toHex(bytes));
  }
});

/** Encodes text as Python's `str.encode("utf-8", "surrogateescape")`. */
function _surrogateEscape(text: string): Uint8Array {
  const out: number[] = [];
  const encoder = new TextEncoder();
  for (const char of text) {
    const c = char.charCodeAt(0);
    if (char.length === 1 && c >= 0xdc80 && c <= 0xdcff) out.push(c - 0xdc00);
    else out.push(...encoder.encode(char));
  }
  return Uint8Array.from(out);
}

Deno.test("decodeMarshal() tells Ellipsis from StopIteration", () => {
  const ellipsis = _as(decodeMarshal(concat(".")), MarshalSingleton);
  const stop = _as(decodeMarshal(concat("S")), MarshalSingleton);
  assertEquals([ellipsis.name, stop.name], ["Ellipsis", "StopIteration"]);
});

Deno.test("decodeMarshal() rejects empty input", () => {
  _throwsAt(() => decodeMarshal(new Uint8Array()), SyntaxError, 0, "Truncated");
});

Deno.test("decodeMarshal() rejects unknown type codes", () => {
  _throwsAt(() => decodeMarshal(concat(0x01)), SyntaxError, 0, "0x01");
  _throwsAt(() => decodeMarshal(concat("Q")), SyntaxError, 0, "'Q'");
  _throwsAt(
    () => decodeMarshal(concat(")", 2, "N", 0xff)),
    SyntaxError,
    3,
    "0xff",
  );
  _throwsAt(() => decodeMarshal(concat("{", "N", "?")), SyntaxError, 2, "'?'");
});

Deno.test("decodeMarshal() rejects values cut short", () => {
  const cases: [string, Uint8Array, number][] = [
    ["int", concat("i", 1, 0), 1],
    ["int64", concat("I", i32(1), 0), 1],
    ["binary float", concat("g", 0, 0, 0), 1],
    ["text float", concat("f", 5, "1.5"), 2],
    ["binary complex", concat("y", [0, 0, 0, 0, 0, 0, 0xf0, 0x3f], 0, 0), 9],
    ["text complex", concat("x", 3, "1.5", 3), 6],
    ["short string", concat("z", 5, "ab"), 2],
    ["string length", concat("u", 1, 0), 1],
    ["tuple", concat(")", 3, "N", "N"), 4],
    ["tuple length", concat("(", 1, 0, 0), 1],
    ["list", concat("[", i32(2), "i", i32(1)), 10],
    ["dict", concat("{", "N", "i", i32(1), "N"), 8],
    ["dict value", concat("{", "N"), 2],
    ["set", concat("<", i32(2), "i", i32(1)), 10],
    ["long digits", concat("l", i32(2), 1, 0), 1],
    ["long size", concat("l", 2, 0), 1],
    ["reference", concat("r", 0, 0), 1],
    ["slice", concat(":", "N", "N"), 3],
  ];
  for (const [what, bytes, offset] of cases) {
    const { offset: at } = _throws(() => decodeMarshal(bytes));
    assertEquals(at, offset, what);
  }
});

Deno.test("decodeMarshal() rejects code objects cut short", () => {
  for (const python of ["2.7.18", "3.6.15", "3.8.18", "3.13.0"]) {
    const bytes = _hex(
      _find(python, 2, '<code object <module>, file "f.py", line 1>').hex,
    );
    for (const end of [1, 10, 30, bytes.length - 1]) {
      _throwsAt(
        () => decodeMarshal(bytes.subarray(0, end)),
        SyntaxError,
        0,
        "Invalid code object",
      );
    }
  }
});

Deno.test("decodeMarshal() rejects every truncation of real data", () => {
  const seen = new Set<string>();
  for (const c of _CASES) {
    if (seen.has(c.hex)) continue;
    seen.add(c.hex);
    const bytes = _hex(c.hex);
    const step = Math.max(1, Math.floor(bytes.length / 50));
    for (let end = 0; end < bytes.length; end += step) {
      const { offset } = _throws(() => decodeMarshal(bytes.subarray(0, end)));
      assert(offset <= end, `${_describe(c)} cut at ${end}: offset ${offset}`);
    }
  }
});

Deno.test("decodeMarshal() rejects negative and absurd lengths quickly", () => {
  const huge = 2 ** 31 - 1;
  const start = performance.now();
  const cases: [Uint8Array, number][] = [
    [concat("u", i32(huge), "0123456789"), 1],
    [concat("a", i32(huge), "0123456789"), 1],
    [concat("s", i32(huge), "0123456789"), 1],
    [concat("t", i32(huge), "0123456789"), 1],
    [concat("(", i32(huge), "NNNNNNNNNN"), 1],
    [concat("[", i32(huge), "NNNNNNNNNN"), 1],
    [concat("<", i32(huge), "NNNNNNNNNN"), 1],
    [concat(">", i32(huge), "NNNNNNNNNN"), 1],
    [concat("l", i32(huge), "0123456789"), 1],
    [concat("l", i32(-huge - 1), "0123456789"), 1],
    [concat("(", i32(-1)), 1],
    [concat("u", i32(-5), "abc"), 1],
    [concat(")", 2, "a", i32(-1)), 3],
  ];
  for (const [bytes, offset] of cases) {
    _throwsAt(() => decodeMarshal(bytes), RangeError, offset, "Invalid length");
  }
  assertLess(performance.now() - start, 500);
});

Deno.test("decodeMarshal() rejects dangling references", () => {
  _throwsAt(
    () => decodeMarshal(concat("r", i32(0))),
    SyntaxError,
    0,
    "Invalid reference",
  );
  _throwsAt(
    () => decodeMarshal(concat(")", 2, 0xe9, i32(7), "r", i32(1))),
    SyntaxError,
    7,
    "Invalid reference",
  );
  _throwsAt(
    () => decodeMarshal(concat(")", 1, "r", i32(-1))),
    SyntaxError,
    2,
    "Invalid reference",
  );
  // A frozenset and a code object only get their reference when finished.
  _throwsAt(
    () => decodeMarshal(concat(0xbe, i32(1), "r", i32(0))),
    SyntaxError,
    5,
    "Invalid reference",
  );
  _throwsAt(
    () => decodeMarshal(concat(0xba, "r", i32(0), "N", "N")),
    SyntaxError,
    1,
    "Invalid reference",
  );
  // Python 2 string references count interned strings only.
  _throwsAt(
    () => decodeMarshal(concat("(", i32(2), "t", i32(1), "a", "R", i32(1))),
    SyntaxError,
    11,
    "Invalid string reference",
  );
});

Deno.test("decodeMarshal() rejects invalid long digits", () => {
  _throwsAt(
    () => decodeMarshal(concat("l", i32(1), 0x00, 0x80)),
    SyntaxError,
    0,
    "digit 32768 is out of range",
  );
  _throwsAt(
    () => decodeMarshal(concat("l", i32(-2), 1, 0, 0, 0)),
    SyntaxError,
    0,
    "unnormalized",
  );
  assertEquals(decodeMarshal(concat("l", i32(0))), 0);
  assertEquals(decodeMarshal(concat("l", i32(-1), 5, 0)), -5);
});

Deno.test("decodeMarshal() rejects NULL where a value must be", () => {
  _throwsAt(() => decodeMarshal(concat("0")), SyntaxError, 0, "NULL");
  _throwsAt(
    () => decodeMarshal(concat(")", 2, "N", "0")),
    SyntaxError,
    3,
    "NULL inside the tuple at byte 0",
  );
  _throwsAt(
    () => decodeMarshal(concat("[", i32(1), "0")),
    SyntaxError,
    5,
    "NULL inside the list",
  );
});

Deno.test("decodeMarshal() ends a dict at a NULL value, as CPython does", () => {
  // marshal.loads(b"{N0") == {} and b"{i\1\0\0\0i\2\0\0\0N0" == {1: 2}
  const empty = _as(decodeMarshal(concat("{", "N", "0")), MarshalDict);
  assertEquals(empty.keys, []);
  const one = _as(
    decodeMarshal(concat("{", "i", i32(1), "i", i32(2), "N", "0")),
    MarshalDict,
  );
  assertEquals([one.keys, one.values], [[1], [2]]);
});

Deno.test("decodeMarshal() rejects deep nesting quickly", () => {
  const depth = 500_000;
  const cases: [string, Uint8Array, number][] = [
    ["tuples", _repeat(concat(")", 1), depth, concat("N")), 2 * MAX_DEPTH],
    ["lists", _repeat(concat("[", i32(1)), depth, concat("N")), 5 * MAX_DEPTH],
    ["dict keys", _repeat(concat("{"), depth, concat("N")), MAX_DEPTH],
    [
      "frozensets",
      _repeat(concat(">", i32(1)), depth, concat("N")),
      5 * MAX_DEPTH,
    ],
    [
      "slices",
      _repeat(concat(":"), depth, concat("NNN")),
      MAX_DEPTH,
    ],
    [
      "a code object",
      concat(
        concat("c", i32(0), i32(0), i32(0), i32(0), i32(0)),
        _repeat(concat(")", 1), depth, concat("N")),
      ),
      21 + 2 * (MAX_DEPTH - 1),
    ],
  ];
  for (const [what, bytes, offset] of cases) {
    const start = performance.now();
    const { error, offset: at } = _throws(() => decodeMarshal(bytes));
    assertInstanceOf(error, RangeError, `${what}: ${error.message}`);
    assert(error.message.startsWith("Nesting too deep"), error.message);
    assertEquals(at, offset, what);
    assertLess(performance.now() - start, 1000, what);
  }
});

Deno.test("decodeMarshal() nests as deep as CPython does", () => {
  // CPython 3.13 reads 1999 nested tuples around None, not 2000.
  _tuple(decodeMarshal(_repeat(concat(")", 1), MAX_DEPTH - 1, concat("N"))));
  _throwsAt(
    () => decodeMarshal(_repeat(concat(")", 1), MAX_DEPTH, concat("N"))),
    RangeError,
    2 * MAX_DEPTH,
    "Nesting too deep",
  );
});

Deno.test("decodeMarshal() rejects trailing bytes unless allowed", () => {
  _throwsAt(
    () => decodeMarshal(concat("N", "N", "N")),
    SyntaxError,
    1,
    "2 bytes follow",
  );
  assertEquals(
    decodeMarshal(concat("N", "N"), { allowTrailingData: true }),
    null,
  );
  assertEquals(
    decodeMarshal(concat("i", i32(-2), "garbage"), {
      allowTrailingData: true,
    }),
    -2,
  );
});

Deno.test("decodeMarshal() rejects invalid float text", () => {
  _throwsAt(
    () => decodeMarshal(concat("f", 3, "1x5")),
    SyntaxError,
    2,
    '"1x5"',
  );
  assertEquals(decodeMarshal(concat("f", 4, "-inf")), -Infinity);
  assert(Object.is(decodeMarshal(concat("f", 2, "-0")), -0));
});

Deno.test("decodeMarshal() reads ASCII strings as Latin-1, like CPython", () => {
  // CPython 3.13: marshal.loads(b'a\x03\x00\x00\x00\x80\x9f\xff') == '\x80\x9f\xff'
  const long = new Uint8Array(40).fill(0x80);
  assertEquals(
    decodeMarshal(concat(concat("a", i32(40)), long)),
    "\x80".repeat(40),
  );
  assertEquals(decodeMarshal(concat("z", 3, 0x80, 0x9f, 0xff)), "\x80\x9f\xff");
});

Deno.test("decodeMarshal() throws only SyntaxError or RangeError on garbage", () => {
  const next = random(0x5eed);
  const codes = "0NFTS.iIlgfyxzZaAutRsr)([<>{c:";
  const start = performance.now();
  for (let n = 0; n < 20_000; n++) {
    const length = Math.floor(next() * 48);
    const bytes = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      const r = next();
      bytes[i] = r < 0.5
        ? codes.charCodeAt(Math.floor(next() * codes.length)) |
          (next() < 0.2 ? 0x80 : 0)
        : r < 0.8
        ? Math.floor(next() * 4)
        : Math.floor(next() * 256);
    }
    try {
      decodeMarshal(bytes);
    } catch {
      _throws(() => decodeMarshal(bytes));
    }
  }
  assertLess(performance.now() - start, 10_000);
});

Deno.test("decodeMarshal() throws only SyntaxError or RangeError on damaged real data", () => {
  const next = random(42);
  const seen = new Set<string>();
  let slowest = 0;
  for (const c of _CASES) {
    if (seen.has(c.hex) || c.hex.length > 4000) continue;
    seen.add(c.hex);
    const original = _hex(c.hex);
    for (let n = 0; n < 10; n++) {
      const bytes = original.slice();
      const changes = 1 + Math.floor(next() * 3);
      for (let k = 0; k < changes; k++) {
        const i = Math.floor(next() * bytes.length);
        bytes[i] = next() < 0.5
          ? Math.floor(next() * 256)
          : bytes[i]! ^ (1 << Math.floor(next() * 8));
      }
      const start = performance.now();
      try {
        decodeMarshal(bytes);
      } catch {
        _throws(() => decodeMarshal(bytes));
      }
      slowest = Math.max(slowest, performance.now() - start);
    }
  }
  assertLess(slowest, 1000);
});

Deno.test("decodeMarshal() reports progress through a big outer dict", () => {
  const entries = 20_000;
  const parts: number[] = [0x7b];
  for (let i = 0; i < entries; i++) {
    parts.push(0x69, ...i32(i), 0x69, ...i32(-i));
  }
  parts.push(0x30);
  const bytes = Uint8Array.from(parts);
  const calls: [number, number][] = [];
  const dict = _as(
    decodeMarshal(bytes, {
      onProgress: (count, offset) => calls.push([count, offset]),
    }),
    MarshalDict,
  );
  assertEquals(dict.keys.length, entries);
  assert(calls.length >= 2, `${calls.length} calls`);
  for (let i = 1; i < calls.length; i++) {
    assertLess(calls[i - 1]![0], calls[i]![0]);
    assertLess(calls[i - 1]![1], calls[i]![1]);
  }
  assertEquals(calls.at(-1), [entries, bytes.length]);
  // Inner dicts do not report.
  const inner: number[] = [];
  decodeMarshal(concat(concat(")", 1), bytes), {
    onProgress: (count) => inner.push(count),
  });
  assertEquals(inner, []);
});
