/**
 * What the source view draws beside a file's lines, worked out from the
 * profile: pure, shared by the page and the tests.
 *
 * - A **sampled** profile keyed by executing line (Python 3.15's sampler)
 *   gives each sampled line its direct samples (the line was running) and
 *   cumulative samples (the line was on the stack), each function's hottest
 *   line, and the hot spots of the file, hottest first.
 * - A **traced** profile (cProfile, `profile`, yappi) knows functions, not
 *   lines: each profiled function of the file is annotated at its first line
 *   (`co_firstlineno`: the `def`, or its first decorator) with its calls,
 *   internal and cumulative time, and lists its callees with the time of
 *   each edge. pstats stores no call-site lines, so where in the body a
 *   callee is called is not known, and is not guessed.
 *
 * @module
 */

import type { Profile } from "./profile.ts";

/** A sampled line's numbers. */
export interface LineHeat {
  /** The line (1-based). */
  readonly line: number;
  /** Samples with this line running (pstats `cc` of its rows). */
  readonly direct: number;
  /** Samples with this line on the stack (pstats `nc` of its rows). */
  readonly cumulative: number;
  /** The profile rows of this line. */
  readonly rows: readonly number[];
}

/** A callee of a traced function, with the edge's numbers. */
export interface CalleeMark {
  /** The callee's id. */
  readonly id: number;
  /** Calls on this edge. */
  readonly calls: number;
  /** The callee's internal time on behalf of this caller (seconds). */
  readonly internalTime: number;
  /** The callee's cumulative time on behalf of this caller (seconds). */
  readonly cumulativeTime: number;
}

/** A profiled function of the file. */
export interface FunctionMark {
  /** Its rows (one for a traced profile; its lines' rows when sampled). */
  readonly ids: readonly number[];
  /** Its name. */
  readonly name: string;
  /**
   * Where it is marked: its first line when traced; when sampled, its
   * hottest line (most direct samples, the first of equals).
   */
  readonly line: number;
  /** Its first line (sampled: the smallest sampled line). */
  readonly firstLine: number;
  /** Calls (`nc`), or cumulative samples of its hottest line when sampled. */
  readonly calls: number;
  /** Primitive calls (`cc`), or direct samples of its hottest line. */
  readonly primitiveCalls: number;
  /** Internal time (seconds), summed over its rows. */
  readonly internalTime: number;
  /** Cumulative time (seconds); the largest of its rows' when sampled. */
  readonly cumulativeTime: number;
  /** Its callees, most cumulative time first (traced profiles only). */
  readonly callees: readonly CalleeMark[];
}

/** Everything the source view shows for one file. */
export interface FileHeat {
  /** The file, as the profile names it. */
  readonly file: string;
  /** Whether the numbers are samples, keyed by line. */
  readonly sampled: boolean;
  /** Sampled lines, by line number (empty when traced). */
  readonly lines: ReadonlyMap<number, LineHeat>;
  /** The file's functions, by first line. */
  readonly functions: readonly FunctionMark[];
  /**
   * The lines to jump between, hottest first: sampled lines by direct
   * samples, or traced functions' lines by internal time; those with
   * nothing are left out.
   */
  readonly hotSpots: readonly number[];
  /** The largest direct samples of a line (sampled), or internal time of a function. */
  readonly max: number;
}

/**
 * The heat of one file of a profile.
 *
 * @example
 * ```ts
 * import { fileHeat } from "./source_heat.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const row = (line: number, name: string, direct: number, cumulative: number) => ({
 *   key: ["app.py", line, name] as const,
 *   calls: cumulative,
 *   primitiveCalls: direct,
 *   internalTime: direct / 1000,
 *   cumulativeTime: cumulative / 1000,
 * });
 * const profile = buildProfile([statsFile("s.pstats", [
 *   row(3, "main", 1, 9),
 *   row(11, "parse", 5, 5),
 *   row(12, "parse", 3, 3),
 * ], { sampled: true })]);
 * const heat = fileHeat(profile, "app.py");
 * assertEquals(heat.hotSpots, [11, 12, 3]);
 * assertEquals(heat.lines.get(3)?.cumulative, 9);
 * assertEquals(heat.functions.map((f) => [f.name, f.line]), [["main", 3], ["parse", 11]]);
 * ```
 *
 * @param profile The profile.
 * @param file The file, as the profile names it.
 * @returns Its lines' and functions' numbers.
 */
export function fileHeat(profile: Profile, file: string): FileHeat {
  const f = profile.functions;
  const ids: number[] = [];
  for (let i = 0; i < profile.size; i++) if (f.file[i] === file) ids.push(i);
  return profile.sampled
    ? _sampledHeat(profile, file, ids)
    : _tracedHeat(profile, file, ids);
}

