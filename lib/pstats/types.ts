/**
 * The types both pstats readers (`general.ts` and `fast.ts`) share: what
 * reading a file gives, and the options of reading it.
 *
 * @module
 */

import type { StatsFile } from "./stats_table.ts";

/** Which profiler wrote a pstats file, as far as its contents tell. */
export type PstatsKind = "cprofile" | "profile" | "yappi" | "sampled";

/** A pstats file's contents with the profiler that wrote it. */
export interface PstatsFile extends StatsFile {
  /** The profiler that wrote it. */
  readonly kind: PstatsKind;
  /** How many functions have an entry (others appear only as callers). */
  readonly entries: number;
}

/** Options for `readPstats()` and the readers it calls. */
export interface ReadPstatsOptions {
  /** The file's name, kept as the source of the data. Defaults to `""`. */
  source?: string;
  /** Called while reading with the functions read and the byte offset reached. */
  onProgress?: (functions: number, offset: number) => void;
  /**
   * Try the fast reader (`readPstatsFast()`) first, which takes the files
   * Python 3 writes every day and gives the same result. Defaults to `true`;
   * `false` reads with the general reader only.
   */
  fast?: boolean;
}
