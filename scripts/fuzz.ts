/**
 * Fuzzes the pstats reader: mutates the fixtures (bit flips, interesting
 * bytes and lengths, cut, repeated and spliced slices, hostile snippets)
 * with a fixed seed, reads each case as the program does, and fails on any
 * error that is not the reader's own (`isDataError()`), any case slower
 * than a budget, any report that is not valid JSON with whole counts, or a
 * peak memory over a limit. Every case is also read as a stream, in windows
 * of a few bytes to a few kilobytes, which must give exactly what reading
 * the whole file gives (the fast reader taking the same files).
 *
 *     deno task fuzz                                  # CI: 3,000 cases
 *     deno task fuzz --cases 100000 --seconds 3600    # longer, by hand
 *     deno task fuzz --python python3 --cases 2000    # differential
 *     deno task fuzz --shapes                         # hostile shapes
 *
 * `--shapes` is the structural mode (`scripts/fuzz_shapes.ts`): instead of
 * mutated fixtures, well-formed files of hostile shapes, every output of
 * each checked for its size and its numbers (default 200 cases, 600 s,
 * 60 s a case).
 *
 * Options: `--cases N` (default 3000), `--seconds S` (stop after S seconds,
 * default 100), `--seed N` (default 1), `--case-ms MS` (budget per case,
 * default 3000), `--memory-mb MB` (peak resident memory limit, default
 * 1500), `--save DIR` (write failing cases there, default
 * `tests/output/fuzz`), `--python PY` (differential mode: also read every
 * case with Python's `pstats.Stats` and compare what both read).
 *
 * @module
 */

import { parseArgs } from "@std/cli/parse-args";
import { fromFileUrl } from "@std/path";
import { isDataError } from "../lib/data_error.ts";
import { buildProfile } from "../lib/pstats/build.ts";
import {
  type PstatsFile,
  type PstatsStream,
  readPstats,
  readPstatsStream,
} from "../lib/pstats/read.ts";
import { readPstatsFast, readPstatsFastStream } from "../lib/pstats/fast.ts";
import { jsonReport } from "../lib/report.ts";
import { random as mulberry32 } from "../tests/_random.ts";
import { concat, i32, long, str, tuple } from "../tests/_marshal_writer.ts";
import { peakMb } from "./_bench_tools.ts";

/**
 * Reads every case with pstats.Stats and prints one JSON line each: the
 * functions, or the error. Bytes are decoded as Python 3's os.fsdecode does
 * (surrogateescape), code objects shown as their repr without the address.
 */
const _PYTHON_READER = String.raw`
import io, json, math, os, pstats, signal, sys, types
out_stream = sys.stdout
sys.stdout = io.StringIO()  # pstats prints some complaints: keep them out
def timeout(*_):
    raise TimeoutError("took over 5 s")
signal.signal(signal.SIGALRM, timeout)
def text(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "surrogateescape")
    if isinstance(v, types.CodeType):
        return '<code object %s, file "%s", line %d>' % (v.co_name, v.co_filename, v.co_firstlineno)
    if isinstance(v, str):
        return v
    raise TypeError("not text")
def num(v):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise TypeError("not a number")
    if isinstance(v, float) and not math.isfinite(v):
        return repr(v)
    return v
def key(k):
    if not (isinstance(k, tuple) and len(k) == 3 and isinstance(k[1], int) and not isinstance(k[1], bool)):
        raise TypeError("not a key")
    return [text(k[0]), k[1], text(k[2])]
d = sys.argv[1]
for name in sorted(os.listdir(d), key=lambda n: int(n.split(".")[0])):
    index = int(name.split(".")[0])
    try:
        try:
            signal.alarm(5)
            stats = pstats.Stats(os.path.join(d, name)).stats
            out = []
            for k, v in stats.items():
                if k == ("__sampled__",):
                    continue
                cc, nc, tt, ct, callers = v
                edges = []
                for ck, cv in callers.items():
                    edges.append(key(ck) + [[num(x) for x in cv] if isinstance(cv, tuple) else num(cv)])
                out.append(key(k) + [num(cc), num(nc), num(tt), num(ct), edges])
            line = {"index": index, "stats": out}
        finally:
            signal.alarm(0)
            sys.stdout = io.StringIO()
    except BaseException as e:
        line = {"index": index, "error": "%s: %s" % (type(e).__name__, str(e)[:80])}
    try:
        out_stream.write(json.dumps(line) + "\n")
    except ValueError as e:
        out_stream.write(json.dumps({"index": index, "error": "unprintable"}) + "\n")
`;

