// deno-lint-ignore-file no-control-regex -- the tests look for raw control characters
/**
 * Hostile files and requests, each built in code: the program must answer
 * every one with a clean result or one clean line, in a time that grows no
 * faster than the input, and never run out of memory. Time budgets are
 * generous (a loaded CI machine), far below what the old quadratic paths
 * took.
 */
import {
  assert,
  assertEquals,
  assertFalse,
  assertInstanceOf,
  assertLess,
  assertMatch,
  assertStringIncludes,
} from "@std/assert";
import { isDataError } from "../lib/data_error.ts";
import { decodeMarshal, MarshalDict } from "../lib/marshal.ts";
import { allowedHosts, createHandler } from "../lib/server.ts";
import { loadProfile, readPstats } from "../lib/pstats/read.ts";
import { MAX_FILTER_TERMS } from "../lib/query.ts";
import {
  bytes,
  concat,
  dict,
  edge,
  entry,
  float,
  i32,
  int,
  key,
  long,
  str,
  tuple,
} from "./_marshal_writer.ts";
import {
  assertOneLineError,
  type CliResult,
  exploreOnFreePort,
  MAIN,
  runCli,
  START_PERMISSIONS,
  withTempDir,
} from "./_cli.ts";
import { fixturePath, FIXTURES } from "./_fixtures.ts";

const cli = runCli;

/** One clean line on stderr, nothing on stdout, in time. */
function assertOneLine(
  result: CliResult,
  code: number,
  budgetMs: number,
  ...parts: string[]
): string {
  const line = assertOneLineError(result, code, ...parts);
  assertFalse(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]/.test(line));
  assertLess(line.length, 1000, "quoted content is cut");
  assertLess(result.ms, budgetMs, `took ${result.ms} ms`);
  return line;
}

async function withFiles<T>(
  files: Record<string, Uint8Array>,
  fn: (dir: string) => Promise<T>,
): Promise<T> {
  return await withTempDir(async (dir) => {
    for (const [name, data] of Object.entries(files)) {
      await Deno.writeFile(`${dir}/${name}`, data);
    }
    return await fn(dir);
  }, { prefix: "hostile-" });
}

function time<T>(fn: () => T): [T | unknown, number] {
  const start = performance.now();
  let value: T | unknown;
  try {
    value = fn();
  } catch (error) {
    value = error;
  }
  return [value, performance.now() - start];
}

// 1. Super-linear paths.

Deno.test("a long of 300,000 digits decodes in linear time, exactly", () => {
  const digits = 300_000;
  const data = concat("l", i32(digits), new Uint8Array(digits * 2).fill(0xff));
  for (let i = 0; i < digits; i++) data[5 + 2 * i + 1] = 0x7f;
  const [value, ms] = time(() => decodeMarshal(data));
  assertLess(ms, 2000, `took ${ms} ms`);
  // 2 ** (15 * digits) - 1, every digit 0x7fff.
  assertEquals(value, (1n << BigInt(15 * digits)) - 1n);
  assertEquals(decodeMarshal(long(-(2n ** 70n) - 5n)), -(2n ** 70n) - 5n);
});

Deno.test("a pstats file whose line is a 600 KB long fails fast with one line", async () => {
  const huge = concat("l", i32(300_000), new Uint8Array(600_000).fill(1));
  const file = dict([tuple(str("a.py"), huge, str("f")), entry(1, 1, 0, 0)]);
  await withFiles({ "long.pstats": file }, async (dir) => {
    const result = await cli(["-f", "json", "long.pstats"], dir);
    assertOneLine(result, 1, 10_000, "long.pstats", "line number");
  });
});

