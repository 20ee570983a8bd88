/**
 * Path mapping (`--map-path FROM=TO`): profiles made in a container, on CI
 * or on another machine name paths that do not exist here. A rule says that
 * the files a profile names under `FROM` are found under `TO`.
 *
 * The rules, all pure string work (nothing here touches the disk):
 *
 * - `FROM` matches a path equal to it or starting with it followed by a
 *   separator: whole path segments only, so `/srv/app` maps
 *   `/srv/app/x.py` but not `/srv/application/x.py`.
 * - `\` and `/` are the same separator on the `FROM` side, so a rule
 *   `C:\work=/home/me/work` maps the Windows path `C:\work\app\x.py` to
 *   `/home/me/work/app/x.py`. A Windows `FROM` (one with a drive letter,
 *   `\\server\share` or a `\`) compares without regard to case, as Windows
 *   does.
 * - `FROM` may be `.`: it then matches every relative path (a profile made
 *   by `python -m cProfile -o out.pstats app.py` names `app.py`), so
 *   `.=/home/me/project` puts them all under one directory. A relative
 *   `FROM` such as `shop` matches relative paths that start with it.
 * - The longest matching `FROM` (in path segments) wins, whatever the order
 *   of the rules; of two equally long, the first given.
 * - What follows `FROM` is joined to `TO` with `TO`'s separator (`\` when
 *   `TO` uses only `\`, else `/`).
 *
 * @module
 */

/** One `--map-path FROM=TO` rule. */
export interface PathMapping {
  /** The prefix as the profile names it. */
  readonly from: string;
  /** Where those files are here. */
  readonly to: string;
}

/**
 * Reads a `FROM=TO` rule, split at the first `=`.
 *
 * @example
 * ```ts
 * import { parsePathMapping } from "./path_map.ts";
 * import { assertEquals, assertThrows } from "@std/assert";
 *
 * assertEquals(parsePathMapping("/app=/home/me/app"), {
 *   from: "/app",
 *   to: "/home/me/app",
 * });
 * assertThrows(() => parsePathMapping("/app"), SyntaxError);
 * ```
 *
 * @param text The rule as typed.
 * @returns The rule.
 * @throws {SyntaxError} When it has no `=`, or either side is empty.
 */
export function parsePathMapping(text: string): PathMapping {
  const at = text.indexOf("=");
  if (at < 0) {
    throw new SyntaxError(
      `Invalid path mapping "${text}": expected FROM=TO, such as /app=/home/me/app`,
    );
  }
  const from = text.slice(0, at);
  const to = text.slice(at + 1);
  if (from === "" || to === "") {
    throw new SyntaxError(
      `Invalid path mapping "${text}": FROM and TO must not be empty`,
    );
  }
  return { from, to };
}

/**
 * Maps a path by the rule with the longest matching `FROM` (see the module
 * documentation), or returns it unchanged when no rule matches.
 *
 * @example
 * ```ts
 * import { mapPath } from "./path_map.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const rules = [
 *   { from: "/srv", to: "/mnt/srv" },
 *   { from: "/srv/app", to: "/home/me/app" },
 *   { from: "C:\\work", to: "/home/me/work" },
 *   { from: ".", to: "/home/me/project" },
 * ];
 * assertEquals(mapPath("/srv/app/views.py", rules), "/home/me/app/views.py");
 * assertEquals(mapPath("/srv/other.py", rules), "/mnt/srv/other.py");
 * assertEquals(mapPath("/srv/application.py", rules), "/mnt/srv/application.py");
 * assertEquals(mapPath("c:\\Work\\x\\y.py", rules), "/home/me/work/x/y.py");
 * assertEquals(mapPath("app.py", rules), "/home/me/project/app.py");
 * assertEquals(mapPath("/usr/lib/x.py", rules), "/usr/lib/x.py");
 * ```
 *
 * @param path The path as the profile names it.
 * @param rules The rules, in the order given.
 * @returns The path here.
 */
export function mapPath(path: string, rules: readonly PathMapping[]): string {
  let best: { rule: PathMapping; rest: string[]; length: number } | null = null;
  for (const rule of rules) {
    const rest = _restAfter(rule.from, path);
    if (rest === null) continue;
    const length = _segments(rule.from).length;
    if (best === null || length > best.length) best = { rule, rest, length };
  }
  if (best === null) return path;
  return _join(best.rule.to, best.rest);
}

/**
 * Whether a path is relative: neither POSIX-absolute (`/x`), nor with a
 * drive letter (`C:\x`, `C:x`), nor a UNC path (`\\server\share`).
 *
 * @example
 * ```ts
 * import { isRelativePath } from "./path_map.ts";
 * import { assert, assertFalse } from "@std/assert";
 *
 * assert(isRelativePath("shop/cart.py"));
 * assertFalse(isRelativePath("/srv/app.py"));
 * assertFalse(isRelativePath("C:\\work\\app.py"));
 * ```
 *
 * @param path The path.
 * @returns `true` when it is relative.
 */
export function isRelativePath(path: string): boolean {
  return !(path.startsWith("/") || path.startsWith("\\") ||
    /^[A-Za-z]:/.test(path));
}

/** Whether a rule's side is a Windows path, compared without case. */
function _isWindows(path: string): boolean {
  return /^[A-Za-z]:/.test(path) || path.includes("\\");
}

/** A path's segments: split at `/` and `\`, empty and `.` ones left out. */
function _segments(path: string): string[] {
  return path.split(/[\\/]+/).filter((s) => s !== "" && s !== ".");
}

/**
 * The segments of `path` after the prefix `from`, or `null` when `from` is
 * not a whole-segment prefix of it.
 */
function _restAfter(from: string, path: string): string[] | null {
  const fromRelative = isRelativePath(from);
  if (fromRelative !== isRelativePath(path)) return null;
  // The root of an absolute path is its own segment: `/` or a drive letter.
  const root = (p: string) =>
    fromRelative ? "" : /^[A-Za-z]:/.test(p) ? p.slice(0, 2) : "/";
  const fold = _isWindows(from)
    ? (s: string) => s.toLowerCase()
    : (s: string) => s;
  if (fold(root(from)) !== fold(root(path))) return null;
  const fromParts = _segments(
    fromRelative ? from : from.slice(root(from).length),
  );
  const pathParts = _segments(
    fromRelative ? path : path.slice(root(path).length),
  );
  if (fromParts.length > pathParts.length) return null;
  for (let i = 0; i < fromParts.length; i++) {
    if (fold(fromParts[i]!) !== fold(pathParts[i]!)) return null;
  }
  return pathParts.slice(fromParts.length);
}

function _join(to: string, rest: string[]): string {
  if (rest.length === 0) return to;
  const separator = to.includes("\\") && !to.includes("/") ? "\\" : "/";
  const base = to.endsWith("/") || to.endsWith("\\") ? to : to + separator;
  return base + rest.join(separator);
}
