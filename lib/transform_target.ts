/**
 * What a transform of the call tree (`lib/call_transform.ts`) acts on, as
 * the command line and the URL write it: which functions a merge, a drop or
 * a focus takes ({@linkcode targetFunctions}), and which frames a collapse
 * puts together ({@linkcode collapseGroups}).
 *
 * A target is one of:
 *
 * - a group: `stdlib` (the standard library: files in `lib/pythonX.Y/`
 *   outside its `site-packages/`, and frozen modules), `site-packages`
 *   (files in `site-packages/` or `dist-packages/`) or `builtins` (built-in
 *   functions, file `~`);
 * - a location naming functions exactly: a label as the table and folded
 *   stacks print it, `FILE:LINE(NAME)`, or `FILE:LINE:NAME`, `FILE:NAME`,
 *   `FILE:LINE` where the file holds a `/`, a `\`, `.py` or is `~` (else it
 *   would be a term). It names the functions whose short or full path is
 *   the file or ends with `/` and the file, with that line, with that name
 *   (a built-in's as stored, `<built-in method len>`, or as shown,
 *   `{built-in method len}`);
 * - otherwise filter terms, as the filter box takes them (`-term`
 *   excludes, `"…"` quotes; see `parseFilter()` of `lib/query.ts`): every
 *   function that matches them.
 *
 * A collapse takes a group, or a path (`django`, `django/db`, `app/`): the
 * functions whose short or full path is that path or lies under it, or
 * whose full path holds it between slashes. `site-packages` collapses each
 * package on its own (`django`, `requests`).
 *
 * @module
 */

import {
  builtinName,
  isBuiltin,
  isStdlibFile,
  sitePackage,
} from "./location.ts";
import { fileTable, type Profile } from "./profile.ts";
import { isEmptyFilter, parseFilter } from "./query.ts";
import { filterFunctions, type ParsedFilter } from "./search.ts";

/** The groups a target can name. */
export const TARGET_GROUPS = ["stdlib", "site-packages", "builtins"] as const;

/** One of {@linkcode TARGET_GROUPS}. */
export type TargetGroup = typeof TARGET_GROUPS[number];

/** A target, parsed; see the module's documentation. */
export type Target =
  | { readonly kind: "group"; readonly group: TargetGroup }
  | {
    readonly kind: "location";
    readonly file: string;
    readonly line: number | undefined;
    readonly name: string | undefined;
  }
  | { readonly kind: "terms"; readonly filter: ParsedFilter };

/**
 * Reads a target of a merge, a drop or a focus.
 *
 * @example
 * ```ts
 * import { parseTarget } from "./transform_target.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(parseTarget("stdlib"), { kind: "group", group: "stdlib" });
 * assertEquals(parseTarget("app/views.py:handle"), {
 *   kind: "location", file: "app/views.py", line: undefined, name: "handle",
 * });
 * assertEquals(parseTarget("views.py:12(index)"), {
 *   kind: "location", file: "views.py", line: 12, name: "index",
 * });
 * assertEquals(parseTarget("wrapper -test"), {
 *   kind: "terms", filter: { include: ["wrapper"], exclude: ["test"] },
 * });
 * ```
 *
 * @param text The target as written.
 * @returns The target.
 * @throws {RangeError} When it names nothing (empty, or terms that are all
 * lone `-`).
 */
export function parseTarget(text: string): Target {
  const t = text.trim();
  if ((TARGET_GROUPS as readonly string[]).includes(t)) {
    return { kind: "group", group: t as TargetGroup };
  }
  const location = _location(t);
  if (location !== undefined) return location;
  const filter = parseFilter(t);
  if (isEmptyFilter(filter)) {
    throw new RangeError(`Cannot tell which functions "${t}" names`);
  }
  return { kind: "terms", filter };
}

/**
 * The functions a target names, 1 each.
 *
 * @example
 * ```ts
 * import { parseTarget, targetFunctions } from "./transform_target.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const entry = (file: string, line: number, name: string) => ({
 *   key: [file, line, name] as const,
 *   calls: 1, primitiveCalls: 1, internalTime: 1, cumulativeTime: 1,
 * });
 * const profile = buildProfile([statsFile("run.pstats", [
 *   entry("/srv/app/views.py", 12, "handle"),
 *   entry("/srv/app/views.py", 120, "handle_all"),
 *   entry("/usr/lib/python3.12/json/decoder.py", 9, "decode"),
 *   entry("~", 0, "<built-in method builtins.len>"),
 * ])], { cwd: "/srv" });
 * const names = (text: string) => [...targetFunctions(profile, parseTarget(text))];
 * assertEquals(names("app/views.py:handle"), [1, 0, 0, 0]);
 * assertEquals(names("views.py:12"), [1, 0, 0, 0]);
 * assertEquals(names("handle"), [1, 1, 0, 0]);
 * assertEquals(names("stdlib"), [0, 0, 1, 0]);
 * assertEquals(names("~:{built-in method builtins.len}"), [0, 0, 0, 1]);
 * ```
 *
 * @param profile The profile (a tree's `profile`).
 * @param target The target.
 * @returns 1 for each function it names.
 */