Deno.test("nested code objects that fit no layout fail in linear time", () => {
  // Each level: a code object whose co_consts holds the next one; the
  // innermost holds 1 MB of items and is broken after them, so every
  // layout of every level reads that megabyte again.
  const depth = 30;
  // Five ints: the head of both the 3.11+ and the 3.0–3.7 layouts.
  const head = concat("c", i32(0), i32(0), i32(0), i32(0), i32(0));
  const code = concat("s", i32(0));
  const parts: (Uint8Array | string | number[])[] = [];
  for (let i = 0; i < depth; i++) parts.push(head, code, ")", [1]);
  const items = 1 << 20;
  parts.push(head, code, "(", i32(items), new Uint8Array(items).fill(0x4e));
  parts.push("?");
  const data = concat(...parts);
  const [error, ms] = time(() => decodeMarshal(data));
  assert(isDataError(error), String(error));
  assertLess(ms, 3000, `took ${ms} ms`);
});

Deno.test("references that repeat a callers dict cannot multiply the work", () => {
  // One flagged callers dict of 20,000 callers, then 20,000 functions
  // whose callers are a reference to it: 400 million edges if followed.
  const n = 20_000;
  const callers = concat(
    [0xfb],
    ...Array.from(
      { length: n },
      (_, i) => [key("c.py", i, "c"), edge(1, 1, 0, 0)],
    ).flat(),
    "0",
  );
  const entries: Uint8Array[] = [
    key("a.py", 0, "f0"),
    tuple(int(1), int(1), float(0), float(0), callers),
  ];
  // The callers dict is reference 0 (the keys' strings are not flagged).
  for (let i = 1; i < n; i++) {
    entries.push(
      key("a.py", i, `f${i}`),
      tuple(int(1), int(1), float(0), float(0), concat("r", i32(0))),
    );
  }
  const data = concat("{", ...entries, "0");
  const [error, ms] = time(() => readPstats(data));
  assert(isDataError(error), String(error));
  assertStringIncludes((error as Error).message, "references repeat");
  assertLess(ms, 5000, `took ${ms} ms`);
});

Deno.test("--filter and q refuse more terms than the cap, quickly", async () => {
  const terms = "a ".repeat(31_000);
  for (
    const [filter, why] of [[terms, "62000 characters"], [
      "a ".repeat(40),
      "40 terms",
    ]]
  ) {
    const result = await cli(
      ["-f", "csv", "--filter", filter!, "cprofile-3.13.pstats"],
      FIXTURES,
    );
    assertEquals(result.code, 2);
    assertStringIncludes(result.stderr, why!);
  }
  assertEquals(
    (await cli([
      "-f",
      "csv",
      "--filter",
      "a ".repeat(MAX_FILTER_TERMS),
      "cprofile-3.13.pstats",
    ], FIXTURES)).code,
    0,
  );
  const bytes = await Deno.readFile(fixturePath("cprofile-3.13.pstats"));
  const handler = createHandler({
    profile: loadProfile([{ source: "a", bytes }]),
    isAllowedHost: allowedHosts("127.0.0.1", 80),
  });
  const start = performance.now();
  const response = await handler(
    new Request(
      `http://127.0.0.1/api/functions?q=${encodeURIComponent(terms)}`,
    ),
  );
  assertEquals(response.status, 400);
  assertStringIncludes((await response.json()).error, "at most");
  assertLess(performance.now() - start, 1000);
});

// 2. Memory budgets and sizes.

Deno.test("a key of 40 million empty dicts is refused at once, not read", async () => {
  const n = 40_000_000;
  const data = new Uint8Array(7 + 2 * n + 40);
  data.set(concat("{", "(", i32(n)));
  for (let i = 0; i < n; i++) data.set([0x7b, 0x30], 6 + 2 * i);
  await withFiles({ "dicts.pstats": data }, async (dir) => {
    const result = await cli(["-f", "json", "dicts.pstats"], dir);
    assertOneLine(result, 1, 15_000, "dicts.pstats", "a tuple of 40000000");
  });
});

Deno.test("the decoder refuses millions of empty containers within its budget", () => {
  for (const [what, item] of [["dicts", [0x7b, 0x30]], ["tuples", [0x29, 0]]]) {
    const n = 10_000_000;
    const data = new Uint8Array(5 + 2 * n);
    data.set(concat("(", i32(n)));
    for (let i = 0; i < n; i++) data.set(item as number[], 5 + 2 * i);
    const [error, ms] = time(() => decodeMarshal(data));
    assert(isDataError(error), `${what}: ${error}`);
    assertStringIncludes((error as Error).message, "Too many objects");
    assertLess(ms, 10_000, `${what} took ${ms} ms`);
  }
});

