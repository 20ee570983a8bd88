/**
 * The structural mode of `deno task fuzz --shapes`: where the byte fuzzer
 * (`scripts/fuzz.ts`) mutates files, this one builds well-formed files of
 * hostile shapes — call chains thousands deep, paths thousands of folders
 * deep, one long path or name shared by thousands of functions (stored once,
 * referred back to), dense graphs, times that are not finite numbers, and
 * mixes of them — with random sizes from a fixed seed, and runs every output
 * on each: the table, JSON and CSV, the folded stacks, the groups of every
 * level (table, JSON, CSV, sorted by name), filters with colons, a
 * comparison (table, JSON, CSV), the server's API and the HTML report.
 *
 * Each output must stay in proportion to the file (at most
 * {@linkcode SIZE_FACTOR} times its bytes, plus 256 KiB; the folded stacks
 * within their own cap, `DEFAULT_FOLDED_BYTES`, when that is more) and
 * hold no `NaN` or `Infinity`; JSON must parse, and the HTML report's data
 * decode to finite numbers. The peak memory of the run must stay under
 * a limit, and no case may take longer than a budget (a guard against
 * hangs; the bounds themselves are the sizes).
 *
 *     deno task fuzz --shapes                        # 200 cases, 600 s
 *     deno task fuzz --shapes --cases 2000 --seconds 3600
 *
 * @module
 */

import { buildCallTree } from "../lib/call_tree.ts";
import { compareProfiles, queryComparison } from "../lib/compare.ts";
import {
  compareCsvReport,
  compareJsonReport,
  compareTableReport,
} from "../lib/compare_report.ts";
import { collapsedStacks, DEFAULT_FOLDED_BYTES } from "../lib/folded_stacks.ts";
import { GROUP_LEVELS } from "../lib/group.ts";
import {
  groupCsvReport,
  groupJsonReport,
  groupTableReport,
} from "../lib/group_report.ts";
import { queryGroups } from "../lib/group_rows.ts";
import { htmlReport, type UiAssets } from "../lib/html_report.ts";
import type { Profile } from "../lib/profile.ts";
import { loadProfile } from "../lib/pstats/read.ts";
import { queryFunctions } from "../lib/query.ts";
import { csvReport, jsonReport, tableReport } from "../lib/report.ts";
import { createHandler, PAGE_DATA_PATHS } from "../lib/server.ts";
import { decodeProfile } from "../lib/wire.ts";
import {
  chainEntries,
  deepPathEntries,
  denseEntries,
  ODD_TIMES,
  pstatsBytes,
  type ShapeEntry,
  sharedPathEntries,
} from "../tests/_hostile_shapes.ts";
import { random as mulberry32 } from "../tests/_random.ts";
import { peakMb } from "./_bench_tools.ts";

/**
 * How many times its file's bytes an output may take: a row shows at most
 * 4,096 characters of a path and of a name, and a function whose texts are
 * referred back to takes about 30 bytes of the file.
 */
export const SIZE_FACTOR = 300;

/** The largest JSON output the fuzzer parses, in characters. */
const _PARSED = 16 << 20;

/** Options of {@linkcode fuzzShapes}. */
export interface ShapeFuzzOptions {
  /** How many cases at most. */
  cases: number;
  /** Stop starting cases after this many seconds. */
  seconds: number;
  /** The seed of the random sizes. */
  seed: number;
  /** Fail a case that takes longer than this (a guard against hangs). */
  caseMs: number;
  /** Fail the run when its peak resident memory passes this. */
  memoryMb: number;
  /** Where to write the files of failing cases. */
  save: string;
  /** Print each case before running it. */
  verbose?: boolean;
}

/**
 * Runs the structural fuzzer; prints a summary and the failures.
 *
 * @returns The exit code: 0, or 1 on a failure.
 */
