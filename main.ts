/**
 * The `profiling-explorer` command: explore Python pstats profiles in the
 * browser, or print them as a table, JSON or CSV.
 *
 * The command line lives in `cli/`: this is its entry.
 *
 * @module
 */

import { main } from "./cli/run.ts";

export { HELP, VERSION } from "./cli/help.ts";
export {
  DEFAULT_MAX_SIZE,
  type Options,
  parseOptions,
  type ReportFormat,
  UsageError,
} from "./cli/options.ts";
export { run } from "./cli/run.ts";
export type { SortColumn } from "./lib/query.ts";

if (import.meta.main) await main(Deno.args);