Deno.test("a code object name full of empty tuples runs out of budget, not memory", () => {
  // A function name may be a code object, whose co_consts is read whole.
  const n = 12_000_000;
  const consts = new Uint8Array(5 + 2 * n);
  consts.set(concat("(", i32(n)));
  for (let i = 0; i < n; i++) consts.set([0x29, 0], 5 + 2 * i);
  const code = concat(
    "c",
    ...Array.from({ length: 5 }, () => i32(0)),
    bytes([]),
    consts,
  );
  const data = concat("{", ")", [3], str("a.py"), int(1), code, "0");
  const [error, ms] = time(() => readPstats(data));
  assert(isDataError(error), String(error));
  assertLess(ms, 10_000, `took ${ms} ms`);
});

Deno.test("a 2 GB sparse file is refused by its size, or by its first bytes", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/zeros.pstats`;
    await Deno.writeFile(path, new Uint8Array(0));
    await Deno.truncate(path, 2 * 1024 ** 3);
    assertOneLine(
      await cli(["-f", "json", "zeros.pstats"], dir),
      1,
      10_000,
      "zeros.pstats: Too large: over 1 GB, more than any real pstats file",
      "--max-size",
    );
    assertOneLine(
      await cli(["-f", "json", "--max-size", "0", "zeros.pstats"], dir),
      1,
      10_000,
      "zeros.pstats: Not a pstats file",
    );
    // A dict head and zeros after it: read, up to --max-size only.
    await Deno.writeFile(path, Uint8Array.of(0x7b), { append: false });
    await Deno.truncate(path, 3 * 1024 ** 2);
    assertOneLine(
      await cli(["-f", "json", "--max-size", "1M", "zeros.pstats"], dir),
      1,
      10_000,
      "zeros.pstats: Too large: over --max-size 1 MB",
    );
    assertOneLine(
      await cli(["-f", "json", "--max-size", "lots", "zeros.pstats"], dir),
      2,
      10_000,
      "Invalid --max-size",
    );
  }, { prefix: "hostile-" });
});

// 3. Valid JSON and CSV.

Deno.test("a count that is not a whole number is refused like a wrong shape", async () => {
  const files: Record<string, Uint8Array> = {
    "nan.pstats": dict([key("a.py", 1, "f"), entry(float(NaN), 1, 0, 0)]),
    "inf.pstats": dict([key("a.py", 1, "f"), entry(1, float(Infinity), 0, 0)]),
    "half.pstats": dict([key("a.py", 1, "f"), entry(1, float(1.5), 0, 0)]),
    "edge.pstats": dict([
      key("a.py", 1, "f"),
      entry(
        1,
        1,
        0,
        0,
        dict([
          key("a.py", 2, "g"),
          tuple(float(NaN), int(1), float(0), float(0)),
        ]),
      ),
    ]),
    "count.pstats": dict([
      key("a.py", 1, "f"),
      entry(1, 1, 0, 0, dict([key("a.py", 2, "g"), float(0.5)])),
    ]),
  };
  await withFiles(files, async (dir) => {
    for (const name of Object.keys(files)) {
      const result = await cli(["-f", "json", name], dir);
      assertOneLine(
        result,
        1,
        10_000,
        name,
        "should be a whole number of calls",
      );
    }
  });
});

Deno.test("times that are not finite numbers are read as 0 and said so once, and every output stays finite", async () => {
  const file = dict(
    [
      key("a.py", 1, "f"),
      entry(
        1,
        1,
        NaN,
        Infinity,
        dict([key("a.py", 2, "g"), edge(1, 1, -Infinity, NaN)]),
      ),
    ],
    [key("a.py", 2, "g"), entry(1, 1, 0.5, 1e300)],
  );
  await withFiles({ "t.pstats": file }, async (dir) => {
    const json = await cli(["-f", "json", "t.pstats"], dir);
    assertEquals(json.code, 0, json.stderr);
    assertEquals(
      json.stderr,
      "Note: t.pstats: 5 times were not finite numbers of seconds (NaN, infinite or beyond 10^15 s): read as 0\n",
    );
    const report = JSON.parse(json.stdout);
    assertEquals(report.total_time, 0.5);
    assertEquals(report.functions[0].internal_time, 0);
    assertEquals(report.functions[0].callers[0].cumulative_time, 0);
    const csv = await cli(["-f", "csv", "t.pstats"], dir);
    assertStringIncludes(csv.stdout, "a.py,1,f,1,1,0,0\r\n");
    for (
      const args of [
        ["-f", "table"],
        ["-f", "collapsed", "--min-share", "0"],
        ["-f", "table", "--by", "file"],
        ["-f", "csv", "--by", "directory"],
        ["-f", "json", "--by", "package"],
      ]
    ) {
      const out = await cli([...args, "t.pstats"], dir);
      assertEquals(out.code, 0, out.stderr);
      assertFalse(/NaN|Infinity/.test(out.stdout), `${args}: ${out.stdout}`);
    }
  });
});

// 4. Terminal injection.

const EVIL =
  "x\x1b]0;pwned\x07\x1b[2J\u202egnp.exe\x9b31m\nprofiling-explorer: all good";

Deno.test("names from the file are escaped in the table and in errors", async () => {
  const good = dict([key(EVIL, 1, EVIL), entry(1, 1, 0.5, 0.5)]);
  const bad = dict([
    key(EVIL + "y".repeat(100_000), 1, EVIL),
    entry(float(NaN), 1, 0, 0),
  ]);
  await withFiles({ "good.pstats": good, "bad.pstats": bad }, async (dir) => {
    const table = await cli(["-f", "table", "good.pstats"], dir);
    assertEquals(table.code, 0);
    assertFalse(/[\x1b\x07\x9b\u202e]/.test(table.stdout), table.stdout);
    assertStringIncludes(
      table.stdout,
      "x\\x1b]0;pwned\\x07\\x1b[2J\\u202egnp.exe\\x9b31m\\n",
    );
    assertFalse(/^profiling-explorer: all good/m.test(table.stdout));
    const line = assertOneLine(
      await cli(["-f", "json", "bad.pstats"], dir),
      1,
      10_000,
      "\\x1b]0;pwned",
    );
    assertStringIncludes(line, "…");
    // JSON keeps the exact text, with the characters a terminal acts on escaped.
    const json = await cli(["-f", "json", "good.pstats"], dir);
    assertFalse(/[\x1b\x07\x9b\u202e]/.test(json.stdout));
    assertEquals(JSON.parse(json.stdout).functions[0].name, EVIL);
  });
});

Deno.test("a file name with control characters is escaped in errors", async () => {
  const name = "a\x1b[31mb\u202e.pstats";
  await withFiles(
    { [name]: new TextEncoder().encode("hello") },
    async (dir) => {
      const result = await cli(["-f", "json", name], dir);
      assertOneLine(
        result,
        1,
        10_000,
        "a\\x1b[31mb\\u202e.pstats: Not a pstats file",
      );
    },
  );
});

// 6. Fidelity to Python (values checked with Python 3.11's pstats.Stats).

async function jsonOf(data: Uint8Array) {
  return await withFiles({ "p.pstats": data }, async (dir) => {
    const result = await cli(["-f", "json", "--sort", "name", "p.pstats"], dir);
    assertEquals(result.code, 0, result.stderr);
    return JSON.parse(result.stdout);
  });
}

Deno.test("a key held twice keeps its last value, as a Python dict does", async () => {
  // {('a.py', 1, 'f'): (2, 3, 0.75, 0.75, {('a.py', 5, 'h'): (7, 7, 0.1, 0.1)}),
  //  ('a.py', 9, 'g'): (1, 1, 0.25, 1.0, {})}
  const report = await jsonOf(dict(
    [
      key("a.py", 1, "f"),
      entry(1, 1, 0.5, 0.5, dict([key("a.py", 9, "g"), edge(1, 1, 0.5, 0.5)])),
    ],
    [key("a.py", 9, "g"), entry(1, 1, 0.25, 1, dict())],
    [
      key("a.py", 1, "f"),
      entry(
        2,
        3,
        0.75,
        0.75,
        dict([key("a.py", 5, "h"), edge(3, 2, 0.75, 0.75)], [
          key("a.py", 5, "h"),
          edge(7, 7, 0.1, 0.1),
        ]),
      ),
    ],
  ));
  const f = report.functions.find((x: { name: string }) => x.name === "f");
  assertEquals([f.primitive_calls, f.calls, f.internal_time], [2, 3, 0.75]);
  assertEquals(
    f.callers.map((c: { name: string; calls: number }) => [c.name, c.calls]),
    [["h", 7]],
  );
  const g = report.functions.find((x: { name: string }) => x.name === "g");
  assertEquals([g.calls, g.callers], [1, []]);
  assertEquals(report.total_calls, 4 + 0);
});

Deno.test("a line number beyond 32 bits is kept exactly", async () => {
  // Python reads ('a.py', 1099511627776, 'f').
  const line = 2n ** 40n;
  const report = await jsonOf(
    dict([tuple(str("a.py"), long(line), str("f")), entry(1, 1, 0.5, 0.5)]),
  );
  assertEquals(report.functions[0].line, 1099511627776);
});

Deno.test("a key followed by NULL ends the dict, as CPython does", async () => {
  // Python reads {('a.py', 1, 'f'): (1, 1, 0.5, 0.5, {('a.py', 2, 'g'): ...})}
  const report = await jsonOf(
    concat(
      "{",
      key("a.py", 1, "f"),
      entry(
        1,
        1,
        0.5,
        0.5,
        concat(
          "{",
          key("a.py", 2, "g"),
          edge(1, 1, 0.5, 0.5),
          key("a.py", 3, "h"),
          "0",
        ),
      ),
      key("a.py", 4, "k"),
      "0",
    ),
  );
  assertEquals(report.functions.map((f: { name: string }) => f.name), [
    "f",
    "g",
  ]);
  assertEquals(report.functions[0].callers.length, 1);
});

Deno.test("names that are not UTF-8 stay distinct and visible", async () => {
  // Python 3 reads b'a\xff.py' and b'a\xfe.py' (Python 2 str) as two files,
  // and 'a\udcff.py' (a surrogate-escaped name) as Python 3's name of the
  // first: the same file.
  const py2 = dict(
    [
      tuple(bytes([0x61, 0xff, 0x2e, 0x70, 0x79]), int(1), bytes([0x66])),
      entry(1, 1, 0.5, 0.5),
    ],
    [
      tuple(bytes([0x61, 0xfe, 0x2e, 0x70, 0x79]), int(1), bytes([0x66])),
      entry(2, 2, 0.5, 0.5),
    ],
  );
  const report = await jsonOf(py2);
  assertEquals(
    report.functions.map((f: { file: string }) => f.file).sort(),
    ["a\udcfe.py", "a\udcff.py"],
  );
  const py3 = dict([key("a\udcff.py", 1, "f"), entry(4, 4, 0.5, 0.5)]);
  const merged = loadProfile([{ source: "2", bytes: py2 }, {
    source: "3",
    bytes: py3,
  }]);
  assertEquals(merged.size, 2);
  await withFiles({ "p.pstats": py2 }, async (dir) => {
    const table = await cli(["-f", "table", "p.pstats"], dir);
    assertStringIncludes(table.stdout, "a\\udcff.py:1(f)");
    assertStringIncludes(table.stdout, "a\\udcfe.py:1(f)");
  });
});

// 7. HTTP edge cases.

async function rawRequest(port: number, request: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(request));
    let text = "";
    const buffer = new Uint8Array(65536);
    for (;;) {
      const n = await conn.read(buffer);
      if (n === null) break;
      text += new TextDecoder().decode(buffer.subarray(0, n));
      if (/\r\n\r\n/.test(text) && /^HTTP\/1\.1 \d+/.test(text)) {
        const length = /content-length: (\d+)/i.exec(text)?.[1];
        const body = text.slice(text.indexOf("\r\n\r\n") + 4);
        if (request.startsWith("HEAD") || Number(length ?? 0) <= body.length) {
          break;
        }
      }
    }
    return text;
  } finally {
    conn.close();
  }
}

Deno.test("a malformed Host is a 400 without a log line; HEAD has the real length", async () => {
  await using server = await exploreOnFreePort([
    fixturePath("cprofile-3.13.pstats"),
  ]);
  for (
    const host of ["127.0.0.1:8099.", "localhost:8099:8099", "a b", "a\tb"]
  ) {
    const answer = await rawRequest(
      server.port,
      `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
    );
    // White space in a Host is malformed, a tab too (a URL would drop it).
    assertMatch(answer, /^HTTP\/1\.1 400 /, host);
  }
  for (const path of ["/", "/api/functions", "/api/profile"]) {
    const host = `Host: 127.0.0.1:${server.port}\r\nConnection: close\r\n`;
    const get = await rawRequest(
      server.port,
      `GET ${path} HTTP/1.1\r\n${host}\r\n`,
    );
    const head = await rawRequest(
      server.port,
      `HEAD ${path} HTTP/1.1\r\n${host}\r\n`,
    );
    const length = (text: string) =>
      Number(/content-length: (\d+)/i.exec(text)?.[1]);
    const body = new TextEncoder().encode(
      get.slice(get.indexOf("\r\n\r\n") + 4),
    );
    assert(length(head) > 0, head);
    assertEquals(length(head), length(get), path);
    if (path !== "/api/profile") assertEquals(length(head), body.length, path);
  }
  const exit = await server.stop("SIGINT");
  assertEquals(exit.code, 0);
  assertEquals(exit.stderr, "", "no internal error was logged");
});

