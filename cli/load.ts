/**
 * Loading: both sides' files read and merged into profiles (and compared
 * when there is a `--base`), with a progress line on a terminal, the files
 * found in folders and those `--skip-bad` left out listed on stderr.
 *
 * @module
 */

import { escapeControls } from "../lib/escape.ts";
import { formatCount } from "../lib/format.ts";
import type { Profile } from "../lib/profile.ts";
import { checkPstatsHead, loadProfileAsync } from "../lib/pstats/read.ts";
import { compareProfiles, type Comparison } from "../lib/compare.ts";
import {
  type Gathered,
  gatherInputs,
  type Input,
  InputError,
  PROGRESS_BYTES,
  PROGRESS_FILES,
  type Read,
  readHead,
  readInputs,
  type Skipped,
} from "./inputs.ts";
import type { InterruptGuard } from "./interrupt.ts";
import { type Options, startSearch } from "./options.ts";
import { megabytes, type Progress } from "./terminal.ts";

/** The files of both sides, found (and folders listed) but not read. */
export interface Sides {
  /** The run before's files, with `--base`. */
  base: Gathered | undefined;
  /** The files (the run after, when comparing). */
  files: Gathered;
  /** Every input path, the base run's first. */
  inputs: string[];
  /** Whether there is more than one file. */
  several: boolean;
}

/** What the inputs load into. */
export interface Loaded {
  /** The profile (the run after, when comparing). */
  profile: Profile;
  /** The two runs compared, with `--base`. */
  comparison: Comparison | undefined;
}

/** Finds both sides' files. */
export async function gatherSides(options: Options): Promise<Sides> {
  const base = options.base.length > 0
    ? await gatherInputs(options.base, options.recursive)
    : undefined;
  const files = await gatherInputs(options.files, options.recursive);
  const inputs = [...(base?.paths ?? []), ...files.paths];
  return { base, files, inputs, several: inputs.length > 1 };
}

/** Reads and merges both sides' files, and compares them when asked. */
export async function loadSides(
  { base: baseFiles, files }: Sides,
  options: Options,
  progress: Progress | undefined,
  skipped: Skipped[] | undefined,
  guard: InterruptGuard,
): Promise<Loaded> {
  try {
    const comparing = baseFiles !== undefined;
    const base = baseFiles &&
      await _loadSide(
        baseFiles,
        options.maxSize,
        progress,
        skipped,
        guard,
        options.command === "serve",
        " for --base (the run before)",
      );
    const profile = await _loadSide(
      files,
      options.maxSize,
      progress,
      skipped,
      guard,
      options.command === "serve",
      comparing ? " for the run after" : "",
    );
    const comparison = base && compareProfiles(base, profile);
    guard.check();
    return { profile, comparison };
  } finally {
    guard.stop();
  }
}

/**
 * Whether to serve the page before the profile is loaded: when loading takes
 * a while (a large file, or many), so that the browser starts meanwhile,
 * and the page's address does not depend on what the files hold. The large
 * files' first bytes are checked first, so that a file that is plainly not
 * a profile fails before a browser opens.
 */
export async function servesEarly(
  sides: Sides,
  options: Options,
): Promise<boolean> {
  if (startSearch(options, false) !== startSearch(options, true)) {
    return false;
  }
  // Looked at all at once: thousands of files one after another take long.
  const sizes = await Promise.all(
    sides.inputs.map((path) =>
      Deno.stat(path).then((info) => info.size, () => 0)
    ),
  );
  const total = sizes.reduce((sum, size) => sum + size, 0);
  const large = sides.inputs.filter((_, i) =>
    sizes[i]! >= PROGRESS_BYTES && sizes[i]! <= options.maxSize
  );
  if (total < PROGRESS_BYTES && sides.inputs.length < PROGRESS_FILES) {
    return false;
  }
  for (const path of large) {
    if (!(await _looksLikePstats(path))) return false;
  }
  return true;
}

/**
 * Whether a file's first bytes pass `checkPstatsHead()`; a file that cannot
 * be read or fails is left to the load, which says why.
 */
