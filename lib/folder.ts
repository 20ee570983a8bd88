/**
 * Finds the profiles in a folder: the `*.prof` and `*.pstats` files that
 * pytest-profiling, django-silk or Python 3.15's sampler with
 * `--subprocesses` leave one per test, request or process. Reads folder
 * listings only, never the files.
 *
 * @module
 */

import { basename, dirname, join } from "./path.ts";

/** The endings of the file names read from a folder. */
export const PROFILE_EXTENSIONS: readonly string[] = [".prof", ".pstats"];

/** The sum of the others that pytest-profiling writes beside them. */
export const PYTEST_COMBINED = "combined.prof";

/** Options for {@linkcode findProfiles}. */
export interface FindProfilesOptions {
  /** Look in folders below too. Defaults to `false`. */
  recursive?: boolean;
  /**
   * Called for a folder below the one given that cannot be listed (its path
   * longer than the system allows, say), which is then left out. Without
   * it, such a folder fails the search as the one given does.
   */
  onUnlisted?: (folder: string, error: unknown) => void;
}

/**
 * Lists the profiles in a folder, sorted by path so that every run merges
 * them in the same order. Symbolic links to files count (a broken one too,
 * so that reading it reports it); links to folders are not followed (they
 * could loop). A folder below that cannot be listed is left out when
 * `onUnlisted` is given.
 *
 * @example
 * ```ts
 * import { findProfiles } from "./folder.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const dir = await Deno.makeTempDir();
 * for (const name of ["b.prof", "a.pstats", "notes.txt"]) {
 *   await Deno.writeTextFile(`${dir}/${name}`, "");
 * }
 * assertEquals(await findProfiles(dir), [`${dir}/a.pstats`, `${dir}/b.prof`]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @param folder The folder.
 * @param options Whether to look below it.
 * @returns The paths of the profiles, each starting with `folder`.
 * @throws {Deno.errors.NotFound | Deno.errors.PermissionDenied} When a
 * folder cannot be listed; the error's `path` property names it.
 */
export async function findProfiles(
  folder: string,
  options: FindProfilesOptions = {},
): Promise<string[]> {
  const found: string[] = [];
  const pending = [folder];
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    try {
      for await (const entry of Deno.readDir(dir)) {
        const path = join(dir, entry.name);
        if (entry.isDirectory) {
          if (options.recursive) pending.push(path);
        } else if (_isProfileName(entry.name)) {
          if (entry.isFile || await _isNotFolderBehindLink(path)) {
            found.push(path);
          }
        }
      }
    } catch (error) {
      if (dir !== folder && options.onUnlisted) {
        options.onUnlisted(dir, error);
        continue;
      }
      if (error instanceof Error) Object.assign(error, { path: dir });
      throw error;
    }
  }
  return found.sort((a, b) => a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Which of the paths are pytest-profiling's `combined.prof`, the sum of the
 * other `.prof` files in its folder, which would count everything twice if
 * read with them. A `combined.prof` alone in its folder is not one.
 *
 * @example
 * ```ts
 * import { pytestCombined } from "./folder.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(
 *   pytestCombined(["prof/combined.prof", "prof/test_a.prof"]),
 *   [{ path: "prof/combined.prof", sums: 1 }],
 * );
 * assertEquals(pytestCombined(["other/combined.prof"]), []);
 * ```
 *
 * @param paths Paths found in folders.
 * @returns Each such `combined.prof` with how many files beside it it sums.
 */
export function pytestCombined(
  paths: readonly string[],
): { path: string; sums: number }[] {
  const others = new Map<string, number>();
  for (const path of paths) {
    if (basename(path) !== PYTEST_COMBINED && path.endsWith(".prof")) {
      const dir = dirname(path);
      others.set(dir, (others.get(dir) ?? 0) + 1);
    }
  }
  return paths
    .filter((path) => basename(path) === PYTEST_COMBINED)
    .map((path) => ({ path, sums: others.get(dirname(path)) ?? 0 }))
    .filter(({ sums }) => sums > 0);
}

function _isProfileName(name: string): boolean {
  return PROFILE_EXTENSIONS.some((ext) =>
    name.endsWith(ext) && name.length > ext.length
  );
}

/** A link to a file, or a broken one (whose reading will say so). */
async function _isNotFolderBehindLink(path: string): Promise<boolean> {
  try {
    return !(await Deno.stat(path)).isDirectory;
  } catch {
    return true;
  }
}
