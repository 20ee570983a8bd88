/**
 * Hand-built marshal data of Pythons that are not installed here, after
 * CPython's own sources: 3.14's `Python/marshal.c` (marshal version 5:
 * `slice` constants, type code `:`, which 3.14 folds into code objects; code
 * objects written field for field as since 3.11) and 3.15's (version 6:
 * `frozendict`, type code `}`, read like a dict and, like a frozenset,
 * referable only once finished: CPython gh-144757, gh-148698, gh-155316),
 * and the key that `python -m profile -o` stores for the profiled script:
 * `("profile", 0, code)`, whose constants may hold those values.
 */
import {
  assertEquals,
  assertInstanceOf,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import {
  decodeMarshal,
  MarshalCode,
  MarshalDict,
  MarshalFrozenDict,
  MarshalList,
} from "../lib/marshal.ts";
import { readPstats } from "../lib/pstats/read.ts";
import { concat, i32 } from "./_marshal_writer.ts";

/** The value as an instance of `type`, or an error (narrows the type). */
function as<T>(value: unknown, type: abstract new (...args: never[]) => T): T {
  if (!(value instanceof type)) {
    throw new Error(`Expected a ${type.name}, got ${String(value)}`);
  }
  return value;
}

/** A little-endian IEEE double. */
function f64(x: number): number[] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x, true);
  return [...new Uint8Array(view.buffer)];
}

/** A short ASCII string ('z'). */
function z(s: string): number[] {
  return [...concat("z", s.length, s)];
}

/** Python bytes ('s'). */
function b(...content: number[]): number[] {
  return [...concat("s", i32(content.length), content)];
}

/**
 * A code object as Python 3.11 to 3.15 write it (`Python/marshal.c`:
 * argcount, posonlyargcount, kwonlyargcount, stacksize, flags, then code,
 * consts, names, localsplusnames, localspluskinds, filename, name, qualname,
 * firstlineno, linetable, exceptiontable), with the given constants.
 */
function code311(consts: number[][], filename: string, line: number) {
  return [
    ...concat("c", i32(0), i32(0), i32(0), i32(2), i32(0)),
    ...b(0x95, 0x00, 0x53, 0x00), // RESUME 0, LOAD_CONST 0
    ...concat(")", consts.length),
    ...consts.flat(),
    ...concat(")", 1),
    ...z("x"),
    ...concat(")", 0),
    ...b(),
    ...z(filename),
    ...z("<module>"),
    ...z("<module>"),
    ...i32(line),
    ...b(0xf0, 0x03, 0x01),
    ...b(),
  ];
}

/** `frozendict({"a": 1, "b": None})` as 3.15 writes it. */
const FROZENDICT = [
  ...concat("}"),
  ...z("a"),
  ...concat("i", i32(1)),
  ...z("b"),
]
  .concat([...concat("N", "0")]);

/** `slice(1, None, None)`, the constant `[1, 2, 3][1:]` folds to in 3.14. */
const SLICE = [...concat(":", "i", i32(1), "N", "N")];

Deno.test("decodeMarshal() reads a version 6 frozendict in the order written", () => {
  const value = as(
    decodeMarshal(Uint8Array.from(FROZENDICT)),
    MarshalFrozenDict,
  );
  assertInstanceOf(value, MarshalDict);
  assertEquals(value.keys, ["a", "b"]);
  assertEquals(value.values, [1, null]);
  const empty = as(decodeMarshal(concat("}", "0")), MarshalFrozenDict);
  assertEquals(empty.keys, []);
});

Deno.test("decodeMarshal() shares a frozendict referred to after it is finished", () => {
  // [fd, fd] with fd flagged (0xfd) and then referred to: slot 1 (the list
  // is slot 0), as CPython 3.15 writes it since gh-155315.
  const data = concat(
    0xdb,
    i32(2),
    0xfd,
    z("k"),
    "i",
    i32(7),
    "0",
    "r",
    i32(1),
  );
  const list = as(decodeMarshal(data), MarshalList);
  assertInstanceOf(list.items[0], MarshalFrozenDict);
  assertStrictEquals(list.items[0], list.items[1]);
});

Deno.test("decodeMarshal() rejects a frozendict that contains itself", () => {
  // CPython rejects this since gh-148653: the slot is empty while reading.
  const error = assertThrows(
    () => decodeMarshal(concat(0xfd, z("self"), "r", i32(0), "0")),
    SyntaxError,
  );
  assertEquals(error.message.startsWith("Invalid reference at byte 7"), true);
});

Deno.test("decodeMarshal() rejects a frozendict cut short and ends one at a NULL value, as a dict", () => {
  assertThrows(
    () => decodeMarshal(Uint8Array.from(FROZENDICT.slice(0, -1))),
    SyntaxError,
    "Truncated data",
  );
  // CPython reads a frozendict as a dict: a key followed by NULL ends it.
  const ended = as(decodeMarshal(concat("}", z("a"), "0")), MarshalFrozenDict);
  assertEquals(ended.keys, []);
});

Deno.test("decodeMarshal() reads 3.14 and 3.15 code objects with new constants", () => {
  const c314 = as(
    decodeMarshal(
      Uint8Array.from(code311([SLICE, [...concat("N")]], "app.py", 1)),
    ),
    MarshalCode,
  );
  assertEquals(String(c314), '<code object <module>, file "app.py", line 1>');
  const c315 = decodeMarshal(
    Uint8Array.from(code311([FROZENDICT, SLICE], "job.py", 3)),
  );
  assertEquals(String(c315), '<code object <module>, file "job.py", line 3>');
});

/**
 * A pstats file as `python -m profile -o` writes it: the profiled script's
 * code object is the name in the key `("profile", 0, code)`, calling the
 * script's `<module>`; callers are plain call counts.
 */
function profileModulePstats(code: number[]): Uint8Array {
  const stats = (calls: number, tt: number, ct: number, callers: number[]) => [
    ...concat(")", 5, "i", i32(calls), "i", i32(calls)),
    ...concat("g", f64(tt), "g", f64(ct)),
    ...callers,
  ];
  const scriptKey = [...concat(")", 3), ...z("profile"), ...concat("i", i32(0))]
    .concat(code);
  return concat(
    "{",
    scriptKey,
    stats(1, 0, 0.5, [...concat("{", "0")]),
    ")",
    3,
    z("app.py"),
    "i",
    i32(1),
    z("<module>"),
    // its caller: the script's key again, with a call count
    stats(1, 0.5, 0.5, [...concat("{"), ...scriptKey, ...concat("i", i32(1))]),
    "0",
    "0",
  );
}

Deno.test("readPstats() names the profile module's 3.14 and 3.15 code objects", () => {
  for (
    const [python, consts] of [
      ["3.14", [SLICE, [...concat("N")]]],
      ["3.15", [FROZENDICT, SLICE, [...concat("N")]]],
    ] satisfies [string, number[][]][]
  ) {
    const file = readPstats(
      profileModulePstats(code311(consts, "app.py", 1)),
      { source: `profile-${python}.pstats` },
    );
    const repr = '<code object <module>, file "app.py", line 1>';
    assertEquals(file.kind, "profile", python);
    assertEquals(file.functions.name.includes(repr), true, python);
    assertEquals(file.functions.name.includes("<module>"), true, python);
    assertEquals(file.edges.calls.length, 1, python);
  }
});