async function _looksLikePstats(path: string): Promise<boolean> {
  try {
    using file = await Deno.open(path);
    checkPstatsHead(await readHead(file));
    return true;
  } catch {
    return false;
  }
}

/** Every file of a side was bad (with --skip-bad). */
export class NothingRead extends Error {
  /** Makes the error with its message. */
  constructor(message: string) {
    super(message);
    this.name = "NothingRead";
  }
}

/** Reads and merges one side's files, printing what was found and skipped. */
async function _loadSide(
  { paths, notes }: Gathered,
  maxSize: number,
  progress: Progress | undefined,
  skipped: Skipped[] | undefined,
  guard: InterruptGuard,
  serving: boolean,
  side = "",
): Promise<Profile> {
  const skippedBefore = skipped?.length ?? 0;
  const read: Read = { size: 0, large: false, total: paths.length };
  const clamped: [string, number][] = [];
  const profile = await _load(
    readInputs(paths, maxSize, progress, skipped, guard, serving, read),
    progress,
    skipped,
    guard,
    read,
    (source, count) => clamped.push([source, count]),
  );
  if (progress && read.large) {
    progress(`Loaded ${formatCount(profile.size)} functions\n`);
  } else if (progress && paths.length >= PROGRESS_FILES) progress("");
  for (const note of notes) console.error(escapeControls(note));
  if (clamped.length > 0) console.error(escapeControls(_clampedNote(clamped)));
  const left = skipped?.slice(skippedBefore) ?? [];
  if (left.length > 0) {
    console.error(
      `Skipped ${formatCount(left.length)} bad file${
        left.length === 1 ? "" : "s"
      } of ${formatCount(paths.length)}:`,
    );
    for (const { path, reason } of left) {
      console.error(escapeControls(`  ${path}: ${reason}`));
    }
    if (left.length === paths.length) {
      throw new NothingRead(
        `No profile could be read${side}: every file was bad`,
      );
    }
  }
  return profile;
}

/**
 * One line for the times read as 0 (not finite numbers of seconds, see
 * `boundTimes()`), naming the file or the first of them.
 */
function _clampedNote(clamped: readonly [string, number][]): string {
  const count = clamped.reduce((sum, [, n]) => sum + n, 0);
  const where = clamped.length === 1
    ? clamped[0]![0]
    : `${formatCount(clamped.length)} files (the first: ${clamped[0]![0]})`;
  return `Note: ${where}: ${formatCount(count)} time${
    count === 1 ? " was not a finite number" : "s were not finite numbers"
  } of seconds (NaN, infinite or beyond 10^15 s): read as 0`;
}

function _load(
  inputs: AsyncIterable<Input>,
  progress: Progress | undefined,
  skipped: Skipped[] | undefined,
  guard: InterruptGuard,
  read: Read,
  onClampedTimes: (source: string, count: number) => void,
): Promise<Profile> {
  const many = read.total >= PROGRESS_FILES;
  let files = 0;
  let last = "";
  return loadProfileAsync(inputs, {
    cwd: Deno.cwd(),
    onClampedTimes,
    ...(progress
      ? {
        onProgress: (source: string, functions: number, offset: number) => {
          guard.check();
          if (source !== last) files++, last = source;
          // A large file shows how far its reading is; many files, how many
          // were merged (and readInputs how many were read).
          if (read.size < PROGRESS_BYTES) {
            if (many && files % 25 === 0) {
              progress(
                `Merging profiles: ${formatCount(files)} of ${
                  formatCount(read.total)
                } files`,
              );
            }
            return;
          }
          progress(
            `Reading ${escapeControls(source)}: ${
              formatCount(functions)
            } functions (${megabytes(offset)} of ${megabytes(read.size)} MB)`,
          );
        },
      }
      : {}),
    ...(skipped
      ? {
        onBadFile: (source: string, error: Error) =>
          skipped.push({
            path: source,
            reason: error.message.slice(source.length + 2),
          }),
        // A large file that cannot be read to its end (or grows past
        // --max-size while it is) is skipped like one that cannot be read.
        skipStreamError: (source: string, error: unknown) =>
          error instanceof InputError &&
          skipped.push({ path: source, reason: error.reason }) > 0,
      }
      : {}),
  });
}
