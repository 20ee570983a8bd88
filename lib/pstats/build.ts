/**
 * Builds profiles from pstats files' contents: merges them the way
 * `pstats.Stats(a, b, ...)` does ({@linkcode buildProfile},
 * {@linkcode ProfileBuilder}), and makes such contents from plain entries
 * for tests, examples and tools ({@linkcode statsFile}).
 *
 * @module
 */

import { ProfileMismatchError } from "../data_error.ts";
import { isBuiltin, shortenPath } from "../location.ts";
import { createProfile, type Profile } from "../profile.ts";
import { type FunctionKey, type StatsFile, StatsTable } from "./stats_table.ts";

/** One function's entry, for {@linkcode statsFile}. */
export interface StatsEntry {
  /** The function. */
  readonly key: FunctionKey;
  /** Calls (`nc`). */
  readonly calls: number;
  /** Primitive calls (`cc`). */
  readonly primitiveCalls: number;
  /** Internal time (`tt`). */
  readonly internalTime: number;
  /** Cumulative time (`ct`). */
  readonly cumulativeTime: number;
  /** The callers with the numbers of each edge. */
  readonly callers?: readonly {
    readonly key: FunctionKey;
    readonly calls: number;
    readonly primitiveCalls?: number;
    readonly internalTime?: number;
    readonly cumulativeTime?: number;
  }[];
}

/**
 * Makes a {@linkcode StatsFile} from plain entries: for tests, examples and
 * tools that have profile data from elsewhere.
 *
 * @example
 * ```ts
 * import { buildProfile, statsFile } from "./build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const file = statsFile("run.pstats", [
 *   {
 *     key: ["app.py", 1, "main"],
 *     calls: 1,
 *     primitiveCalls: 1,
 *     internalTime: 0.25,
 *     cumulativeTime: 0.75,
 *   },
 *   {
 *     key: ["app.py", 5, "helper"],
 *     calls: 2,
 *     primitiveCalls: 2,
 *     internalTime: 0.5,
 *     cumulativeTime: 0.5,
 *     callers: [{ key: ["app.py", 1, "main"], calls: 2 }],
 *   },
 * ]);
 * assertEquals(buildProfile([file]).edges.calls[0], 2);
 * ```
 *
 * @param source The file's name.
 * @param entries The functions.
 * @param options Whether the numbers are samples.
 * @returns The columns.
 */
export function statsFile(
  source: string,
  entries: readonly StatsEntry[],
  options: { sampled?: boolean } = {},
): StatsFile {
  const table = new StatsTable();
  const ids = entries.map((e) => table.intern(...e.key));
  entries.forEach((e, i) => {
    table.setNumbers(
      ids[i]!,
      e.calls,
      e.primitiveCalls,
      e.internalTime,
      e.cumulativeTime,
    );
    for (const c of e.callers ?? []) {
      table.addEdge(
        table.intern(...c.key),
        ids[i]!,
        c.calls,
        c.primitiveCalls ?? c.calls,
        c.internalTime ?? 0,
        c.cumulativeTime ?? 0,
      );
    }
  });
  const edgeDetail = entries.every((e) =>
    (e.callers ?? []).every((c) => c.internalTime !== undefined)
  );
  return table.finish(source, options.sampled ?? false, edgeDetail);
}

/**
 * The largest time, in seconds, that a profile takes as it is: 10^15 s, 31
 * million years. A time beyond it, or one that is not a finite number (NaN,
 * an infinity), is read as 0 and counted (`clampedTimes` of the profile):
 * every sum, share and output of the profile is then a finite number.
 */
export const MAX_TIME = 1e15;

/**
 * Reads as 0 every time of a file that is not a finite number of seconds
 * within ±{@linkcode MAX_TIME}, in its own columns.
 *
 * @example
 * ```ts
 * import { boundTimes, statsFile } from "./build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const file = statsFile("run.pstats", [{
 *   key: ["app.py", 1, "main"],
 *   calls: 1,
 *   primitiveCalls: 1,
 *   internalTime: Infinity,
 *   cumulativeTime: NaN,
 * }]);
 * assertEquals(boundTimes(file), 2);
 * assertEquals([file.internalTime[0], file.cumulativeTime[0]], [0, 0]);
 * ```
 *
 * @param file A file's contents; its time columns are changed in place.
 * @returns How many times were read as 0.
 */
export function boundTimes(file: StatsFile): number {
  let count = 0;
  for (
    const column of [
      file.internalTime,
      file.cumulativeTime,
      file.edges.internalTime,
      file.edges.cumulativeTime,
    ]
  ) {
    for (let i = 0; i < column.length; i++) {
      const t = column[i]!;
      // Also false for NaN.
      if (!(t <= MAX_TIME && t >= -MAX_TIME)) {
        column[i] = 0;
        count++;
      }
    }
  }
  return count;
}

/** Options for {@linkcode buildProfile}. */
export interface BuildProfileOptions {
  /** An absolute directory that paths are shown relative to. */
  cwd?: string;
  /**
   * Called for each file that held times read as 0 (see
   * {@linkcode boundTimes}), with how many.
   */
  onClampedTimes?: (source: string, count: number) => void;
}