Deno.test("decodeMarshal() errors on hostile input are the reader's own", () => {
  const cases = [
    concat("(", i32(-1)),
    concat("l", i32(-0x7fffffff)),
    concat(")", [3], "r", i32(0)),
    concat("{", "N"),
  ];
  for (const data of cases) {
    const [error] = time(() => decodeMarshal(data));
    assert(isDataError(error), String(error));
  }
  assertInstanceOf(decodeMarshal(concat("{", "N", "0")), MarshalDict);
});

// 8. Signals during load.

const _HAS_SCRIPT = (() => {
  try {
    return Deno.statSync("/usr/bin/script").isFile;
  } catch {
    return false;
  }
})();

/** A valid pstats file of about `megabytes` MB: many functions, one caller each. */
function largePstats(megabytes: number): Uint8Array {
  const out = new Uint8Array(megabytes * 1e6 + 4096);
  const view = new DataView(out.buffer);
  const encoder = new TextEncoder();
  let at = 0;
  const byte = (b: number) => (out[at++] = b);
  const int = (n: number) => {
    byte(0x69);
    view.setInt32(at, n, true);
    at += 4;
  };
  const float = (x: number) => {
    byte(0x67);
    view.setFloat64(at, x, true);
    at += 8;
  };
  const text = (s: string) => {
    byte(0x75);
    const { written } = encoder.encodeInto(s, out.subarray(at + 4));
    view.setInt32(at, written, true);
    at += 4 + written;
  };
  const key = (file: string, line: number, name: string) => {
    byte(0x29), byte(3), text(file), int(line), text(name);
  };
  byte(0x7b);
  for (let i = 0; at < megabytes * 1e6; i++) {
    key(`/srv/app/module_${i % 500}.py`, i, `function_${i}`);
    byte(0x29), byte(5), int(2), int(2), float(0.001), float(0.002);
    byte(0x7b), key("/srv/app/main.py", 1, "main");
    byte(0x29), byte(4), int(2), int(2), float(0.001), float(0.002);
    byte(0x30);
  }
  byte(0x30);
  return out.subarray(0, at);
}