const ROOT = fromFileUrl(new URL("../", import.meta.url));

const args = parseArgs(Deno.args, {
  boolean: ["shapes", "verbose"],
  string: [
    "cases",
    "seconds",
    "seed",
    "case-ms",
    "memory-mb",
    "save",
    "python",
  ],
});

if (args.shapes) {
  // The structural mode: files of hostile shapes, every output checked.
  const { fuzzShapes } = await import("./fuzz_shapes.ts");
  Deno.exit(
    await fuzzShapes({
      cases: Number(args.cases ?? 200),
      seconds: Number(args.seconds ?? 600),
      seed: Number(args.seed ?? 1),
      caseMs: Number(args["case-ms"] ?? 60_000),
      memoryMb: Number(args["memory-mb"] ?? 1500),
      save: args.save ?? `${ROOT}tests/output/fuzz`,
      verbose: args.verbose,
    }),
  );
}
const CASES = Number(args.cases ?? 3000);
const SECONDS = Number(args.seconds ?? 100);
const SEED = Number(args.seed ?? 1);
const CASE_MS = Number(args["case-ms"] ?? 3000);
const MEMORY_MB = Number(args["memory-mb"] ?? 1500);
const SAVE = args.save ?? `${ROOT}tests/output/fuzz`;
const PYTHON = args.python;

const random = mulberry32(SEED);
const below = (n: number) => Math.floor(random() * n);
const pick = <T>(items: readonly T[]): T => items[below(items.length)]!;

const INTERESTING_BYTES = [
  0x00,
  0xff,
  0x7f,
  0x80,
  0x30,
  0x4e,
  ..."{}()[]<>rRlLcgiIfFuUtTaAzZsSy.:"
    .split("").map((c) => c.charCodeAt(0)),
];
const INTERESTING_INTS = [
  0,
  1,
  -1,
  2,
  3,
  4,
  5,
  255,
  256,
  0x7fff,
  0x8000,
  0xffff,
  1 << 20,
  1 << 24,
  0x7fffffff,
  -0x80000000,
  -2,
];

/** Hostile snippets, spliced in whole. */
const SNIPPETS: Uint8Array[] = [
  concat("l", i32(20000), new Uint8Array(40000).fill(0x11)),
  long(2n ** 40n),
  long(-(2n ** 70n)),
  concat(...Array(3000).fill(concat(")", [1]))),
  concat(
    "(",
    i32(50000),
    new Uint8Array(100000).fill(0x29).map((b, i) => i % 2 ? 0 : b),
  ),
  concat("r", i32(0)),
  concat("r", i32(-1)),
  concat("r", i32(0x7ffffff)),
  concat("0"),
  str("\x1b]0;pwned\x07\u202e\udcff"),
  tuple(str("a.py"), concat("g", new Uint8Array(8).fill(0xff)), str("f")),
  concat(
    "c",
    i32(0),
    i32(0),
    i32(0),
    i32(0),
    i32(0),
    "s",
    i32(0),
    "(",
    i32(100000),
    new Uint8Array(100000).fill(0x4e),
  ),
];

interface _Mutation {
  bytes: Uint8Array;
  what: string;
}

