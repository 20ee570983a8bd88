/**
 * The `@std/path` functions the program uses, typed, from the module for the
 * platform it runs on (`@std/path/posix` or `@std/path/windows`).
 *
 * Not `@std/path` itself: the npm build of the standard library that
 * `deno.json` maps `@std/*` to (JSR being out of reach) asks
 * `process.platform` for the platform before `Deno.build.os`, and
 * `resolve()` asks `process.cwd()` before `Deno.cwd()`; in Deno, the first
 * touch of `process` loads Node's process module, some 35 ms of every run's
 * start-up (a fifth of reading a 3 MB profile). JSR's `@std/path` asks Deno
 * first: on moving to `jsr:@std/path` this module can go, its importers
 * importing `@std/path` again.
 *
 * @module
 */

import {
  basename as posixBasename,
  dirname as posixDirname,
  isAbsolute as posixIsAbsolute,
  join as posixJoin,
  normalize as posixNormalize,
  resolve as posixResolve,
} from "@std/path/posix";
import {
  basename as windowsBasename,
  dirname as windowsDirname,
  isAbsolute as windowsIsAbsolute,
  join as windowsJoin,
  normalize as windowsNormalize,
  resolve as windowsResolve,
} from "@std/path/windows";

/** Deno's build and working folder, or nothing (in a browser). */
const _deno = (globalThis as {
  Deno?: { build: { os: string }; cwd(): string };
}).Deno;

/** Whether paths are Windows': Deno's platform, or in a browser the system's. */
const _windows = _deno === undefined
  ? globalThis.navigator?.platform?.startsWith("Win") ?? false
  : _deno.build.os === "windows";

/**
 * The last part of a path.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { basename } from "./path.ts";
 *
 * assertEquals(basename("/srv/app/run.pstats"), "run.pstats");
 * ```
 */
export function basename(path: string): string {
  return _windows ? windowsBasename(path) : posixBasename(path);
}

/**
 * A path without its last part.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { dirname } from "./path.ts";
 *
 * assertEquals(dirname("/srv/app/run.pstats"), "/srv/app");
 * ```
 */
export function dirname(path: string): string {
  return _windows ? windowsDirname(path) : posixDirname(path);
}

/**
 * Whether a path is absolute.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { isAbsolute } from "./path.ts";
 *
 * assert(isAbsolute("/srv/app.py") && !isAbsolute("app.py"));
 * ```
 */
export function isAbsolute(path: string): boolean {
  return _windows ? windowsIsAbsolute(path) : posixIsAbsolute(path);
}

/**
 * Paths joined and normalized.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { join } from "./path.ts";
 *
 * assertEquals(join("/srv", "app", "../lib.py"), "/srv/lib.py");
 * ```
 */
export function join(...paths: string[]): string {
  return _windows ? windowsJoin(...paths) : posixJoin(...paths);
}

/**
 * A path with `.` and `..` parts resolved and repeated separators made one.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { normalize } from "./path.ts";
 *
 * assertEquals(normalize("/srv//app/./x/../run.py"), "/srv/app/run.py");
 * ```
 */
export function normalize(path: string): string {
  return _windows ? windowsNormalize(path) : posixNormalize(path);
}

/**
 * The absolute path that paths lead to, from the working folder.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { resolve } from "./path.ts";
 *
 * assertEquals(resolve("/srv", "app", "run.pstats"), "/srv/app/run.pstats");
 * ```
 *
 * @param paths The paths, each from the one before (the first from the
 * working folder).
 * @returns The absolute path.
 */
export function resolve(...paths: string[]): string {
  const from = _deno === undefined ? paths : [_deno.cwd(), ...paths];
  return _windows ? windowsResolve(...from) : posixResolve(...from);
}
