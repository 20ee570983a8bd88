/**
 * The contents of one pstats file in columns ({@linkcode StatsFile}), and
 * the growing table that the readers fill and that merging files adds up
 * in ({@linkcode StatsTable}). Ids here are local to the table; building a
 * profile from stats files is `lib/pstats/build.ts`.
 *
 * @module
 */

import { DataRangeError } from "../data_error.ts";
import { cutText } from "../escape.ts";
import type { EdgeColumns } from "../profile.ts";

/** A function's identity in a pstats file: `(file, line, name)`. */
export type FunctionKey = readonly [file: string, line: number, name: string];

/**
 * The contents of one pstats file, in columns, ready to be merged into a
 * profile. Ids here are local to the file.
 */
export interface StatsFile {
  /** The file's name, for display. */
  readonly source: string;
  /** Whether it holds samples. */
  readonly sampled: boolean;
  /** Whether its edges carry primitive calls and times. */
  readonly edgeDetail: boolean;
  /** Every function met in the file, as an entry or as a caller. */
  readonly functions: {
    readonly file: readonly string[];
    readonly line: ArrayLike<number>;
    readonly name: readonly string[];
  };
  /** Calls per function (0 for functions met only as callers). */
  readonly calls: Float64Array;
  /** Primitive calls per function. */
  readonly primitiveCalls: Float64Array;
  /** Internal time per function. */
  readonly internalTime: Float64Array;
  /** Cumulative time per function. */
  readonly cumulativeTime: Float64Array;
  /** The caller→callee edges, with the numbers of each. */
  readonly edges: EdgeColumns;
}

/**
 * A growing table of functions and edges: interns `(file, line, name)` keys
 * into ids and collects numbers in typed arrays. The pstats reader fills one
 * per file.
 */
export class StatsTable {
  /**
   * Interned functions: name → id, or, once several functions share the
   * name, name → file → id, or (several lines) file → line → id.
   */
  #ids = new Map<string, number | Map<string, Map<number, number> | number>>();
  /** Edge ids by `callee * 2 ** 21 + caller`, when merging. */
  #edgeIds = new Map<number, number>();
  #file: string[] = [];
  #line: number[] = [];
  #name: string[] = [];
  #numbers: _Floats;
  #caller: _Ints;
  #callee: _Ints;
  #edges: _Floats;
  /** Edges dropped by {@linkcode StatsTable.dropEdges}, if any. */
  #dropped: Uint8Array | undefined;

  /**
   * Makes an empty table.
   *
   * @param functions How many functions to make room for at first.
   * @param edges How many edges to make room for at first.
   */
  constructor(functions = 1024, edges = 1024) {
    this.#numbers = new _Floats(functions);
    this.#caller = new _Ints(edges);
    this.#callee = new _Ints(edges);
    this.#edges = new _Floats(edges);
  }

  /**
   * A function's file.
   *
   * @param id The function.
   * @returns Its file.
   */
  fileOf(id: number): string | undefined {
    return this.#file[id];
  }

  /**
   * A function's line.
   *
   * @param id The function.
   * @returns Its line.
   */
  lineOf(id: number): number | undefined {
    return this.#line[id];
  }

  /** The number of functions interned so far. */
  get size(): number {
    return this.#name.length;
  }

  /** The number of edges added so far (dropped ones included). */
  get edgeCount(): number {
    return this.#caller.length;
  }

  /**
   * Sets a function's numbers back to zero: for a key that a pstats file
   * holds twice, where Python keeps the last value.
   *
   * @param id The function.
   */
  resetNumbers(id: number): void {
    this.#numbers.set4(id, 0, 0, 0, 0);
  }

  /**
   * Replaces the numbers of an edge: for a caller that one callers dict
   * holds twice, where Python keeps the last value.
   *
   * @param edge The edge, an index below {@linkcode StatsTable.edgeCount}.
   * @param calls Calls on the edge.
   * @param primitiveCalls Primitive calls on the edge.
   * @param internalTime Internal time on the edge.
   * @param cumulativeTime Cumulative time on the edge.
   */
  setEdge(
    edge: number,
    calls: number,
    primitiveCalls: number,
    internalTime: number,
    cumulativeTime: number,
  ): void {
    this.#edges.set4(edge, calls, primitiveCalls, internalTime, cumulativeTime);
  }

