/**
 * The program: {@linkcode run} does what the command line asks and answers
 * the exit code; {@linkcode main} runs it as the process and exits.
 *
 * @module
 */

import type { UiAssets } from "../lib/assets.ts";
import { isDataError, ProfileMismatchError } from "../lib/data_error.ts";
import { HELP, NAME, VERSION } from "./help.ts";
import { writeHtml } from "./html.ts";
import { InputError, type Skipped } from "./inputs.ts";
import { Interrupted, InterruptGuard } from "./interrupt.ts";
import {
  gatherSides,
  type Loaded,
  loadSides,
  NothingRead,
  servesEarly,
} from "./load.ts";
import {
  type Options,
  parseOptions,
  startSearch,
  UsageError,
} from "./options.ts";
import { printReport } from "./report.ts";
import { embedReportSources } from "./source.ts";
import { serve } from "./serve.ts";
import { fail, type Progress, progressLine } from "./terminal.ts";

/**
 * Runs the program with the given arguments.
 *
 * @param args The command line, without the program name.
 * @param assets The web page the explorer serves and the HTML report holds
 * (`UI_ASSETS` of the built `ui/bundle.gen.ts`).
 * @returns The exit code.
 */
export async function run(
  args: string[],
  assets: UiAssets,
): Promise<number> {
  let options: Options;
  try {
    options = parseOptions(args);
  } catch (error) {
    // Whether --debug was given is not known for sure: the parsing failed.
    return _failed(error, { debug: args.includes("--debug") });
  }
  const progress = progressLine();
  try {
    return await _run(options, assets, progress);
  } catch (error) {
    return _failed(error, options, progress);
  }
}

async function _run(
  options: Options,
  assets: UiAssets,
  progress: Progress | undefined,
): Promise<number> {
  if (options.command === "help") {
    console.log(HELP.trimEnd());
    return 0;
  }
  if (options.command === "version") {
    console.log(`${NAME} ${VERSION}`);
    return 0;
  }
  const skipped: Skipped[] | undefined = options.skipBad ? [] : undefined;
  const guard = new InterruptGuard();
  const sides = await gatherSides(options);
  const failed = (error: unknown) =>
    _failed(error, options, progress, sides.several);
  if (options.command === "serve" && await servesEarly(sides, options)) {
    // A large profile takes a while: the browser starts meanwhile.
    const loading = loadSides(sides, options, progress, skipped, guard);
    return await serve(
      loading,
      options,
      startSearch(options, false),
      failed,
      assets,
    );
  }
  let loaded: Loaded;
  try {
    loaded = await loadSides(sides, options, progress, skipped, guard);
  } catch (error) {
    return failed(error);
  }
  const { profile, comparison } = loaded;
  if (options.command === "html") {
    const sources = options.htmlSource
      ? await embedReportSources(
        comparison === undefined ? [profile] : [profile, comparison.base],
        options.source,
      )
      : undefined;
    return await writeHtml(
      profile,
      comparison?.base,
      startSearch(options, profile.sampled),
      options.html!,
      sides.inputs,
      progress,
      assets,
      sources,
    );
  }
  if (options.command === "report") {
    return await printReport(loaded, options);
  }
  return await serve(
    Promise.resolve(loaded),
    options,
    startSearch(options, profile.sampled),
    failed,
    assets,
  );
}

/** The exit codes of the program. */
export const EXIT_CODES = {
  /** Done. */
  ok: 0,
  /** Input it cannot use: a file it cannot read, bad data, mismatched runs. */
  badInput: 1,
  /** A command line it cannot act on. */
  usage: 2,
  /** An internal error: a bug (`EX_SOFTWARE` of sysexits.h). */
  bug: 70,
  /** Ctrl+C while loading, as a shell reports SIGINT. */
  interrupted: 130,
} as const;

/** What the program says when an error ends it, and its exit code. */
export interface Failure {
  /** The exit code, one of {@linkcode EXIT_CODES}. */
  code: number;
  /** The one line on stderr, without the program's name. */
  message: string;
  /** The stack trace, for a bug with `--debug`. */
  stack?: string;
}

/**
 * Tells what an error that ended the program was, by its type: a command
 * line the program cannot act on ({@linkcode UsageError}), input it cannot
 * use (an {@linkcode InputError}, every file bad with `--skip-bad`, the
 * readers' `DataSyntaxError` and `DataRangeError`, profiles that cannot be
 * merged or compared, `ProfileMismatchError`), Ctrl+C, or anything else: a
 * bug, which says so, with its stack under `--debug`.
 *
 * @param error What was thrown.
 * @param context Whether there were several files (a bad one then hints at
 * `--skip-bad`), `--skip-bad` and `--debug`.
 * @returns The line to print and the exit code.
 */
export function describeFailure(
  error: unknown,
  context: { several?: boolean; skipBad?: boolean; debug?: boolean } = {},
): Failure {
  if (error instanceof UsageError) {
    return { code: EXIT_CODES.usage, message: `${error.message} (see --help)` };
  }
  if (error instanceof Interrupted) {
    return { code: EXIT_CODES.interrupted, message: "Interrupted" };
  }
  if (
    error instanceof InputError || error instanceof NothingRead ||
    isDataError(error) || error instanceof ProfileMismatchError
  ) {
    const hint = context.several && !context.skipBad &&
        !(error instanceof ProfileMismatchError)
      ? " (--skip-bad reads the others)"
      : "";
    return { code: EXIT_CODES.badInput, message: error.message + hint };
  }
  const text = error instanceof Error ? error.message : String(error);
  const stack = error instanceof Error ? error.stack : undefined;
  return {
    code: EXIT_CODES.bug,
    message: `internal error: ${text} \u2014 ${_REPORT_BUG}${
      context.debug ? "" : " (with the output of --debug)"
    }`,
    ...(context.debug && stack !== undefined ? { stack } : {}),
  };
}

const _REPORT_BUG =
  "this is a bug, please report it on the project's issue tracker";

/** Says why the program ended (see describeFailure); answers the exit code. */
function _failed(
  error: unknown,
  options: { skipBad?: boolean; debug: boolean },
  progress?: Progress,
  several = false,
): number {
  // The progress line is cleared first.
  progress?.("");
  const failure = describeFailure(error, {
    several,
    skipBad: options.skipBad ?? false,
    debug: options.debug,
  });
  fail(failure.message);
  if (failure.stack !== undefined) console.error(failure.stack);
  return failure.code;
}

/**
 * Runs the program with the process's arguments and exits with its code.
 *
 * @param args The command line, without the program name.
 * @param assets The web page (see {@linkcode run}).
 */
export async function main(
  args: string[],
  assets: UiAssets,
): Promise<never> {
  Deno.exit(await run(args, assets));
}
