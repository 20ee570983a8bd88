/**
 * Readable names for the places functions live: short paths and pstats-style
 * labels.
 *
 * @module
 */

const _PACKAGE_ROOTS = /[\\/](?:site|dist)-packages[\\/]/g;
const _STDLIB = /[\\/]lib[\\/]python\d+(?:\.\d+)?t?[\\/]/gi;

/**
 * Shortens a path for display: paths inside `site-packages/` (or
 * `dist-packages/`) keep only the package path, paths inside the standard
 * library (`lib/pythonX.Y/`) only the module path, and paths inside `cwd`
 * become relative to it. Other paths are returned as they are.
 *
 * @example
 * ```ts
 * import { shortenPath } from "./location.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(
 *   shortenPath("/venv/lib/python3.12/site-packages/django/db/models.py"),
 *   "django/db/models.py",
 * );
 * assertEquals(shortenPath("/usr/lib/python3.12/json/decoder.py"), "json/decoder.py");
 * assertEquals(shortenPath("/home/me/app/views.py", "/home/me"), "app/views.py");
 * ```
 *
 * @param file The path as stored in the profile.
 * @param cwd An absolute directory to make paths relative to.
 * @returns The short path.
 */
export function shortenPath(file: string, cwd?: string): string {
  const cut = Math.max(
    _endOfLastMatch(_PACKAGE_ROOTS, file),
    _endOfLastMatch(_STDLIB, file),
  );
  if (cut > 0 && cut < file.length) return file.slice(cut);
  if (cwd !== undefined && cwd !== "") {
    const base = cwd.endsWith("/") || cwd.endsWith("\\") ? cwd : cwd + "/";
    if (file.startsWith(base) && file.length > base.length) {
      return file.slice(base.length);
    }
  }
  return file;
}

function _endOfLastMatch(pattern: RegExp, text: string): number {
  let end = -1;
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    end = m.index + m[0].length;
  }
  return end;
}

/**
 * Whether a file is part of Python's standard library: inside
 * `lib/pythonX.Y/` but not in its `site-packages/` (or `dist-packages/`),
 * or a frozen module (`<frozen importlib._bootstrap>`).
 *
 * @example
 * ```ts
 * import { isStdlibFile } from "./location.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(isStdlibFile("/usr/lib/python3.12/json/decoder.py"), true);
 * assertEquals(isStdlibFile("<frozen importlib._bootstrap>"), true);
 * assertEquals(
 *   isStdlibFile("/venv/lib/python3.12/site-packages/django/db/models.py"),
 *   false,
 * );
 * assertEquals(isStdlibFile("/srv/app/views.py"), false);
 * ```
 *
 * @param file The function's file, as stored in the profile.
 * @returns `true` for the standard library.
 */
export function isStdlibFile(file: string): boolean {
  if (file.startsWith("<frozen ")) return true;
  const stdlib = _endOfLastMatch(_STDLIB, file);
  return stdlib > 0 && _endOfLastMatch(_PACKAGE_ROOTS, file) < stdlib;
}

/**
 * The package a file inside `site-packages/` (or `dist-packages/`) belongs
 * to: the first part of its path there (`django`; `six` for `six.py`), or
 * `undefined` for a file elsewhere.
 *
 * @example
 * ```ts
 * import { sitePackage } from "./location.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(
 *   sitePackage("/venv/lib/python3.12/site-packages/django/db/models.py"),
 *   "django",
 * );
 * assertEquals(sitePackage("/venv/lib/python3.12/site-packages/six.py"), "six");
 * assertEquals(sitePackage("/usr/lib/python3.12/json/decoder.py"), undefined);
 * ```
 *
 * @param file The function's file, as stored in the profile.
 * @returns The package's name, or `undefined`.
 */
export function sitePackage(file: string): string | undefined {
  const cut = _endOfLastMatch(_PACKAGE_ROOTS, file);
  if (cut <= 0 || cut >= file.length) return undefined;
  const first = file.slice(cut).split(/[\\/]/)[0]!;
  return first.endsWith(".py") ? first.slice(0, -3) : first;
}

/**
 * Whether a function is a built-in (C) function, which cProfile records with
 * file `~` and line 0 and the `profile` module with an empty file and line 0.
 *
 * @param file The function's file.
 * @param line The function's line.
 * @returns `true` for built-ins.
 */
export function isBuiltin(file: string, line: number): boolean {
  return (file === "~" || file === "") && line === 0;
}

/**
 * The label pstats prints for a function (`func_std_string`): `file:line(name)`,
 * or for built-ins the name with its angle brackets turned to braces, such as
 * `{built-in method builtins.len}`.
 *
 * @example
 * ```ts
 * import { functionLabel } from "./location.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(functionLabel("app.py", 3, "main"), "app.py:3(main)");
 * assertEquals(
 *   functionLabel("~", 0, "<built-in method builtins.len>"),
 *   "{built-in method builtins.len}",
 * );
 * ```
 *
 * @param file The function's file, shortened or not.
 * @param line The function's first line.
 * @param name The function's name.
 * @returns The label.
 */
export function functionLabel(
  file: string,
  line: number,
  name: string,
): string {
  if (isBuiltin(file, line)) return builtinName(name);
  return `${file}:${line}(${name})`;
}

/**
 * A built-in's name as pstats shows it: `<built-in method x>` becomes
 * `{built-in method x}`; other names are kept.
 *
 * @param name The name stored in the profile.
 * @returns The display name.
 */
export function builtinName(name: string): string {
  return name.startsWith("<") && name.endsWith(">")
    ? `{${name.slice(1, -1)}}`
    : name;
}
