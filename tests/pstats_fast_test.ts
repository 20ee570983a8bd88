/**
 * The fast pstats reader against the general one: on every fixture, on
 * mutations of them, and on generated files that use every encoding the fast
 * reader takes (and many it leaves to the general reader), both must give
 * the same result or the same error. Read as a stream, in windows down to a
 * few bytes, it must give what it gives on the whole file.
 */
import { assert, assertEquals, assertRejects } from "@std/assert";
import {
  loadProfileAsync,
  type PstatsStream,
  readPstats,
  readPstatsStream,
} from "../lib/pstats/read.ts";
import { readPstatsFast, readPstatsFastStream } from "../lib/pstats/fast.ts";
import type { PstatsFile } from "../lib/pstats/read.ts";
import { concat, dict, edge, entry, key } from "./_marshal_writer.ts";
import { exactBits, exactEdges } from "./_exact.ts";
import { FIXTURES } from "./_fixtures.ts";
import { random } from "./_random.ts";

/** Every fixture but the JSON of expected values, in every folder. */
function fixtures(dir = ""): string[] {
  const names: string[] = [];
  for (const entry of Deno.readDirSync(`${FIXTURES}${dir}`)) {
    if (entry.isDirectory) names.push(...fixtures(`${dir}${entry.name}/`));
    else if (!/\.(json|txt|py|md)$/.test(entry.name) || dir === "bad/") {
      names.push(`${dir}${entry.name}`);
    }
  }
  return names.sort();
}

/** The fixtures mutated to test the fast reader against the general one. */
const MUTATED = [
  "cprofile-3.13",
  "cprofile-3.13-v3",
  "yappi",
  "sampled",
  "profile-3.13",
];

/** A file's contents in a form `assertEquals` compares exactly. */
function plain(file: PstatsFile): unknown {
  return {
    source: file.source,
    kind: file.kind,
    entries: file.entries,
    sampled: file.sampled,
    edgeDetail: file.edgeDetail,
    file: [...file.functions.file],
    line: exactBits(file.functions.line),
    name: [...file.functions.name],
    numbers: [
      file.calls,
      file.primitiveCalls,
      file.internalTime,
      file.cumulativeTime,
    ].map(exactBits),
    edges: exactEdges(file.edges),
  };
}

/** What a reader makes of the bytes: the file, or the error it throws. */
function outcome(bytes: Uint8Array, fast: boolean): unknown {
  try {
    return plain(readPstats(bytes, { source: "x.pstats", fast }));
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    if (!(error instanceof SyntaxError || error instanceof RangeError)) {
      throw error; // a crash, not an explanation
    }
    return `${error.name}: ${error.message}`;
  }
}

function assertSameAsGeneral(bytes: Uint8Array, what: string): void {
  assertEquals(outcome(bytes, true), outcome(bytes, false), what);
}

/** Type codes worth putting where another one was. */
const CODES = [..."0NTFirgfl()z{uatZAR"].flatMap((c) => {
  const code = c.charCodeAt(0);
  return [code, code | 0x80];
});

/** One random change: a byte, a type code, a cut, a gap or a repeat. */
function mutate(bytes: Uint8Array, next: () => number): Uint8Array {
  const at = Math.floor(next() * bytes.length);
  const pick = next();
  if (pick < 0.3) {
    const out = bytes.slice();
    out[at] = Math.floor(next() * 256);
    return out;
  }
  if (pick < 0.55) {
    const out = bytes.slice();
    out[at] = CODES[Math.floor(next() * CODES.length)]!;
    return out;
  }
  if (pick < 0.65) {
    const out = bytes.slice();
    out[at] = out[at]! ^ 0x80; // FLAG_REF on or off
    return out;
  }
  if (pick < 0.75) return bytes.slice(0, at);
  const length = 1 + Math.floor(next() * 24);
  if (pick < 0.87) {
    const out = new Uint8Array(
      bytes.length - Math.min(length, bytes.length - at),
    );
    out.set(bytes.subarray(0, at));
    out.set(bytes.subarray(at + length), at);
    return out;
  }
  const chunk = bytes.subarray(at, at + length);
  const out = new Uint8Array(bytes.length + chunk.length);
  out.set(bytes.subarray(0, at));
  out.set(chunk, at);
  out.set(bytes.subarray(at), at + chunk.length);
  return out;
}