/**
 * Builds a profile from one or more pstats files, merging them the way
 * `pstats.Stats(a, b)` does: per function the numbers add up and the callers
 * merge, edge numbers adding up too. Functions get ids in the order they are
 * first met, so the same files always give the same ids.
 *
 * @example
 * ```ts
 * import { buildProfile, statsFile } from "./build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const run = (calls: number) =>
 *   statsFile("run.pstats", [{
 *     key: ["app.py", 1, "main"],
 *     calls,
 *     primitiveCalls: calls,
 *     internalTime: 0.5,
 *     cumulativeTime: 0.5,
 *   }]);
 * const profile = buildProfile([run(1), run(2)]);
 * assertEquals(profile.size, 1);
 * assertEquals(profile.functions.calls[0], 3);
 * assertEquals(profile.totals.time, 1);
 * ```
 *
 * @param files The files' contents, from `readPstats()`.
 * @param options Where paths are shown relative to.
 * @returns The merged profile.
 * @throws {ProfileMismatchError} When sampled and traced files are mixed.
 */
export function buildProfile(
  files: readonly StatsFile[],
  options: BuildProfileOptions = {},
): Profile {
  const builder = new ProfileBuilder(options);
  for (const file of files) builder.add(file);
  return builder.finish();
}

/**
 * Builds a profile from pstats files added one at a time, merging each into
 * the profile as it comes (as `pstats.Stats.add()` does), so that a caller
 * reading many files need keep only the merged profile and the file at hand.
 * {@linkcode buildProfile} gives the same result from all of them at once.
 *
 * @example
 * ```ts
 * import { ProfileBuilder, statsFile } from "./build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const builder = new ProfileBuilder();
 * for (const calls of [1, 2, 3]) {
 *   builder.add(statsFile(`run${calls}.pstats`, [{
 *     key: ["app.py", 1, "main"],
 *     calls,
 *     primitiveCalls: calls,
 *     internalTime: 0.5,
 *     cumulativeTime: 0.5,
 *   }]));
 * }
 * const profile = builder.finish();
 * assertEquals(profile.functions.calls[0], 6);
 * assertEquals(profile.sources.length, 3);
 * ```
 */
export class ProfileBuilder {
  #options: BuildProfileOptions;
  #sources: string[] = [];
  /** The only file so far, kept as it is until a second one comes. */
  #only: StatsFile | undefined;
  /** The merged files, once there are two. */
  #table: StatsTable | undefined;
  #firstSampled: StatsFile | undefined;
  #firstTraced: StatsFile | undefined;
  #edgeDetail = true;
  #clampedTimes = 0;

  /**
   * Starts an empty profile.
   *
   * @param options Where paths are shown relative to.
   */
  constructor(options: BuildProfileOptions = {}) {
    this.#options = options;
  }

  /**
   * Merges a file into the profile. Its times that are not finite numbers
   * of seconds are read as 0 ({@linkcode boundTimes}), in its own columns.
   *
   * @param file The file's contents, from `readPstats()`.
   * @throws {ProfileMismatchError} When sampled and traced files are mixed.
   * @throws {RangeError} When the merged profile would have more than
   * 2,097,151 functions.
   */
  add(file: StatsFile): void {
    if (file.sampled) this.#firstSampled ??= file;
    else this.#firstTraced ??= file;
    if (this.#firstSampled !== undefined && this.#firstTraced !== undefined) {
      throw new ProfileMismatchError(
        `${this.#firstSampled.source}: Cannot merge a sampled profile with a traced one (${this.#firstTraced.source}): their numbers mean different things`,
      );
    }
    this.#sources.push(file.source);
    this.#edgeDetail &&= file.edgeDetail;
    const clamped = boundTimes(file);
    if (clamped > 0) {
      this.#clampedTimes += clamped;
      this.#options.onClampedTimes?.(file.source, clamped);
    }
    if (this.#sources.length === 1) {
      this.#only = file;
      return;
    }
    if (this.#table === undefined) {
      this.#table = new StatsTable();
      this.#table.addFile(this.#only!, true);
      this.#only = undefined;
    }
    this.#table.addFile(file, true);
  }

  /**
   * The profile of the files added so far.
   *
   * @returns The merged profile.
   */
  finish(): Profile {
    const merged = this.#table?.finish("", false, true) ?? this.#only ??
      new StatsTable().finish("", false, true);
    const f = merged.functions;
    // Each distinct file once: its short form, and a code per function that
    // the wire encoding sends instead of looking every file up again.
    const known = new Map<string, number>();
    const files: string[] = [];
    const shortFiles: string[] = [];
    const codes = new Uint32Array(f.file.length);
    const shortFile: string[] = [];
    for (let i = 0; i < f.file.length; i++) {
      const file = f.file[i]!;
      let code = known.get(file);
      if (code === undefined) {
        code = files.length;
        known.set(file, code);
        files.push(file);
        shortFiles.push(
          isBuiltin(file, f.line[i]!)
            ? file
            : shortenPath(file, this.#options.cwd),
        );
      }
      codes[i] = code;
      shortFile.push(shortFiles[code]!);
    }
    return createProfile(
      {
        sources: [...this.#sources],
        sampled: this.#firstSampled !== undefined &&
          this.#firstTraced === undefined,
        edgeDetail: this.#edgeDetail,
        ...(this.#clampedTimes > 0 ? { clampedTimes: this.#clampedTimes } : {}),
        functions: {
          file: f.file,
          shortFile,
          line: f.line instanceof Float64Array
            ? f.line
            : Float64Array.from(f.line),
          name: f.name,
          calls: merged.calls,
          primitiveCalls: merged.primitiveCalls,
          internalTime: merged.internalTime,
          cumulativeTime: merged.cumulativeTime,
        },
        edges: merged.edges,
      },
      undefined,
      { files, shortFiles, codes },
    );
  }
}