Deno.test("a large file, decoded as it is read, reports what its bytes hold, and where the fast reader stops, the general one reads it all", async () => {
  // The same profile twice: with an int line, which the fast reader takes;
  // and with the same line as a long int, which only the general reader
  // takes, met at the very end of the file.
  const body = largePstats(17);
  const extra = (line: Uint8Array) =>
    concat(
      body.subarray(0, body.length - 1),
      tuple(str("/srv/extra.py"), line, str("extra")),
      entry(
        3,
        3,
        0.5,
        0.75,
        dict([key("/srv/app/main.py", 1, "main"), edge(3, 3, 0.5, 0.75)]),
      ),
      "0",
    );
  const fast = extra(int(7));
  const general = extra(long(7n));
  await withFiles({ "fast.pstats": fast }, async (one) => {
    await withFiles({ "fast.pstats": general }, async (other) => {
      const a = await cli(["-f", "csv", "fast.pstats"], one);
      const b = await cli(["-f", "csv", "fast.pstats"], other);
      assertEquals(a.code, 0, a.stderr);
      assertEquals(b.code, 0, b.stderr);
      assert(a.stdout.split("\n").length > 100_000);
      assert(a.stdout.includes("/srv/extra.py,7,extra,3,3,0.5,0.75"));
      assertEquals(a.stdout, b.stdout);
    });
  });
});

