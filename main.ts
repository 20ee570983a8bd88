/**
 * The `profiling-explorer` command: explore Python pstats profiles in the
 * browser, or print them as a table, JSON or CSV.
 *
 * The command line lives in `cli/`; this entry hands it the web page that
 * `deno task build` bundles into `ui/bundle.gen.ts`, the one file that needs
 * the build.
 *
 * @module
 */

import { main, run as runWith } from "./cli/run.ts";
import { UI_ASSETS } from "./ui/bundle.gen.ts";

export { HELP, VERSION } from "./cli/help.ts";
export {
  DEFAULT_MAX_SIZE,
  type Options,
  parseOptions,
  type ReportFormat,
  UsageError,
} from "./cli/options.ts";
// The vocabulary of Options.
export { SORT_COLUMNS, type SortColumn } from "./lib/query.ts";
export {
  CHANGE_KINDS,
  type ChangeKind,
  COMPARE_SORT_COLUMNS,
  type CompareSortColumn,
} from "./lib/compare.ts";
export { GROUP_LEVELS, type GroupLevel } from "./lib/group.ts";
export type { NoiseThreshold } from "./lib/compare.ts";
export {
  type Transform,
  TRANSFORM_KINDS,
  type TransformKind,
} from "./lib/call_transform.ts";
export type { PathMapping } from "./lib/path_map.ts";
export type { SourceOptions } from "./cli/source.ts";

/**
 * Runs the program with the given arguments, as the command does.
 *
 * @param args The command line, without the program name.
 * @returns The exit code.
 */
export function run(args: string[]): Promise<number> {
  return runWith(args, UI_ASSETS);
}

if (import.meta.main) await main(Deno.args, UI_ASSETS);