function _sampledHeat(profile: Profile, file: string, ids: number[]): FileHeat {
  const f = profile.functions;
  const lines = new Map<number, LineHeat>();
  for (const id of ids) {
    const line = f.line[id]!;
    const old = lines.get(line);
    lines.set(line, {
      line,
      direct: (old?.direct ?? 0) + f.primitiveCalls[id]!,
      cumulative: (old?.cumulative ?? 0) + f.calls[id]!,
      rows: [...(old?.rows ?? []), id],
    });
  }
  const byName = new Map<string, number[]>();
  for (const id of ids) {
    const name = f.name[id]!;
    const list = byName.get(name);
    if (list === undefined) byName.set(name, [id]);
    else list.push(id);
  }
  const functions: FunctionMark[] = [];
  for (const [name, rows] of byName) {
    let hottest = rows[0]!;
    let first = f.line[rows[0]!]!;
    let internal = 0;
    let cumulative = 0;
    for (const id of rows) {
      const direct = f.primitiveCalls[id]!;
      const best = f.primitiveCalls[hottest]!;
      if (
        direct > best || (direct === best && f.line[id]! < f.line[hottest]!)
      ) hottest = id;
      first = Math.min(first, f.line[id]!);
      internal += f.internalTime[id]!;
      cumulative = Math.max(cumulative, f.cumulativeTime[id]!);
    }
    functions.push({
      ids: rows,
      name,
      line: f.line[hottest]!,
      firstLine: first,
      calls: f.calls[hottest]!,
      primitiveCalls: f.primitiveCalls[hottest]!,
      internalTime: internal,
      cumulativeTime: cumulative,
      callees: [],
    });
  }
  functions.sort((a, b) => a.firstLine - b.firstLine);
  // Lines that ran first, by samples; then lines only on the stack.
  const hot = [...lines.values()].filter((l) =>
    l.direct > 0 || l.cumulative > 0
  );
  hot.sort((a, b) =>
    b.direct - a.direct || b.cumulative - a.cumulative || a.line - b.line
  );
  return {
    file,
    sampled: true,
    lines,
    functions,
    hotSpots: hot.map((l) => l.line),
    max: Math.max(0, ...hot.map((l) => l.direct)),
  };
}

function _tracedHeat(profile: Profile, file: string, ids: number[]): FileHeat {
  const f = profile.functions;
  const e = profile.edges;
  const functions: FunctionMark[] = ids.map((id) => {
    const callees: CalleeMark[] = [];
    for (
      let k = profile.calleeStart[id]!;
      k < profile.calleeStart[id + 1]!;
      k++
    ) {
      const edge = profile.calleeEdges[k]!;
      callees.push({
        id: e.callee[edge]!,
        calls: e.calls[edge]!,
        internalTime: e.internalTime[edge]!,
        cumulativeTime: e.cumulativeTime[edge]!,
      });
    }
    callees.sort((a, b) =>
      b.cumulativeTime - a.cumulativeTime || b.calls - a.calls || a.id - b.id
    );
    return {
      ids: [id],
      name: f.name[id]!,
      line: f.line[id]!,
      firstLine: f.line[id]!,
      calls: f.calls[id]!,
      primitiveCalls: f.primitiveCalls[id]!,
      internalTime: f.internalTime[id]!,
      cumulativeTime: f.cumulativeTime[id]!,
      callees,
    };
  });
  functions.sort((a, b) => a.firstLine - b.firstLine || a.ids[0]! - b.ids[0]!);
  const hot = functions.filter((m) =>
    m.internalTime > 0 || m.cumulativeTime > 0
  );
  hot.sort((a, b) =>
    b.internalTime - a.internalTime || b.cumulativeTime - a.cumulativeTime ||
    a.line - b.line
  );
  const hotSpots: number[] = [];
  for (const m of hot) if (!hotSpots.includes(m.line)) hotSpots.push(m.line);
  return {
    file,
    sampled: false,
    lines: new Map(),
    functions,
    hotSpots,
    max: Math.max(0, ...functions.map((m) => m.internalTime)),
  };
}

/**
 * The lines a function's body spans, from its first line, by indentation:
 * decorators and the `def` (or `class`) line, then every line indented
 * deeper than the `def`, blank lines and comments within included. When
 * the line holds no `def`, `class` or decorator (a module's `<module>`, a
 * file that changed), just that line.
 *
 * @example
 * ```ts
 * import { functionExtent } from "./source_heat.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const lines = [
 *   "@cache",
 *   "def f(x):",
 *   "    y = x",
 *   "",
 *   "    return y",
 *   "def g():",
 * ];
 * assertEquals(functionExtent(lines, 1), { first: 1, last: 5 });
 * assertEquals(functionExtent(lines, 6), { first: 6, last: 6 });
 * ```
 *
 * @param lines The file's lines.
 * @param first The function's first line (1-based).
 * @returns The first and last line of the body (1-based).
 */
export function functionExtent(
  lines: readonly string[],
  first: number,
): { first: number; last: number } {
  let def = first;
  while (def <= lines.length && /^\s*@/.test(lines[def - 1]!)) def++;
  const text = lines[def - 1];
  if (text === undefined || !/^\s*(?:async\s+)?(?:def|class)\b/.test(text)) {
    return { first, last: Math.min(first, Math.max(lines.length, first)) };
  }
  const indent = _indent(text);
  // The signature may span lines: up to where its brackets close.
  let last = def;
  let depth = 0;
  for (; last <= lines.length; last++) {
    for (const c of lines[last - 1]!.replace(/#.*$/, "")) {
      if (c === "(" || c === "[" || c === "{") depth++;
      else if (c === ")" || c === "]" || c === "}") depth--;
    }
    if (depth <= 0) break;
  }
  last = Math.min(last, lines.length);
  // A body on the signature's own line (`def f(): pass`) ends there.
  if (!/:\s*(?:#.*)?$/.test(lines[last - 1]!)) return { first, last };
  for (let i = last + 1; i <= lines.length; i++) {
    const line = lines[i - 1]!;
    if (/^\s*(?:#.*)?$/.test(line)) continue;
    if (_indent(line) <= indent) break;
    last = i;
  }
  return { first, last };
}

function _indent(line: string): number {
  let n = 0;
  for (const c of line) {
    if (c === " ") n++;
    else if (c === "\t") n += 8 - (n % 8);
    else break;
  }
  return n;
}
