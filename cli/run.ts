/**
 * The program: {@linkcode run} does what the command line asks and answers
 * the exit code; {@linkcode main} runs it as the process and exits.
 *
 * @module
 */

import type { UiAssets } from "../lib/assets.ts";
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
  type Sides,
} from "./load.ts";
import {
  type Options,
  parseOptions,
  startSearch,
  UsageError,
} from "./options.ts";
import { printReport } from "./report.ts";
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
    if (error instanceof UsageError) {
      fail(`${error.message} (see --help)`);
      return 2;
    }
    throw error;
  }
  if (options.command === "help") {
    console.log(HELP.trimEnd());
    return 0;
  }
  if (options.command === "version") {
    console.log(`${NAME} ${VERSION}`);
    return 0;
  }
  const progress = progressLine();
  const skipped: Skipped[] | undefined = options.skipBad ? [] : undefined;
  const guard = new InterruptGuard();
  let sides: Sides;
  try {
    sides = await gatherSides(options);
  } catch (error) {
    return _loadFailed(error, false, options, progress);
  }
  const failed = (error: unknown) =>
    _loadFailed(error, sides.several, options, progress);
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
    return await writeHtml(
      profile,
      comparison?.base,
      startSearch(options, profile.sampled),
      options.html!,
      sides.inputs,
      progress,
      assets,
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

/** Says why the inputs could not be loaded; answers the exit code. */
function _loadFailed(
  error: unknown,
  several: boolean,
  options: Options,
  progress: Progress | undefined,
): number {
  if (progress) progress("");
  if (error instanceof Interrupted) {
    // Ctrl+C: the progress line is cleared; end as a shell expects.
    fail("Interrupted");
    return 130;
  }
  if (
    error instanceof InputError || error instanceof NothingRead ||
    error instanceof SyntaxError ||
    error instanceof RangeError || error instanceof TypeError
  ) {
    const hint = several && !options.skipBad && !(error instanceof TypeError)
      ? " (--skip-bad reads the others)"
      : "";
    fail(error.message + hint);
    return 1;
  }
  throw error;
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
  try {
    Deno.exit(await run(args, assets));
  } catch (error) {
    fail(
      `Unexpected error: ${error instanceof Error ? error.message : error}`,
    );
    Deno.exit(70);
  }
}