export function targetFunctions(profile: Profile, target: Target): Uint8Array {
  const n = profile.size;
  const out = new Uint8Array(n);
  const f = profile.functions;
  switch (target.kind) {
    case "terms": {
      const all = new Uint32Array(n);
      for (let i = 0; i < n; i++) all[i] = i;
      for (const id of filterFunctions(profile, target.filter, all)) {
        out[id] = 1;
      }
      return out;
    }
    case "group": {
      const inGroup = _byFile(
        profile,
        (file) =>
          target.group === "stdlib"
            ? isStdlibFile(file)
            : sitePackage(file) !== undefined,
      );
      for (let i = 0; i < n; i++) {
        const builtin = isBuiltin(f.file[i]!, f.line[i]!);
        const yes = target.group === "builtins"
          ? builtin
          : builtin
          ? false
          : inGroup(i);
        if (yes) out[i] = 1;
      }
      return out;
    }
    case "location": {
      const { file, line, name } = target;
      const builtins = file === "~";
      const end = `/${_slashes(file)}`;
      const sameFile = (path: string) => {
        const p = _slashes(path);
        return p === end.slice(1) || p.endsWith(end);
      };
      const inFile = _byFile(
        profile,
        (path, short) => sameFile(short) || sameFile(path),
      );
      for (let i = 0; i < n; i++) {
        const stored = f.name[i]!;
        const builtin = isBuiltin(f.file[i]!, f.line[i]!);
        if (builtins ? !builtin : builtin) continue;
        if (!builtins && !inFile(i)) continue;
        if (line !== undefined && f.line[i] !== line) continue;
        if (
          name !== undefined && stored !== name && builtinName(stored) !== name
        ) continue;
        out[i] = 1;
      }
      return out;
    }
  }
}

/**
 * The target that names one function of a profile and as few others as
 * can be: `short file:line:name` (the full path where the short one names
 * others too), or `~:name` for a built-in.
 *
 * @example
 * ```ts
 * import { functionTarget } from "./transform_target.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const entry = (file: string, line: number, name: string) => ({
 *   key: [file, line, name] as const,
 *   calls: 1, primitiveCalls: 1, internalTime: 1, cumulativeTime: 1,
 * });
 * const profile = buildProfile([statsFile("run.pstats", [
 *   entry("/srv/app/views.py", 12, "handle"),
 *   entry("~", 0, "<built-in method builtins.len>"),
 * ])], { cwd: "/srv" });
 * assertEquals(functionTarget(profile, 0), "app/views.py:12:handle");
 * assertEquals(functionTarget(profile, 1), "~:<built-in method builtins.len>");
 * ```
 *
 * @param profile The profile.
 * @param fn The function's id.
 * @returns The target's text.
 */
export function functionTarget(profile: Profile, fn: number): string {
  const f = profile.functions;
  const name = f.name[fn]!;
  if (isBuiltin(f.file[fn]!, f.line[fn]!)) return `~:${name}`;
  const short = `${f.shortFile[fn]}:${f.line[fn]}:${name}`;
  const named = (text: string) => {
    const target = _location(text);
    if (target === undefined) return Infinity;
    return targetFunctions(profile, target).reduce((a, b) => a + b, 0);
  };
  if (named(short) === 1) return short;
  const full = `${f.file[fn]}:${f.line[fn]}:${name}`;
  return named(full) < named(short) ? full : short;
}

/** The collapsed groups of a collapse: each function's group, and their names. */
export interface CollapseGroups {
  /** Each function's group (an index into `names`), -1 for none. */
  readonly group: Int32Array;
  /** The groups' names (`django`, `stdlib`). */
  readonly names: readonly string[];
  /**
   * The group an earlier collapse's frame, by its name, falls into (an
   * index into `names`), or -1: a path's group under this path, a package
   * or a group of the same name.
   */
  readonly groupOfName: (name: string) => number;
}

/**
 * Which functions a collapse puts together, and under which names: a
 * group (`stdlib`, `builtins`; `site-packages` one group per package) or
 * a path (see the module's documentation).
 *
 * @example
 * ```ts
 * import { collapseGroups } from "./transform_target.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const entry = (file: string, name: string) => ({
 *   key: [file, 1, name] as const,
 *   calls: 1, primitiveCalls: 1, internalTime: 1, cumulativeTime: 1,
 * });
 * const site = "/venv/lib/python3.12/site-packages";
 * const profile = buildProfile([statsFile("run.pstats", [
 *   entry(`${site}/django/db/models.py`, "save"),
 *   entry(`${site}/requests/api.py`, "get"),
 *   entry("/srv/app/views.py", "index"),
 * ])], { cwd: "/srv" });
 * const bySite = collapseGroups(profile, "site-packages");
 * assertEquals([...bySite.group], [0, 1, -1]);
 * assertEquals(bySite.names, ["django", "requests"]);
 * assertEquals([...collapseGroups(profile, "django/db/").group], [0, -1, -1]);
 * assertEquals(collapseGroups(profile, "django/db/").names, ["django/db"]);
 * assertEquals(collapseGroups(profile, "django").groupOfName("django/db"), 0);
 * ```
 *
 * @param profile The profile (a tree's `profile`).
 * @param spec `stdlib`, `site-packages`, `builtins` or a path.
 * @returns Each function's group and the groups' names.
 * @throws {RangeError} When `spec` is empty.
 */