function mutate(input: Uint8Array): _Mutation {
  let bytes: Uint8Array = input.slice();
  const what: string[] = [];
  const steps = 1 + below(3);
  for (let s = 0; s < steps; s++) {
    const at = below(Math.max(1, bytes.length));
    switch (below(8)) {
      case 0: {
        const n = 1 + below(8);
        for (let i = 0; i < n; i++) {
          const k = below(Math.max(1, bytes.length));
          if (k < bytes.length) bytes[k]! ^= 1 << below(8);
        }
        what.push(`flip ${n} bits`);
        break;
      }
      case 1:
        if (at < bytes.length) bytes[at] = pick(INTERESTING_BYTES);
        what.push(`byte at ${at}`);
        break;
      case 2:
        if (at + 4 <= bytes.length) {
          new DataView(bytes.buffer).setInt32(at, pick(INTERESTING_INTS), true);
        }
        what.push(`int at ${at}`);
        break;
      case 3: {
        const n = 1 + below(64);
        bytes = concat(bytes.subarray(0, at), bytes.subarray(at + n));
        what.push(`cut ${n} at ${at}`);
        break;
      }
      case 4: {
        const n = 1 + below(256);
        const times = 1 + below(random() < 0.1 ? 2000 : 4);
        const slice = bytes.slice(at, at + n);
        bytes = concat(
          bytes.subarray(0, at),
          ...Array(times).fill(slice),
          bytes.subarray(at),
        );
        what.push(`repeat ${n} bytes ${times}× at ${at}`);
        break;
      }
      case 5:
        bytes = bytes.slice(0, at);
        what.push(`truncate at ${at}`);
        break;
      case 6: {
        const snippet = below(SNIPPETS.length);
        const replace = below(16);
        bytes = concat(
          bytes.subarray(0, at),
          SNIPPETS[snippet]!,
          bytes.subarray(at + replace),
        );
        what.push(`snippet ${snippet} at ${at}`);
        break;
      }
      default: {
        // Copy a slice from elsewhere over this spot.
        const from = below(Math.max(1, bytes.length));
        const n = 1 + below(32);
        bytes.copyWithin(at, from, from + n);
        what.push(`copy ${n} from ${from} to ${at}`);
      }
    }
  }
  return { bytes, what: what.join(", ") };
}

/** Reads a case as the program does; returns a failure, if any. */
function check(bytes: Uint8Array): {
  file?: PstatsFile;
  refused?: string;
  failure?: string;
} {
  let file: PstatsFile;
  try {
    file = readPstats(bytes, { source: "case.pstats" });
  } catch (error) {
    if (isDataError(error)) return { refused: error.message };
    return { failure: `not the reader's error: ${error}` };
  }
  try {
    // The builder reads absurd times as 0 in the file's own columns: it
    // gets a copy, so that the file stays as read, for the streamed check.
    const profile = buildProfile([{
      ...file,
      internalTime: file.internalTime.slice(),
      cumulativeTime: file.cumulativeTime.slice(),
      edges: {
        ...file.edges,
        internalTime: file.edges.internalTime.slice(),
        cumulativeTime: file.edges.cumulativeTime.slice(),
      },
    }]);
    const ids = Array.from({ length: profile.size }, (_, i) => i);
    const report = JSON.parse([...jsonReport(profile, ids)].join(""));
    for (const f of report.functions) {
      if (!Number.isInteger(f.calls) || !Number.isInteger(f.primitive_calls)) {
        return { failure: `a count that is not whole: ${f.calls}` };
      }
    }
  } catch (error) {
    return { failure: `report failed: ${error}` };
  }
  return { file };
}

/**
 * Reads a case as a stream in `chunk`-byte windows; answers how that differs
 * from reading the whole file, if it does.
 */