/** Writes marshal data, numbering the values flagged with FLAG_REF. */
class Writer {
  readonly out: number[] = [];
  refs = 0;
  code(c: string, flag = false): number {
    this.out.push(c.charCodeAt(0) | (flag ? 0x80 : 0));
    return flag ? this.refs++ : -1;
  }
  i32(n: number): void {
    this.out.push(
      n & 0xff,
      (n >> 8) & 0xff,
      (n >> 16) & 0xff,
      (n >>> 24) & 0xff,
    );
  }
  int(n: number, flag = false): number {
    const index = this.code("i", flag);
    this.i32(n);
    return index;
  }
  float(x: number, flag = false): number {
    const index = this.code("g", flag);
    this.out.push(...new Uint8Array(Float64Array.of(x).buffer));
    return index;
  }
  ref(index: number): void {
    this.code("r");
    this.i32(index);
  }
  /** A string in one of the types that marshal writes text with. */
  string(text: string, type: "z" | "a" | "u" | "t", flag = false): number {
    const bytes = type === "u" || type === "t"
      ? new TextEncoder().encode(text)
      : Uint8Array.from(text, (c) => c.charCodeAt(0));
    return this.raw(type, bytes, flag);
  }
  raw(type: string, bytes: Uint8Array, flag = false): number {
    const index = this.code(type, flag);
    if (type === "z") this.out.push(bytes.length);
    else this.i32(bytes.length);
    this.out.push(...bytes);
    return index;
  }
  tuple(n: number, flag = false, small = true): number {
    const index = this.code(small ? ")" : "(", flag);
    if (small) this.out.push(n);
    else this.i32(n);
    return index;
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

const NAMES = ["main", "run", "<lambda>", "über", "数据", "__init__", "", "x"];
const FILES = ["app.py", "~", "/usr/lib/python3.13/json/encoder.py", "ñ.py"];

/**
 * A random pstats file: cProfile, profile-module or sampled layout, with
 * references to strings, numbers and keys, both tuple types, and now and
 * then something the fast reader leaves to the general one.
 */
function generated(next: () => number): { bytes: Uint8Array; odd: boolean } {
  const w = new Writer();
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const chance = (p: number) => next() < p;
  const strings = new Map<string, number>(); // text -> ref index
  const numbers: number[] = []; // ref indexes of numbers
  const ints = new Map<number, number>(); // ref indexes of ints by value
  const keys = new Map<string, number>(); // ref indexes of key tuples
  // How often to write something unusual.
  const odd = chance(0.5) ? pick([0.002, 0.01, 0.05]) : 0;
  const countsOnly = chance(0.25);
  const smallTuples = chance(0.8);

  const text = (s: string) => {
    const known = strings.get(s);
    if (known !== undefined && chance(0.8)) return w.ref(known);
    if (chance(odd)) {
      // Not UTF-8, or bytes: for the general reader.
      return void w.raw(
        pick(["u", "s"]),
        Uint8Array.of(0x61, 0xff),
        chance(0.5),
      );
    }
    const ascii = [...s].every((c) => c.charCodeAt(0) < 0x80);
    const type = ascii
      ? pick(["z", "a", "u", "t"] as const)
      : pick(["u", "t"] as const);
    const index = w.string(s, type, chance(0.7));
    if (index >= 0) strings.set(s, index);
  };
  const number = (value: number, int: boolean) => {
    // A reference to the same int, as CPython writes small ints; to any
    // float, now and then.
    const same = ints.get(value);
    if (int && same !== undefined && chance(0.5)) return w.ref(same);
    if (!int && numbers.length > 0 && chance(0.05)) {
      return w.ref(pick(numbers));
    }
    if (chance(odd)) {
      const which = next();
      if (which < 0.3) return void w.float(pick([NaN, Infinity, -Infinity]));
      if (which < 0.5) return void w.code("T");
      if (which < 0.7) return void w.float(-0);
      // A long int, as Python writes beyond 32 bits: 2 ** 31.
      w.code("l");
      w.i32(3);
      w.out.push(0, 0, 0, 0, 2, 0);
      return;
    }
    const index = int
      ? w.int(value, chance(0.1))
      : w.float(value, chance(0.05));
    if (index >= 0) numbers.push(index);
    if (index >= 0 && int) ints.set(value, index);
  };
  const key = (name: string, file: string, line: number) => {
    const known = keys.get(`${file}:${line}:${name}`);
    if (known !== undefined && chance(0.5)) return w.ref(known);
    const index = w.tuple(3, chance(0.3), smallTuples);
    text(file);
    if (chance(odd)) w.float(line);
    else number(line, true);
    text(name);
    if (index >= 0) keys.set(`${file}:${line}:${name}`, index);
  };

  // Distinct functions, in a random order.
  const functions = NAMES.flatMap((name) =>
    FILES.map((file) => [name, file, Math.floor(next() * 3)] as const)
  ).filter(() => chance(0.3)).sort(() => next() - 0.5).slice(0, 12);
  if (functions.length === 0) functions.push(["main", "app.py", 1]);
  w.code("{", chance(0.1));
  if (chance(0.2)) {
    w.tuple(1, chance(0.5));
    text("__sampled__");
    w.code("T");
  }
  const count = 1 + Math.floor(next() * functions.length);
  for (let i = 0; i < count; i++) {
    const fn = chance(odd * 5) ? pick(functions) : functions[i]!;
    key(...fn);
    w.tuple(5, chance(odd), smallTuples);
    const nc = Math.floor(next() * 100);
    const cc = chance(0.1) ? nc + 1 : Math.floor(next() * (nc + 1));
    number(cc, true);
    number(nc, true);
    number(next() / 1000, chance(0.05));
    number(next() / 100, false);
    w.code("{", chance(odd));
    // Distinct callers; with something unusual, some twice (also in long
    // dicts, past where the fast reader stops looking back).
    const twice = chance(odd * 5);
    const callers = twice
      ? Math.floor(next() * 40)
      : Math.floor(next() * Math.min(4, functions.length));
    for (let c = 0; c < callers; c++) {
      key(...functions[(twice ? c % 33 : c) % functions.length]!);
      if (countsOnly || chance(odd)) {
        number(Math.floor(next() * 10), true);
      } else {
        w.tuple(4, chance(odd), smallTuples);
        number(Math.floor(next() * 10), true);
        number(Math.floor(next() * 10), true);
        number(next() / 1000, false);
        number(next() / 100, false);
      }
    }
    w.code("0");
  }
  w.code("0");
  return { bytes: w.bytes(), odd: odd > 0 };
}

Deno.test("readPstatsFast() gives what the general reader gives on every fixture", () => {
  const names = fixtures();
  assert(names.length >= 40, `only ${names.length} fixtures`);
  for (const name of names) {
    assertSameAsGeneral(Deno.readFileSync(`${FIXTURES}${name}`), name);
  }
});

Deno.test("readPstatsFast() reads a small file the same after any other, and what it gave stays as it was", () => {
  // Small files share the reader's tables one after another: each must find
  // them clean, whatever came before (a file read whole, or one given up on
  // part way), and keep its own numbers when the next file is read.
  const names = fixtures().filter((name) => !name.startsWith("bad/"));
  const first = Deno.readFileSync(`${FIXTURES}cprofile-3.13.pstats`);
  const kept = readPstatsFast(first, { source: "first" });
  if (kept === undefined) {
    throw new Error("the fast reader left cProfile's file");
  }
  const before = plain(kept);
  for (const name of names) {
    const bytes = Deno.readFileSync(`${FIXTURES}${name}`);
    assertSameAsGeneral(bytes, name);
    // Cut short after its first bytes: the fast reader gives up part way.
    assertEquals(
      readPstatsFast(bytes.subarray(0, bytes.length - 1)),
      undefined,
    );
    assertSameAsGeneral(bytes, `${name} after a cut copy`);
  }
  assertEquals(plain(kept), before);
  // A caller without an entry of its own has no numbers: zeros, not the
  // last file's.
  const callerOnly = concat(
    "{",
    key("app.py", 1, "main"),
    entry(
      1,
      1,
      0.5,
      0.5,
      dict([key("app.py", 9, "caller"), edge(1, 1, 0.5, 0.5)]),
    ),
    "0",
  );
  assertSameAsGeneral(callerOnly, "a caller without an entry");
  const read = readPstatsFast(callerOnly)!;
  assertEquals([...read.calls, ...read.cumulativeTime], [1, 0, 0.5, 0]);
});

Deno.test("readPstatsFast() reads the files of Python 3's profilers itself", () => {
  const taken = [
    "cprofile-3.6",
    "cprofile-3.8",
    "cprofile-3.10",
    "cprofile-3.11",
    "cprofile-3.12",
    "cprofile-3.13",
    "cprofile-3.13-b",
    "cprofile-3.13-v2",
    "cprofile-3.13-v3",
    "many",
    "yappi",
    "sampled",
  ];
  for (const name of taken) {
    const bytes = Deno.readFileSync(`${FIXTURES}${name}.pstats`);
    const file = readPstatsFast(bytes, { source: name });
    if (file === undefined) {
      throw new Error(`${name} fell back to the general reader`);
    }
    assertEquals(
      plain(file),
      plain(readPstats(bytes, { source: name, fast: false })),
    );
  }
});

Deno.test("readPstatsFast() leaves Python 2, text floats and code objects to the general reader", () => {
  const left = [
    "cprofile-2.7", // Python 2 strings
    "profile-2.7",
    "cprofile-3.13-v0", // text floats
    "cprofile-3.13-v1",
    "profile-3.6", // code objects as names
    "profile-3.13",
  ];
  for (const name of left) {
    const bytes = Deno.readFileSync(`${FIXTURES}${name}.pstats`);
    assertEquals(readPstatsFast(bytes), undefined, name);
    assert(readPstats(bytes).functions.name.length > 0);
  }
});

Deno.test("readPstatsFast() gives what the general reader gives on 3,000 mutated fixtures", () => {
  const next = random(8);
  const sources = [...MUTATED, "cprofile-2.7"].map((name) =>
    Deno.readFileSync(`${FIXTURES}${name}.pstats`)
  );
  for (let i = 0; i < 3000; i++) {
    let bytes: Uint8Array = sources[i % sources.length]!;
    const changes = 1 + Math.floor(next() * 3);
    for (let c = 0; c < changes; c++) bytes = mutate(bytes, next);
    assertSameAsGeneral(bytes, `mutation ${i}`);
  }
});

Deno.test("readPstatsFast() gives what the general reader gives on 3,000 generated files and their mutations", () => {
  const next = random(12);
  let usual = 0;
  for (let i = 0; i < 3000; i++) {
    const { bytes, odd } = generated(next);
    const mutated = i % 3 === 2;
    const input = mutated ? mutate(bytes, next) : bytes;
    if (!odd && !mutated) {
      // The kind of file the fast reader is for: it must read it itself.
      usual++;
      assert(readPstatsFast(input) !== undefined, `generated file ${i}`);
    }
    assertSameAsGeneral(input, `generated file ${i}`);
  }
  assert(usual > 800, `only ${usual} usual files`);
});

function hex(s: string): Uint8Array {
  return Uint8Array.from(
    s.replace(/\s/g, "").match(/../g)!,
    (h) => parseInt(h, 16),
  );
}

// {("a.py", 1, "f"): (1, 1, 0.5, 0.5, {})}, pieces to build variants from.
const KEY_F = "2903 7a04612e7079 6901000000 7a0166";
const KEY_G = "2903 7a04612e7079 6902000000 7a0167";
const HALF = "67000000000000e03f";
const ENTRY = `2905 6901000000 6901000000 ${HALF} ${HALF}`;

Deno.test("readPstatsFast() leaves keys met twice to the general reader", () => {
  const cases = {
    "a function twice": `7b ${KEY_F} ${ENTRY} 7b30 ${KEY_F} ${ENTRY} 7b30 30`,
    "a caller twice in one dict":
      `7b ${KEY_F} ${ENTRY} 7b ${KEY_G} 6901000000 ${KEY_G} 6902000000 30 30`,
  };
  for (const [what, bytes] of Object.entries(cases)) {
    assertEquals(readPstatsFast(hex(bytes)), undefined, what);
    assertSameAsGeneral(hex(bytes), what);
  }
});

Deno.test("readPstatsFast() finds a caller repeated late in a long callers dict", () => {
  const w = new Writer();
  w.code("{");
  w.tuple(3);
  w.string("a.py", "z");
  w.int(1);
  w.string("f", "z");
  w.tuple(5);
  for (const n of [1, 1, 0.5, 0.5]) w.float(n);
  w.code("{");
  for (const line of [...Array(100).keys(), 7]) {
    w.tuple(3);
    w.string("b.py", "z");
    w.int(line + 10);
    w.string("g", "z");
    w.int(1);
  }
  w.code("0");
  w.code("0");
  assertEquals(readPstatsFast(w.bytes()), undefined);
  assertSameAsGeneral(w.bytes(), "a caller repeated after 100 others");
});

Deno.test("readPstatsFast() tells apart keys that share a line's reference but not their file, name or string type", () => {
  const w = new Writer();
  w.code("{");
  w.tuple(3);
  w.string("/srv/app/a_module.py", "a");
  const line = w.int(7, true); // one int, referred to by every key below
  const f = w.string("f", "z", true);
  w.tuple(5);
  for (const n of [1, 1, 0.5, 0.5]) w.float(n);
  w.code("{");
  // As callers: the same function again, its file written in full (in
  // each of the string types), then ones that differ only in their file's
  // last byte, their file's length, or their name.
  const callers: [string, "z" | "a" | "u" | "t", string][] = [
    ["/srv/app/a_module.py", "z", "f"],
    ["/srv/app/b_module.py", "a", "f"],
    ["/srv/app/a_module.pyx", "u", "f"],
    ["/srv/app/a_module.py", "a", "g"],
    ["/srv/app/a_module.pz", "t", "f"],
  ];
  for (const [file, type, name] of callers) {
    w.tuple(3);
    w.string(file, type);
    w.ref(line);
    if (name === "f") w.ref(f);
    else w.string(name, "z");
    w.int(1);
  }
  w.code("0");
  // The second caller as a key of its own, its file in another type.
  w.tuple(3);
  w.string("/srv/app/b_module.py", "u");
  w.ref(line);
  w.ref(f);
  w.tuple(5);
  for (const n of [1, 1, 0.5, 0.5]) w.float(n);
  w.code("{");
  w.code("0");
  w.code("0");
  const file = readPstatsFast(w.bytes());
  assertEquals(file?.functions.file, [
    "/srv/app/a_module.py",
    "/srv/app/b_module.py",
    "/srv/app/a_module.pyx",
    "/srv/app/a_module.py",
    "/srv/app/a_module.pz",
  ]);
  assertEquals(file?.functions.name, ["f", "f", "f", "g", "f"]);
  assertEquals([...file!.edges.caller], [0, 1, 2, 3, 4]);
  assertEquals(file?.entries, 2);
  assertEquals(file?.calls[1], 1);
  assertSameAsGeneral(w.bytes(), "keys that share a line's reference");
});

Deno.test("readPstatsFast() leaves counts that are not finite to the general reader", () => {
  const bytes = hex(
    `7b ${KEY_F} 2905 6901000000 67000000000000f87f ${HALF} ${HALF} 7b30 30`,
  );
  assertEquals(readPstatsFast(bytes), undefined);
  assertSameAsGeneral(bytes, "a NaN count");
});

Deno.test("readPstatsFast() leaves names that are not UTF-8 to the general reader", () => {
  const bytes = hex(
    `7b 2903 7a04612e7079 6901000000 7502000000 66ff ${ENTRY} 7b30 30`,
  );
  assertEquals(readPstatsFast(bytes), undefined);
  assertSameAsGeneral(bytes, "a name that is not UTF-8");
});

Deno.test("readPstatsFast() reports progress like the general reader", () => {
  const bytes = Deno.readFileSync(`${FIXTURES}many.pstats`);
  const seen = (fast: boolean) => {
    const calls: [number, number][] = [];
    readPstats(bytes, { fast, onProgress: (n, at) => calls.push([n, at]) });
    return calls;
  };
  assertEquals(seen(true), seen(false));
});

/**
 * A stream over bytes that gives at most `most` bytes a read (fewer now and
 * then, as a file system may), and counts how often it was read whole.
 */
function streamOf(
  bytes: Uint8Array,
  most: number,
  next = random(most),
): PstatsStream & { wholeReads: number } {
  let at = 0;
  return {
    size: bytes.length,
    wholeReads: 0,
    read(into: Uint8Array): Promise<number | null> {
      const room = Math.min(into.length, most);
      const n = Math.min(
        next() < 0.2 ? 1 + Math.floor(next() * room) : room,
        bytes.length - at,
      );
      into.set(bytes.subarray(at, at + n));
      at += n;
      return Promise.resolve(n > 0 ? n : null);
    },
    readAll(): Promise<Uint8Array> {
      this.wholeReads++;
      return Promise.resolve(bytes.slice());
    },
  };
}

/** What the fast reader makes of a stream of the bytes in `chunk`-byte windows. */
async function streamed(bytes: Uint8Array, chunk: number): Promise<unknown> {
  const file = await readPstatsFastStream(streamOf(bytes, chunk), {
    source: "x.pstats",
    chunkSize: chunk,
  });
  return file && plain(file);
}

/** What readPstatsStream() makes of the bytes: the file, or the error. */
async function streamOutcome(bytes: Uint8Array, chunk: number) {
  try {
    const stream = streamOf(bytes, chunk);
    return plain(
      await readPstatsStream(stream, { source: "x.pstats", chunkSize: chunk }),
    );
  } catch (error) {
    if (!(error instanceof SyntaxError || error instanceof RangeError)) {
      throw error;
    }
    return `${error.name}: ${error.message}`;
  }
}

/** The fast reader gives the same whole or streamed; so does readPstats(). */
async function assertSameStreamed(
  bytes: Uint8Array,
  chunk: number,
  what: string,
): Promise<void> {
  const whole = readPstatsFast(bytes, { source: "x.pstats" });
  assertEquals(
    await streamed(bytes, chunk),
    whole && plain(whole),
    `${what}, ${chunk}-byte windows`,
  );
  assertEquals(
    await streamOutcome(bytes, chunk),
    outcome(bytes, true),
    `${what}, ${chunk}-byte windows`,
  );
}

Deno.test("readPstatsFastStream() gives what the whole-file readers give on every fixture, in windows of 16, 64 and 1,000 bytes", async () => {
  for (const name of fixtures()) {
    const bytes = Deno.readFileSync(`${FIXTURES}${name}`);
    for (const chunk of [16, 64, 1000]) {
      if (chunk === 16 && bytes.length > 1e6) continue; // the next ones do
      await assertSameStreamed(bytes, chunk, name);
    }
  }
});

Deno.test("readPstatsFastStream() reads a large file in tiny windows itself, with the same functions in the same order", async () => {
  const bytes = Deno.readFileSync(`${FIXTURES}many.pstats`);
  const stream = streamOf(bytes, 7);
  const file = await readPstatsFastStream(stream, { chunkSize: 7 });
  if (file === undefined) throw new Error("many.pstats fell back");
  assertEquals(stream.wholeReads, 0);
  assertEquals(plain(file), plain(readPstatsFast(bytes)!));
});

Deno.test("readPstatsFastStream() reads entries longer than its window (a long callers dict)", async () => {
  const w = new Writer();
  w.code("{");
  for (const name of ["f", "g"]) {
    w.tuple(3);
    w.string("a.py", "z");
    w.int(1);
    w.string(name, "z");
    w.tuple(5);
    for (const n of [1, 1, 0.5, 0.5]) w.float(n);
    w.code("{");
    for (let line = 0; line < 200; line++) {
      w.tuple(3, true);
      w.string("b.py", "z", true);
      w.int(line + 10);
      w.string(`h${line}`, "u");
      w.tuple(4);
      for (const n of [1, 1, 0.25, 0.25]) w.float(n, line % 3 === 0);
    }
    w.code("0");
  }
  w.code("0");
  const bytes = w.bytes();
  assert(bytes.length > 10_000);
  for (const chunk of [1, 16, 100, 4096]) {
    await assertSameStreamed(bytes, chunk, "two long callers dicts");
  }
  assert(readPstatsFast(bytes) !== undefined);
});

Deno.test("readPstatsFastStream() gives what the whole-file readers give on 1,500 mutated and generated files", async () => {
  const next = random(21);
  const sources = MUTATED.map((name) =>
    Deno.readFileSync(`${FIXTURES}${name}.pstats`)
  );
  for (let i = 0; i < 1500; i++) {
    let bytes: Uint8Array;
    if (i % 2 === 0) {
      bytes = sources[i % sources.length]!;
      const changes = 1 + Math.floor(next() * 3);
      for (let c = 0; c < changes; c++) bytes = mutate(bytes, next);
    } else {
      bytes = generated(next).bytes;
      if (i % 3 === 0) bytes = mutate(bytes, next);
    }
    const chunk = [1, 5, 16, 64, 1000][i % 5]!;
    await assertSameStreamed(bytes, chunk, `case ${i}`);
  }
});

Deno.test("readPstatsFastStream() leaves a file cut short, or with bytes after its end, to the general reader", async () => {
  const bytes = Deno.readFileSync(`${FIXTURES}cprofile-3.13.pstats`);
  const cut = bytes.subarray(0, bytes.length - 3);
  const longer = Uint8Array.of(...bytes, 0x30);
  for (const [what, input] of [["cut", cut], ["longer", longer]] as const) {
    assertEquals(await streamed(input, 64), undefined, what);
    const stream = streamOf(input, 64);
    const error = await assertRejects(() => readPstatsStream(stream));
    assertEquals(stream.wholeReads, 1, what);
    assertEquals(`${error}`, outcome(input, false), what);
  }
});

Deno.test("readPstatsFastStream() reports progress at the same offsets as the whole-file reader", async () => {
  const bytes = Deno.readFileSync(`${FIXTURES}many.pstats`);
  const whole: [number, number][] = [];
  readPstats(bytes, { onProgress: (n, at) => whole.push([n, at]) });
  const streamedCalls: [number, number][] = [];
  await readPstatsFastStream(streamOf(bytes, 1000), {
    chunkSize: 1000,
    onProgress: (n, at) => streamedCalls.push([n, at]),
  });
  assert(whole.length > 2);
  assertEquals(streamedCalls, whole);
});

Deno.test("readPstatsStream() reads a file from disk only a chunk or two ahead of what it has decoded", async () => {
  const path = `${FIXTURES}many.pstats`;
  using file = await Deno.open(path);
  const chunk = 64 * 1024;
  let read = 0;
  const stream: PstatsStream = {
    size: (await file.stat()).size,
    read: async (into) => {
      const n = await file.read(into);
      read += n ?? 0;
      return n;
    },
    readAll: () => Deno.readFile(path),
  };
  const ahead: number[] = [];
  const result = await readPstatsStream(stream, {
    chunkSize: chunk,
    onProgress: (_, offset) => ahead.push(read - offset),
  });
  assert(ahead.length >= 2);
  for (const bytes of ahead) assert(bytes <= 2 * chunk, `${bytes} read ahead`);
  assertEquals(plain(result), plain(readPstats(Deno.readFileSync(path))));
});

Deno.test("readPstatsFastStream() awaits the stream's pause() after each chunk it decodes, and reads the same", async () => {
  const bytes = Deno.readFileSync(`${FIXTURES}many.pstats`);
  const chunk = 64 * 1024;
  const stream = streamOf(bytes, chunk);
  const seen: number[] = [];
  let decoding = 0;
  const file = await readPstatsFastStream({
    size: stream.size,
    read: (into) => stream.read(into),
    pause: async () => {
      seen.push(decoding);
      await new Promise((resolve) => setTimeout(resolve, 0));
    },
  }, {
    chunkSize: chunk,
    onProgress: (n) => decoding = n,
  });
  // Once a chunk, give or take the reads cut short.
  assert(seen.length >= bytes.length / chunk - 1, `${seen.length} pauses`);
  assert(seen.length <= 2 * bytes.length / chunk, `${seen.length} pauses`);
  // While decoding, not after it.
  assert(seen[0]! < file!.entries && seen.at(-1)! > seen[0]!);
  assertEquals(plain(file!), plain(readPstatsFast(bytes)!));
});

Deno.test("loadProfileAsync() passes a stream's own errors on as they are, names the file in a bad stream's error, and pauses the stream", async () => {
  const failing = new Error("Disk on fire");
  const broken: PstatsStream = {
    size: 100,
    read: () => Promise.reject(failing),
    readAll: () => Promise.reject(failing),
  };
  const error = await assertRejects(() =>
    loadProfileAsync([{ source: "a.pstats", stream: broken }])
  );
  assert(error === failing && failing.message === "Disk on fire");
  // Unless the caller would rather go on without the file.
  const left: [string, unknown][] = [];
  const rest = await loadProfileAsync([
    { source: "a.pstats", stream: broken },
    {
      source: "c.pstats",
      bytes: Deno.readFileSync(`${FIXTURES}cprofile-3.13.pstats`),
    },
  ], {
    skipStreamError: (source, error) => (left.push([source, error]), true),
  });
  assertEquals(left, [["a.pstats", failing]]);
  assert(rest.size > 0);
  const bad = streamOf(Uint8Array.of(0x7b, 0x29, 3, 0x6c), 2);
  await assertRejects(
    () => loadProfileAsync([{ source: "b.pstats", stream: bad }]),
    Error,
    "b.pstats: ",
  );
  const skipped: string[] = [];
  const bytes = Deno.readFileSync(`${FIXTURES}cprofile-3.13.pstats`);
  const profile = await loadProfileAsync([
    { source: "b.pstats", stream: streamOf(bytes.subarray(0, 100), 16) },
    { source: "c.pstats", stream: streamOf(bytes, 16) },
  ], { onBadFile: (source) => skipped.push(source) });
  assertEquals(skipped, ["b.pstats"]);
  assertEquals(profile.size, readPstats(bytes).functions.name.length);
  // And gives the stream its pauses.
  let pauses = 0;
  const paused = streamOf(bytes, 64);
  paused.pause = () => (pauses++, Promise.resolve());
  await loadProfileAsync([{ source: "d.pstats", stream: paused }]);
  assert(pauses > 10, `${pauses} pauses`);
});