export async function fuzzShapes(options: ShapeFuzzOptions): Promise<number> {
  const random = mulberry32(options.seed);
  const assets = await _assets();
  const start = performance.now();
  const failures: { index: number; what: string; reason: string }[] = [];
  const kinds = new Map<string, number>();
  let done = 0;
  let slowest = { ms: 0, what: "" };
  let largest = { ratio: 0, what: "" };
  for (let index = 0; index < options.cases; index++) {
    if ((performance.now() - start) / 1000 > options.seconds) break;
    const shape = _shape(random);
    const bytes = pstatsBytes(shape.entries);
    if (options.verbose) console.log(`#${index} ${shape.what}`);
    const t = performance.now();
    let reason: string | undefined;
    let ratio = 0;
    try {
      ratio = await _checkOutputs(bytes, assets);
    } catch (error) {
      reason = error instanceof Error ? error.message : String(error);
    }
    const ms = performance.now() - t;
    done++;
    kinds.set(shape.kind, (kinds.get(shape.kind) ?? 0) + 1);
    if (ms > slowest.ms) slowest = { ms, what: shape.what };
    if (ratio > largest.ratio) largest = { ratio, what: shape.what };
    if (reason === undefined && ms > options.caseMs) {
      reason = `took ${ms.toFixed(0)} ms (budget ${options.caseMs})`;
    }
    if (reason !== undefined) {
      failures.push({ index, what: shape.what, reason });
      await Deno.mkdir(options.save, { recursive: true });
      await Deno.writeFile(
        `${options.save}/shape-${options.seed}-${index}.pstats`,
        bytes,
      );
    }
  }
  const seconds = (performance.now() - start) / 1000;
  const peak = peakMb();
  console.log(
    `fuzz --shapes: ${done} cases in ${
      seconds.toFixed(1)
    } s (seed ${options.seed}): ${
      [...kinds].map(([k, n]) => `${n} ${k}`).join(", ")
    }`,
  );
  console.log(
    `slowest case: ${slowest.ms.toFixed(0)} ms (${slowest.what}); ` +
      `largest output: ${
        largest.ratio.toFixed(1)
      }× its file (${largest.what}); ` +
      `peak memory ${peak.toFixed(0)} MB`,
  );
  if (peak > options.memoryMb) {
    failures.push({
      index: -1,
      what: "the run",
      reason: `peak memory ${
        peak.toFixed(0)
      } MB is over ${options.memoryMb} MB`,
    });
  }
  for (const { index, what, reason } of failures.slice(0, 20)) {
    console.log(`FAIL shape #${index} (${what}): ${reason}`);
  }
  if (failures.length > 0) {
    console.log(`${failures.length} failures; files saved in ${options.save}`);
    return 1;
  }
  console.log("fuzz --shapes: no failures");
  return 0;
}

/** A hostile shape: its kind, a description, and its functions. */
interface _Shape {
  kind: string;
  what: string;
  entries: ShapeEntry[];
}