export function collapseGroups(profile: Profile, spec: string): CollapseGroups {
  const text = spec.trim();
  const n = profile.size;
  const group = new Int32Array(n).fill(-1);
  const f = profile.functions;
  if (text === "site-packages") {
    const names: string[] = [];
    const index = new Map<string, number>();
    const packageOf = _byFile(profile, (file) => sitePackage(file));
    for (let i = 0; i < n; i++) {
      if (isBuiltin(f.file[i]!, f.line[i]!)) continue;
      const name = packageOf(i);
      if (name === undefined) continue;
      let g = index.get(name);
      if (g === undefined) {
        g = names.length;
        names.push(name);
        index.set(name, g);
      }
      group[i] = g;
    }
    // An earlier collapse of a package or a path in one (`django/db`).
    const packageOfName = (name: string) => {
      const path = _slashes(name);
      return sitePackage(path) ?? path.split("/")[0]!;
    };
    return {
      group,
      names,
      groupOfName: (name) =>
        index.get(name) ?? index.get(packageOfName(name)) ?? -1,
    };
  }
  if (text === "stdlib" || text === "builtins") {
    const members = targetFunctions(profile, { kind: "group", group: text });
    for (let i = 0; i < n; i++) if (members[i] === 1) group[i] = 0;
    return {
      group,
      names: [text],
      groupOfName: (name) => name === text ? 0 : -1,
    };
  }
  const path = _slashes(text).replace(/\/+$/, "");
  if (path === "") {
    throw new RangeError(`Cannot collapse "${spec}": give a path or a group`);
  }
  const under = (file: string) => {
    const p = _slashes(file);
    return p === path || p.startsWith(`${path}/`) ||
      p.endsWith(`/${path}`) || p.includes(`/${path}/`);
  };
  const isUnder = _byFile(
    profile,
    (file, short) => under(short) || under(file),
  );
  for (let i = 0; i < n; i++) {
    if (isBuiltin(f.file[i]!, f.line[i]!)) continue;
    if (isUnder(i)) group[i] = 0;
  }
  return {
    group,
    names: [path],
    // An earlier collapse of a path under this one (`django/db`, then
    // `django`) is inside it.
    groupOfName: (name) =>
      name === path || _slashes(name).startsWith(`${path}/`) ? 0 : -1,
  };
}

// ---------------------------------------------------------------- internals

/**
 * A question about a function's file, asked once per distinct file (a path
 * may be shared by thousands of functions, and long): answers it by
 * function id.
 */
function _byFile<T>(
  profile: Profile,
  ask: (file: string, short: string) => T,
): (id: number) => T {
  const table = fileTable(profile);
  const answers = table.files.map((file, k) => ask(file, table.shortFiles[k]!));
  return (id) => answers[table.codes[id]!]!;
}

function _slashes(path: string): string {
  return path.replaceAll("\\", "/");
}

/** Whether the left side of a `:` is a file (else the text is terms). */
function _isFile(text: string): boolean {
  return text === "~" || /[\\/]/.test(text) || text.includes(".py") ||
    (text.startsWith("<") && text.endsWith(">"));
}

/** A name after `FILE:`: `<…>` (spaces allowed), or a word. */
const _NAME = String.raw`(<[^<>]*>|\{[^{}]*\}|[^\s:<>{}/\\]+)`;

function _location(text: string): Target | undefined {
  const forms: [
    RegExp,
    (
      m: RegExpExecArray,
    ) => [string, string | undefined, string | undefined],
  ][] = [
    // FILE:LINE(NAME), as tables and folded stacks print it: never a
    // term (search texts hold no "(" after a line), whatever the file.
    [/^(.+):(\d+)\((.*)\)$/s, (m) => [m[1]!, m[2], m[3]]],
    [/^(.+?):(\d+):(.+)$/s, (m) => [m[1]!, m[2], m[3]]],
    [/^(.+):(\d+)$/s, (m) => [m[1]!, m[2], undefined]],
    [new RegExp(`^(.+):${_NAME}$`, "s"), (m) => [m[1]!, undefined, m[2]]],
  ];
  for (const [k, [pattern, parts]] of forms.entries()) {
    const m = pattern.exec(text);
    if (m === null) continue;
    const [file, line, name] = parts(m);
    if (k > 0 && !_isFile(file)) continue;
    return {
      kind: "location",
      file,
      line: line === undefined ? undefined : Number(line),
      name: name === undefined || name === "" ? undefined : name,
    };
  }
  return undefined;
}