Deno.test("a large file cut short, or with bytes after its end, fails as its bytes would", async () => {
  const body = largePstats(17);
  const cases = {
    "cut.pstats": body.subarray(0, body.length - 20),
    "longer.pstats": concat(body, "0"),
  };
  await withFiles(cases, async (dir) => {
    for (const [name, bytes] of Object.entries(cases)) {
      let reason = "";
      try {
        readPstats(bytes);
      } catch (error) {
        reason = (error as Error).message;
      }
      assertMatch(reason, /byte \d+/);
      const line = assertOneLineError(await cli(["-f", "csv", name], dir), 1);
      assertEquals(line, `profiling-explorer: ${name}: ${reason}`);
    }
  });
});

Deno.test({
  name: "Ctrl+C while a large file loads ends the progress line and exits 130",
  ignore: !_HAS_SCRIPT || Deno.build.os !== "linux",
  fn: async () => {
    await withFiles({ "big.pstats": largePstats(20) }, async (dir) => {
      // A pseudo-terminal (script), so progress shows; Ctrl+C is the byte
      // 0x03 typed into it, as a user would.
      const files = Array(6).fill("big.pstats").join(" ");
      const command = `cd ${dir} && ${Deno.execPath()} run ${
        START_PERMISSIONS.join(" ")
      } ${MAIN} -f csv ${files} > /dev/null`;
      const child = new Deno.Command("script", {
        args: ["-qfec", command, "/dev/null"],
        stdin: "piped",
        stdout: "piped",
        stderr: "null",
      }).spawn();
      const reader = child.stdout.pipeThrough(new TextDecoderStream())
        .getReader();
      let output = "";
      while (!output.includes("Reading")) {
        const { value, done } = await reader.read();
        if (done) break;
        output += value;
      }
      const writer = child.stdin.getWriter();
      await writer.write(Uint8Array.of(3));
      const pressed = performance.now();
      const status = await child.status;
      const after = performance.now() - pressed;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        output += value;
      }
      await writer.close().catch(() => {});
      assertEquals(status.code, 130, output);
      assertLess(after, 5000, `exited ${after} ms after Ctrl+C`);
      // The progress line is cleared, then one line ends the output.
      assertMatch(output, /\r\x1b\[Kprofiling-explorer: Interrupted\r\n$/);
      assertFalse(output.includes("Loaded"), "it stopped loading");
    });
  },
});