async function checkStreamed(
  bytes: Uint8Array,
  whole: ReturnType<typeof check>,
  chunk: number,
): Promise<string | undefined> {
  const stream = (): PstatsStream => {
    let at = 0;
    return {
      size: bytes.length,
      read(into) {
        const n = Math.min(into.length, bytes.length - at);
        into.set(bytes.subarray(at, at + n));
        at += n;
        return Promise.resolve(n > 0 ? n : null);
      },
      readAll: () => Promise.resolve(bytes),
    };
  };
  const options = { source: "case.pstats", chunkSize: chunk };
  const fast = readPstatsFast(bytes, options);
  const fastStreamed = await readPstatsFastStream(stream(), options);
  if ((fast === undefined) !== (fastStreamed === undefined)) {
    return `the fast reader ${fast ? "read" : "left"} it whole but ${
      fastStreamed ? "read" : "left"
    } it streamed`;
  }
  if (fast && fastStreamed) {
    const differs = _differs(fast, fastStreamed);
    if (differs) return `streamed by the fast reader, ${differs} differ`;
  }
  let streamed: PstatsFile;
  try {
    streamed = await readPstatsStream(stream(), options);
  } catch (error) {
    if (!isDataError(error)) {
      return `streamed: not the reader's error: ${error}`;
    }
    return error.message === whole.refused
      ? undefined
      : `streamed, refused: ${error.message} (whole: ${
        whole.refused ?? "read"
      })`;
  }
  if (whole.file === undefined) return `streamed: read (whole: refused)`;
  const differs = _differs(whole.file, streamed);
  return differs && `streamed, ${differs} differ`;
}

/** Which parts of two files differ (numbers by their bits), if any. */
function _differs(a: PstatsFile, b: PstatsFile): string | undefined {
  const parts: [string, ArrayLike<unknown>, ArrayLike<unknown>][] = [
    ["kinds", [a.kind, a.entries, a.sampled, a.edgeDetail], [
      b.kind,
      b.entries,
      b.sampled,
      b.edgeDetail,
    ]],
    ["files", a.functions.file, b.functions.file],
    ["lines", a.functions.line, b.functions.line],
    ["names", a.functions.name, b.functions.name],
    ["calls", a.calls, b.calls],
    ["primitive calls", a.primitiveCalls, b.primitiveCalls],
    ["internal times", a.internalTime, b.internalTime],
    ["cumulative times", a.cumulativeTime, b.cumulativeTime],
  ];
  for (const column of Object.keys(a.edges) as (keyof typeof a.edges)[]) {
    parts.push([`edge ${column}`, a.edges[column], b.edges[column]]);
  }
  for (const [what, x, y] of parts) {
    if (x.length !== y.length) return what;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return what;
  }
  return undefined;
}

const fixtures: { name: string; bytes: Uint8Array }[] = [];
for await (const path of _walk(`${ROOT}tests/fixtures`)) {
  if (/\.(pstats|prof)$/.test(path)) {
    fixtures.push({
      name: path.slice(ROOT.length),
      bytes: Deno.readFileSync(path),
    });
  }
}
fixtures.sort((a, b) => a.name < b.name ? -1 : 1);

async function* _walk(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* _walk(path);
    else if (entry.isFile) yield path;
  }
}

interface _Case {
  index: number;
  fixture: string;
  what: string;
  bytes: Uint8Array;
  ours: ReturnType<typeof check>;
}

const start = performance.now();
const failures: { case: _Case; reason: string }[] = [];
const differential: _Case[] = [];
let read = 0;
let refused = 0;
let slowest = {
  ms: 0,
  index: -1,
  what: "",
  bytes: new Uint8Array() as Uint8Array,
};
let done = 0;
for (let index = 0; index < CASES; index++) {
  if ((performance.now() - start) / 1000 > SECONDS) break;
  // The 2.8 MB fixture is slow to mutate and read: one case in twenty.
  let fixture = pick(fixtures);
  while (fixture.bytes.length > 1e6 && random() > 0.05) {
    fixture = pick(fixtures);
  }
  const { bytes, what } = mutate(fixture.bytes);
  const t = performance.now();
  const ours = check(bytes);
  const ms = performance.now() - t;
  // Windows of 1 to 4,096 bytes, mostly small.
  const chunk = 1 + Math.floor(2 ** (random() * 12));
  const streamed = await checkStreamed(bytes, ours, chunk);
  done++;
  const c: _Case = { index, fixture: fixture.name, what, bytes, ours };
  if (ms > slowest.ms) {
    slowest = { ms, index, what: `${fixture.name}: ${what}`, bytes };
  }
  if (ours.failure !== undefined) {
    failures.push({ case: c, reason: ours.failure });
  } else if (streamed !== undefined) {
    failures.push({ case: c, reason: `${streamed} (${chunk}-byte windows)` });
  } else if (ms > CASE_MS) {
    failures.push({
      case: c,
      reason: `took ${ms.toFixed(0)} ms (budget ${CASE_MS})`,
    });
  }
  if (ours.file) read++;
  else refused++;
  if (PYTHON !== undefined) differential.push(c);
}
const seconds = (performance.now() - start) / 1000;
const peak = peakMb();
if (peak > MEMORY_MB) {
  failures.push({
    case: {
      index: -1,
      fixture: "",
      what: "",
      bytes: new Uint8Array(),
      ours: {},
    },
    reason: `peak memory ${peak.toFixed(0)} MB is over ${MEMORY_MB} MB`,
  });
}