  /**
   * Drops the edges from `start` up to `end`: the callers of an entry that
   * a later entry for the same function replaces.
   *
   * @param start The first edge to drop.
   * @param end The edge after the last one to drop.
   */
  dropEdges(start: number, end: number): void {
    if (start >= end) return;
    if (this.#dropped === undefined || this.#dropped.length < end) {
      const grown = new Uint8Array(Math.max(end, this.#caller.length));
      if (this.#dropped) grown.set(this.#dropped);
      this.#dropped = grown;
    }
    this.#dropped.fill(1, start, end);
  }

  /**
   * The id of a function, interning it if it is new.
   *
   * @param file Its file.
   * @param line Its line.
   * @param name Its name.
   * @returns Its id.
   */
  intern(file: string, line: number, name: string): number {
    const entry = this.#ids.get(name);
    if (entry === undefined) {
      const id = this.#push(file, line, name);
      this.#ids.set(name, id);
      return id;
    }
    let byFile: Map<string, Map<number, number> | number>;
    if (typeof entry === "number") {
      if (this.#file[entry] === file && this.#line[entry] === line) {
        return entry;
      }
      byFile = new Map([[this.#file[entry]!, entry]]);
      this.#ids.set(name, byFile);
    } else {
      byFile = entry;
    }
    const known = byFile.get(file);
    if (typeof known === "number") {
      if (this.#line[known] === line) return known;
      const byLine = new Map<number, number>([[this.#line[known]!, known]]);
      byFile.set(file, byLine);
      return this.#add(byLine, file, line, name);
    }
    if (known !== undefined) {
      return known.get(line) ?? this.#add(known, file, line, name);
    }
    const id = this.#push(file, line, name);
    byFile.set(file, id);
    return id;
  }

  #add(
    byLine: Map<number, number>,
    file: string,
    line: number,
    name: string,
  ): number {
    const id = this.#push(file, line, name);
    byLine.set(line, id);
    return id;
  }

  #push(file: string, line: number, name: string): number {
    this.#file.push(file);
    this.#line.push(line);
    this.#name.push(name);
    this.#numbers.push4(0, 0, 0, 0);
    return this.#name.length - 1;
  }

  /**
   * A function's label as pstats prints it, `file:line(name)`, for messages.
   *
   * @param id The function.
   * @returns The label.
   */
  label(id: number): string {
    return `${cutText(this.#file[id]!, 100)}:${this.#line[id]}(${
      cutText(this.#name[id]!, 100)
    })`;
  }

  /**
   * Adds to a function's numbers.
   *
   * @param id The function.
   * @param calls Calls.
   * @param primitiveCalls Primitive calls.
   * @param internalTime Internal time.
   * @param cumulativeTime Cumulative time.
   */
  setNumbers(
    id: number,
    calls: number,
    primitiveCalls: number,
    internalTime: number,
    cumulativeTime: number,
  ): void {
    this.#numbers.add4(id, calls, primitiveCalls, internalTime, cumulativeTime);
  }

  /**
   * Adds an edge, or adds to it if `merge` is set and it exists.
   *
   * @param caller The calling function.
   * @param callee The called function.
   * @param calls Calls on the edge.
   * @param primitiveCalls Primitive calls on the edge.
   * @param internalTime Internal time on the edge.
   * @param cumulativeTime Cumulative time on the edge.
   * @param merge Whether to add to an existing edge between the two.
   */
  addEdge(
    caller: number,
    callee: number,
    calls: number,
    primitiveCalls: number,
    internalTime: number,
    cumulativeTime: number,
    merge = false,
  ): void {
    if (merge) {
      const key = callee * 0x200000 + caller;
      const known = this.#edgeIds.get(key);
      if (known !== undefined) {
        this.#edges.add4(
          known,
          calls,
          primitiveCalls,
          internalTime,
          cumulativeTime,
        );
        return;
      }
      this.#edgeIds.set(key, this.#caller.length);
    }
    this.#caller.push(caller);
    this.#callee.push(callee);
    this.#edges.push4(calls, primitiveCalls, internalTime, cumulativeTime);
  }

  /**
   * Adds a stats file's functions and edges: a function already here adds
   * its numbers to those it has, and, with `merge`, so does an edge (as
   * `pstats.Stats.add()` merges files).
   *
   * @param file The file.
   * @param merge Whether an edge already here adds up rather than repeats.
   * @param keep When given, only the functions it marks with 1 are added
   * (every edge must join two of them).
   * @throws {RangeError} When merging makes more than 2,097,151 functions.
   */
  addFile(file: StatsFile, merge: boolean, keep?: Uint8Array): void {
    const f = file.functions;
    const n = f.name.length;
    const ids = new Int32Array(n).fill(-1);
    for (let id = 0; id < n; id++) {
      if (keep === undefined || keep[id] === 1) {
        ids[id] = this.intern(f.file[id]!, f.line[id]!, f.name[id]!);
      }
    }
    if (merge && this.size >= 0x200000) {
      throw new DataRangeError(`Too many functions to merge: ${this.size}`);
    }
    for (let id = 0; id < n; id++) {
      if (ids[id]! < 0) continue;
      this.setNumbers(
        ids[id]!,
        file.calls[id]!,
        file.primitiveCalls[id]!,
        file.internalTime[id]!,
        file.cumulativeTime[id]!,
      );
    }
    const e = file.edges;
    for (let k = 0; k < e.caller.length; k++) {
      this.addEdge(
        ids[e.caller[k]!]!,
        ids[e.callee[k]!]!,
        e.calls[k]!,
        e.primitiveCalls[k]!,
        e.internalTime[k]!,
        e.cumulativeTime[k]!,
        merge,
      );
    }
  }

  #compactEdges(dropped: Uint8Array): void {
    this.#dropped = undefined;
    this.#edgeIds.clear();
    const caller = this.#caller.data;
    const callee = this.#callee.data;
    const numbers = this.#edges.data;
    let kept = 0;
    for (let e = 0; e < this.#caller.length; e++) {
      if (dropped[e] === 1) continue;
      caller[kept] = caller[e]!;
      callee[kept] = callee[e]!;
      numbers.copyWithin(kept * 4, e * 4, e * 4 + 4);
      kept++;
    }
    this.#caller.length = kept;
    this.#callee.length = kept;
    this.#edges.length = kept * 4;
  }

  /**
   * Swaps the calls and primitive calls of every function (for yappi, which
   * stores them the other way round).
   */
  swapCalls(): void {
    const n = this.#numbers.data;
    for (let i = 0; i < this.size; i++) {
      const calls = n[i * 4]!;
      n[i * 4] = n[i * 4 + 1]!;
      n[i * 4 + 1] = calls;
    }
  }

  /**
   * The finished columns.
   *
   * @param source The file's name.
   * @param sampled Whether the numbers are samples.
   * @param edgeDetail Whether edges carry primitive calls and times.
   * @returns The stats file.
   */
  finish(source: string, sampled: boolean, edgeDetail: boolean): StatsFile {
    if (this.#dropped !== undefined) this.#compactEdges(this.#dropped);
    const [calls, primitiveCalls, internalTime, cumulativeTime] = this.#numbers
      .columns(this.size);
    const [eCalls, ePrimitive, eInternal, eCumulative] = this.#edges.columns(
      this.#caller.length,
    );
    return {
      source,
      sampled,
      edgeDetail,
      functions: { file: this.#file, line: this.#line, name: this.#name },
      calls,
      primitiveCalls,
      internalTime,
      cumulativeTime,
      edges: {
        caller: this.#caller.finish(),
        callee: this.#callee.finish(),
        calls: eCalls,
        primitiveCalls: ePrimitive,
        internalTime: eInternal,
        cumulativeTime: eCumulative,
      },
    };
  }
}

/** Numbers in groups of four, in a typed array that grows. */
class _Floats {
  data: Float64Array;
  length = 0;
  constructor(rows: number) {
    this.data = new Float64Array(Math.max(16, Math.ceil(rows)) * 4);
  }
  push4(a: number, b: number, c: number, d: number): void {
    if (this.length + 4 > this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    const data = this.data;
    const at = this.length;
    data[at] = a;
    data[at + 1] = b;
    data[at + 2] = c;
    data[at + 3] = d;
    this.length = at + 4;
  }
  set4(row: number, a: number, b: number, c: number, d: number): void {
    const data = this.data;
    const at = row * 4;
    data[at] = a;
    data[at + 1] = b;
    data[at + 2] = c;
    data[at + 3] = d;
  }
  add4(row: number, a: number, b: number, c: number, d: number): void {
    const data = this.data;
    const at = row * 4;
    data[at] = data[at]! + a;
    data[at + 1] = data[at + 1]! + b;
    data[at + 2] = data[at + 2]! + c;
    data[at + 3] = data[at + 3]! + d;
  }
  columns(n: number): [Float64Array, Float64Array, Float64Array, Float64Array] {
    const columns: [Float64Array, Float64Array, Float64Array, Float64Array] = [
      new Float64Array(n),
      new Float64Array(n),
      new Float64Array(n),
      new Float64Array(n),
    ];
    const data = this.data;
    for (let i = 0; i < n; i++) {
      columns[0][i] = data[i * 4]!;
      columns[1][i] = data[i * 4 + 1]!;
      columns[2][i] = data[i * 4 + 2]!;
      columns[3][i] = data[i * 4 + 3]!;
    }
    return columns;
  }
}

/** Unsigned ints in a typed array that grows. */
class _Ints {
  data: Uint32Array;
  length = 0;
  constructor(size: number) {
    this.data = new Uint32Array(Math.max(16, Math.ceil(size)));
  }
  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Uint32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }
  finish(): Uint32Array {
    return this.data.slice(0, this.length);
  }
}