/** A random shape, of a random kind and size. */
function _shape(random: () => number): _Shape {
  const below = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[below(items.length)]!;
  const kind = pick([
    "shared path",
    "shared name",
    "deep path",
    "deep chain",
    "dense graph",
    "odd times",
    "mixed",
  ]);
  const one = (k: string): _Shape => {
    switch (k) {
      case "shared path": {
        const length = 4096 * 2 ** below(7); // 4 KiB to 256 KiB
        const count = 50 + below(3000);
        return {
          kind: k,
          what: `${count} functions sharing a ${length}-character path`,
          entries: sharedPathEntries(length, count),
        };
      }
      case "shared name": {
        const length = 4096 * 2 ** below(6);
        const count = 50 + below(2000);
        return {
          kind: k,
          what: `${count} functions sharing a ${length}-character name`,
          entries: sharedPathEntries(300, count, `n${"y".repeat(length)}`),
        };
      }
      case "deep path": {
        const depth = pick([40, 255, 256, 300, 2000, 20_000, 100_000]);
        const shallower = 1 + below(Math.min(depth, 300));
        return {
          kind: k,
          what: `paths ${depth} folders deep, ${shallower} apart`,
          entries: deepPathEntries(depth, shallower),
        };
      }
      case "deep chain": {
        const depth = 100 + below(3000);
        const length = pick([10, 300, 5000, 65536]);
        const path = `/srv/${"p".repeat(length)}.py`;
        const deep = random() < 0.3;
        return {
          kind: k,
          what: `a chain ${depth} calls deep in ${
            deep ? "paths that deepen" : `a ${length}-character path`
          }`,
          entries: chainEntries(
            depth,
            deep ? (i) => `${"d/".repeat(i)}m.py` : () => path,
          ),
        };
      }
      case "dense graph": {
        const n = 20 + below(180);
        const length = pick([10, 4096, 65536]);
        return {
          kind: k,
          what:
            `${n} functions calling each other in a ${length}-character path`,
          entries: denseEntries(n, `/srv/${"q".repeat(length)}.py`),
        };
      }
      case "odd times": {
        const base = random() < 0.5
          ? chainEntries(20 + below(300))
          : denseEntries(5 + below(40));
        const odd = () => pick(ODD_TIMES);
        for (const e of base) {
          if (random() < 0.3) e.internalTime = odd();
          if (random() < 0.3) e.cumulativeTime = odd();
          for (const edge of e.callers) {
            if (random() < 0.3) edge[3] = odd();
            if (random() < 0.3) edge[4] = odd();
          }
          if (random() < 0.05) e.calls = e.primitiveCalls = 2 ** 53 - 1;
        }
        return {
          kind: k,
          what: `${base.length} functions with odd times`,
          entries: base,
        };
      }
      default: {
        const a = one(pick(["shared path", "deep path", "deep chain"]));
        const b = one(pick(["dense graph", "odd times", "shared name"]));
        // b's callers point into b: move them past a's entries.
        const moved = b.entries.map((e) => ({
          ...e,
          callers: e.callers.map(([at, ...rest]) =>
            [at + a.entries.length, ...rest] as [
              number,
              number,
              number,
              number,
              number,
            ]
          ),
        }));
        return {
          kind: "mixed",
          what: `${a.what}, with ${b.what}`,
          entries: [...a.entries, ...moved],
        };
      }
    }
  };
  return one(kind);
}

/**
 * Runs every output on the file; throws at the first that is too large or
 * holds a number that is not one.
 *
 * @returns The largest output's size over the file's.
 */
async function _checkOutputs(
  bytes: Uint8Array,
  assets: UiAssets,
): Promise<number> {
  const input = bytes.length;
  let largest = 0;
  // Folded stacks repeat each path's frames on every line below it: they
  // are bounded by their own cap (DEFAULT_FOLDED_BYTES) rather than the
  // file's size.
  const folded = (what: string) => /collapsed/.test(what);
  const bounded = (what: string, size: number) => {
    const most = Math.max(
      SIZE_FACTOR * input + 262_144,
      folded(what) ? DEFAULT_FOLDED_BYTES * 1.01 : 0,
    );
    if (size > most) {
      throw new Error(`${what}: over ${size} characters from ${input} bytes`);
    }
    if (!folded(what)) largest = Math.max(largest, size / input);
  };
  const measure = (what: string, chunks: Iterable<string>, json = false) => {
    let size = 0;
    const kept: string[] = [];
    for (const chunk of chunks) {
      size += chunk.length;
      if (/NaN|Infinity/.test(chunk)) {
        throw new Error(`${what}: ${_around(chunk, /NaN|Infinity/)}`);
      }
      bounded(what, size);
      // Parsed when small enough to hold: the fuzzer's memory is not the
      // program's, which streams its reports.
      if (json && size <= _PARSED) kept.push(chunk);
    }
    if (json && size <= _PARSED) JSON.parse(kept.join(""));
  };
  const profile = loadProfile([{ source: "shape.pstats", bytes }]);
  const all = Array.from({ length: profile.size }, (_, i) => i);
  const first = queryFunctions(profile, { limit: 40 }).ids;
  measure("table", tableReport(profile, first));
  measure("JSON", jsonReport(profile, all), true);
  measure("CSV", csvReport(profile, all));
  for (const filter of ["f1:", "py:1", ":", "x.py:7 f", "a/a"]) {
    const { ids } = queryFunctions(profile, { filter, sort: "name" });
    measure(`table --filter ${filter}`, tableReport(profile, ids));
  }
  for (const minShare of [0.001, 0]) {
    const tree = buildCallTree(profile, { minShare });
    measure(`collapsed --min-share ${minShare}`, collapsedStacks(tree));
  }
  for (const level of GROUP_LEVELS) {
    for (const sort of ["name", "cumulative"] as const) {
      const { numbers, ids } = queryGroups(profile, level, { sort });
      measure(`groups by ${level}`, groupTableReport(numbers, ids));
      measure(`groups JSON by ${level}`, groupJsonReport(numbers, ids), true);
      measure(`groups CSV by ${level}`, groupCsvReport(numbers, ids));
    }
    const { numbers, ids } = queryGroups(profile, level, { filter: "py:1" });
    measure(`groups by ${level} --filter py:1`, groupCsvReport(numbers, ids));
  }
  const again = loadProfile([{ source: "again.pstats", bytes }]);
  const comparison = compareProfiles(profile, again);
  const { rows } = queryComparison(comparison, { filter: "f1" });
  measure("compare table", compareTableReport(comparison, rows));
  const everyRow = queryComparison(comparison).rows;
  measure("compare JSON", compareJsonReport(comparison, everyRow), true);
  measure("compare CSV", compareCsvReport(comparison, everyRow));
  await _checkServed(profile, again, assets, measure, bounded);
  return largest;
}