console.log(
  `fuzz: ${done} cases in ${
    seconds.toFixed(1)
  } s (seed ${SEED}): ${read} read, ${refused} refused as bad data`,
);
console.log(
  `slowest case: #${slowest.index} ${
    slowest.ms.toFixed(0)
  } ms (${slowest.what}); peak memory ${peak.toFixed(0)} MB`,
);

// The slowest case, to look into by hand.
await Deno.mkdir(SAVE, { recursive: true });
await Deno.writeFile(`${SAVE}/slowest-${SEED}.pstats`, slowest.bytes);

if (PYTHON !== undefined) await _differential(PYTHON, differential);

if (failures.length > 0) {
  await Deno.mkdir(SAVE, { recursive: true });
  for (const { case: c, reason } of failures.slice(0, 20)) {
    console.log(`FAIL case #${c.index} (${c.fixture}: ${c.what}): ${reason}`);
    if (c.index >= 0) {
      await Deno.writeFile(`${SAVE}/case-${SEED}-${c.index}.pstats`, c.bytes);
    }
  }
  console.log(`${failures.length} failures; cases saved in ${SAVE}`);
  Deno.exit(1);
}
console.log("fuzz: no failures");

/**
 * Differential mode: Python's `pstats.Stats` reads every case too; where
 * both read a case, what they read must be the same. Cases that only
 * Python reads are counted by our reason (trailing data, counts that are
 * not whole numbers…: deliberate refusals), never failures.
 */
async function _differential(python: string, cases: _Case[]): Promise<void> {
  const dir = `${ROOT}tests/output/fuzz-diff-${SEED}`;
  await Deno.mkdir(dir, { recursive: true });
  try {
    for (const c of cases) {
      await Deno.writeFile(`${dir}/${c.index}.pstats`, c.bytes);
    }
    const output = await new Deno.Command(python, {
      args: ["-c", _PYTHON_READER, dir],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    const lines = new TextDecoder().decode(output.stdout).trim().split("\n");
    const answers = new Map<number, _PythonAnswer>();
    for (const line of lines) {
      if (line === "") continue;
      const answer = JSON.parse(line) as _PythonAnswer;
      answers.set(answer.index, answer);
    }
    let both = 0;
    let neither = 0;
    let agree = 0;
    const onlyPython = new Map<string, number>();
    const onlyUs = new Map<string, number>();
    for (const c of cases) {
      const answer = answers.get(c.index);
      if (answer === undefined) continue;
      const pythonReads = answer.stats !== undefined;
      if (!pythonReads && !c.ours.file) {
        neither++;
        continue;
      }
      if (pythonReads && !c.ours.file) {
        const reason = (c.ours.refused ?? "").replace(/\d+/g, "N").slice(0, 60);
        onlyPython.set(reason, (onlyPython.get(reason) ?? 0) + 1);
        continue;
      }
      if (!pythonReads) {
        const reason = (answer.error ?? "").slice(0, 60);
        onlyUs.set(reason, (onlyUs.get(reason) ?? 0) + 1);
        continue;
      }
      both++;
      const difference = _compare(c.ours.file!, answer.stats!);
      if (difference === undefined) agree++;
      else {
        failures.push({
          case: c,
          reason: `differs from Python: ${difference}`,
        });
      }
    }
    console.log(
      `differential (${python}): both read ${both} (${agree} the same), neither ${neither}, only Python ${
        [...onlyPython.values()].reduce((a, b) => a + b, 0)
      }, only us ${[...onlyUs.values()].reduce((a, b) => a + b, 0)}`,
    );
    for (
      const [reason, n] of [...onlyPython].sort((a, b) => b[1] - a[1]).slice(
        0,
        8,
      )
    ) {
      console.log(`  only Python reads ${n}: we say "${reason}"`);
    }
    for (
      const [reason, n] of [...onlyUs].sort((a, b) => b[1] - a[1]).slice(0, 8)
    ) {
      console.log(`  only we read ${n}: Python says "${reason}"`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

interface _PythonAnswer {
  index: number;
  error?: string;
  /** [file, line, name, cc, nc, tt, ct, [[file, line, name, value]]] */
  stats?: [
    string,
    number,
    string,
    number | string,
    number | string,
    number | string,
    number | string,
    [string, number, string, number | string | (number | string)[]][],
  ][];
}

function _compare(
  file: PstatsFile,
  stats: NonNullable<_PythonAnswer["stats"]>,
): string | undefined {
  const f = file.functions;
  const ids = new Map<string, number>();
  for (let i = 0; i < f.name.length; i++) {
    ids.set(JSON.stringify([f.file[i], f.line[i], f.name[i]]), i);
  }
  if (stats.length !== file.entries) {
    return `${stats.length} functions in Python, ${file.entries} here`;
  }
  const yappi = file.kind === "yappi";
  const same = (a: number, b: number) =>
    a === b || (Number.isNaN(a) && Number.isNaN(b));
  for (const [name, line, fn, cc, nc, tt, ct, callers] of stats) {
    const id = ids.get(JSON.stringify([name, line, fn]));
    if (id === undefined) return `no ${name}:${line}(${fn}) here`;
    const ours = [
      file.primitiveCalls[id]!,
      file.calls[id]!,
      file.internalTime[id]!,
      file.cumulativeTime[id]!,
    ];
    if (yappi) [ours[0], ours[1]] = [ours[1]!, ours[0]!];
    const theirs = [cc, nc, tt, ct].map(_pyNumber);
    if (!ours.every((v, k) => same(v, theirs[k]!))) {
      return `${name}:${line}(${fn}) is ${ours} here, ${theirs} in Python`;
    }
    const e = file.edges;
    const edges = new Map<number, number[]>();
    for (let k = 0; k < e.callee.length; k++) {
      if (e.callee[k] !== id) continue;
      edges.set(e.caller[k]!, [
        e.calls[k]!,
        e.primitiveCalls[k]!,
        e.internalTime[k]!,
        e.cumulativeTime[k]!,
      ]);
    }
    if (edges.size !== callers.length) {
      return `${name}:${line}(${fn}) has ${edges.size} callers here, ${callers.length} in Python`;
    }
    for (const [cfile, cline, cname, value] of callers) {
      const caller = ids.get(JSON.stringify([cfile, cline, cname]));
      const edge = caller === undefined ? undefined : edges.get(caller);
      if (edge === undefined) {
        return `no caller ${cfile}:${cline}(${cname}) here`;
      }
      const expected = Array.isArray(value)
        ? value.map(_pyNumber)
        : [_pyNumber(value), _pyNumber(value), 0, 0];
      if (!edge.every((v, k) => same(v, expected[k]!))) {
        return `edge ${cname}→${fn} is ${edge} here, ${expected} in Python`;
      }
    }
  }
  return undefined;
}

/** A number from the Python reader, where "inf", "-inf" and "nan" are text. */
function _pyNumber(value: number | string): number {
  if (value === "inf") return Infinity;
  if (value === "-inf") return -Infinity;
  return typeof value === "number" ? value : NaN;
}