/** The server's API and the HTML report, measured as the rest. */
async function _checkServed(
  profile: Profile,
  base: Profile,
  assets: UiAssets,
  measure: (what: string, chunks: Iterable<string>, json?: boolean) => void,
  bounded: (what: string, size: number) => void,
): Promise<void> {
  const handler = createHandler({ profile, isAllowedHost: () => true });
  const text = async (path: string) => {
    const response = await handler(new Request(`http://fuzz${path}`));
    if (response.status !== 200) {
      throw new Error(`${path} answered ${response.status}`);
    }
    return await response.text();
  };
  for (
    const path of [
      "/api/functions?q=f1:&limit=500",
      "/api/functions?sort=name&limit=500",
      "/api/functions/0/callers",
      "/api/functions/0/callees",
      "/api/collapsed?min=0",
    ]
  ) {
    measure(path, [await text(path)], path.startsWith("/api/functions"));
  }
  // The HTML report of the comparison, with its data as the server sends it.
  const compared = createHandler({
    profile,
    base,
    isAllowedHost: () => true,
  });
  const data = new Map<string, Uint8Array>();
  for (const path of PAGE_DATA_PATHS) {
    const response = await compared(new Request(`http://report${path}`));
    if (response.status !== 200) {
      await response.body?.cancel();
      continue;
    }
    data.set(path, new Uint8Array(await response.arrayBuffer()));
  }
  const parts = await Array.fromAsync(htmlReport({ assets, data }));
  const size = parts.reduce((n, part) => n + part.length, 0);
  // The page's own script, style and icon aside (twice: escaped, encoded;
  // they hold the words NaN and Infinity), the report is its data: in proportion, and every number in
  // it a finite one.
  const page = 2 * (assets.script.body.length + assets.style.body.length +
    assets.html.length + assets.favicon.length);
  bounded("HTML report", size - page);
  for (const path of ["/api/profile", "/api/base"]) {
    const bytes = data.get(path);
    if (bytes === undefined) throw new Error(`no ${path} in the report`);
    const decoded = decodeProfile(bytes);
    const f = decoded.functions;
    const e = decoded.edges;
    for (
      const [what, column] of [
        ["internal time", f.internalTime],
        ["cumulative time", f.cumulativeTime],
        ["calls", f.calls],
        ["edge internal time", e.internalTime],
        ["edge cumulative time", e.cumulativeTime],
      ] as const
    ) {
      if (!column.every(Number.isFinite)) {
        throw new Error(`${path}: a ${what} that is not finite`);
      }
    }
    if (!Number.isFinite(decoded.totals.time)) {
      throw new Error(`${path}: the total time is not finite`);
    }
  }
}

/** The built page (`deno task build`), loaded when the fuzzer runs. */
async function _assets(): Promise<UiAssets> {
  const url = new URL("../ui/bundle.gen.ts", import.meta.url).href;
  return (await import(url)).UI_ASSETS as UiAssets;
}

/** A few characters around the first match of `pattern` in `text`. */
function _around(text: string, pattern: RegExp): string {
  const at = text.search(pattern);
  return JSON.stringify(text.slice(Math.max(0, at - 60), at + 20));
}
