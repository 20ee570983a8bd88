/**
 * The rules for showing a profiled program's source: which files may be
 * read, and what is said when one cannot be. A profile is data from
 * anywhere, so a name in it is never trusted to be harmless: the server and
 * the HTML report read a file only when all of these hold.
 *
 * 1. **Named by the profile.** The request names a file exactly as a loaded
 *    profile stores it (`/srv/app/shop/cart.py`, `workload.py`); anything
 *    else is refused before the disk is asked. So a request can name no
 *    other path: traversal (`../../etc/passwd.py`) in a request is a name
 *    no profile holds.
 * 2. **A source file.** Built-ins (`~`), `<frozen …>`, `<string>` and other
 *    names in angle brackets have no file.
 * 3. **Where, after mapping.** The name is mapped by the `--map-path` rules
 *    (`lib/path_map.ts`), then a relative result is taken relative to the
 *    working directory, and failing that to the folder of each loaded
 *    profile. These few paths, normalised (`a/../b` is `b`), are the only
 *    ones read for that name ({@linkcode sourcePlaces}).
 * 4. **Looks like Python source**, by the name's suffix: `.py`, `.pyw`,
 *    `.pyx` or `.pyi` (any case). A profile naming `~/.ssh/id_rsa` gets
 *    nothing shown.
 * 5. **Still Python source once links are followed.** The path is resolved
 *    to its real path (every symbolic link followed), and the real path must
 *    end in one of the suffixes too: a link `x.py` to `/etc/passwd` is
 *    refused, a link `x.py` to `/srv/lib/x.py` (a virtualenv's) is followed.
 *    Where the real file lives is not restricted: it is Python source the
 *    profile named.
 * 6. **A regular file**, not a directory, FIFO, socket or device, checked on
 *    the open file itself (`lib/source_read.ts` opens once, without blocking
 *    and without following a last link, and checks that handle).
 * 7. **At most {@linkcode MAX_SOURCE_BYTES}** (4 MiB), checked on the open
 *    file and by reading at most one byte more.
 *
 * What is read is decoded as UTF-8 (or by the file's PEP 263 coding
 * declaration, `# -*- coding: latin-1 -*-`, when the runtime knows that
 * encoding); bytes that do not decode are shown as U+FFFD (�) and counted,
 * so the page can say so. A file whose modification time is after the
 * profile's is marked as changed since profiling; a line number past its
 * end is reported by {@linkcode lineNote}.
 *
 * This module only decides; `lib/source_read.ts` touches the disk.
 *
 * @module
 */

import { isAbsolute, join, normalize } from "./path.ts";
import { isRelativePath, mapPath, type PathMapping } from "./path_map.ts";

/** The suffixes of the files that are shown: Python source and stubs. */
export const PYTHON_SUFFIXES: readonly string[] = [
  ".py",
  ".pyw",
  ".pyx",
  ".pyi",
];

/** The largest source file read, in bytes: 4 MiB. */
export const MAX_SOURCE_BYTES = 4 * 1024 * 1024;

/** Why a file is not shown. */
export type SourceRefusalKind =
  | "not-named"
  | "no-file"
  | "not-python"
  | "not-regular"
  | "too-big"
  | "missing"
  | "unreadable";

/** A file that is not shown, with the HTTP status and the reason in words. */
export interface SourceRefusal {
  /** Which rule refused it. */
  readonly kind: SourceRefusalKind;
  /**
   * The status the server answers: 404 for files that are not there (or
   * have no file), 413 for too big, 403 for the rest.
   */
  readonly status: 403 | 404 | 413;
  /** One sentence for the user, naming the file. */
  readonly message: string;
}

const _STATUS: Record<SourceRefusalKind, 403 | 404 | 413> = {
  "not-named": 403,
  "no-file": 404,
  "not-python": 403,
  "not-regular": 403,
  "too-big": 413,
  "missing": 404,
  "unreadable": 403,
};

/**
 * Whether a result is a refusal rather than what was asked for.
 *
 * @example
 * ```ts
 * import { isRefusal, refusal } from "./source_access.ts";
 * import { assert, assertFalse } from "@std/assert";
 *
 * assert(isRefusal(refusal("missing", "app.py is not there")));
 * assertFalse(isRefusal({ places: ["/w/app.py"] }));
 * ```
 *
 * @param result A result of this module or of `lib/source_read.ts`.
 * @returns `true` for a refusal.
 */
export function isRefusal<T extends object>(
  result: T | SourceRefusal,
): result is SourceRefusal {
  return "kind" in result && "status" in result && "message" in result;
}

/**
 * Makes a refusal of the given kind.
 *
 * @example
 * ```ts
 * import { refusal } from "./source_access.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(refusal("missing", "app.py is not there").status, 404);
 * ```
 *
 * @param kind Which rule refused.
 * @param message The sentence for the user.
 * @returns The refusal.
 */
export function refusal(
  kind: SourceRefusalKind,
  message: string,
): SourceRefusal {
  return { kind, status: _STATUS[kind], message };
}

/**
 * Whether a profile's file name stands for a file at all: built-ins (`~`,
 * or `""` from the `profile` module), names in angle brackets
 * (`<frozen importlib._bootstrap>`, `<string>`) and the sampler's
 * `__sampled__` marker do not.
 *
 * @example
 * ```ts
 * import { namesAFile } from "./source_access.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(
 *   ["app.py", "~", "", "<string>", "<frozen os>", "__sampled__"].map(namesAFile),
 *   [true, false, false, false, false, false],
 * );
 * ```
 *
 * @param name The file as the profile stores it.
 * @returns `true` when it may name a file.
 */
export function namesAFile(name: string): boolean {
  return name !== "" && name !== "~" && name !== "__sampled__" &&
    !(name.startsWith("<") && name.endsWith(">")) && !name.includes("\0");
}

/**
 * Whether a path's last segment ends in a Python suffix
 * ({@linkcode PYTHON_SUFFIXES}, any case) after at least one other
 * character.
 *
 * @example
 * ```ts
 * import { isPythonSourcePath } from "./source_access.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(
 *   ["/a/x.py", "x.PYW", "m.pyx", "s.pyi", "/home/me/.ssh/id_rsa", "/a/.py", "/a.py/x"]
 *     .map(isPythonSourcePath),
 *   [true, true, true, true, false, false, false],
 * );
 * ```
 *
 * @param path The path.
 * @returns `true` when it looks like Python source.
 */
export function isPythonSourcePath(path: string): boolean {
  const last = path.split(/[\\/]/).pop() ?? "";
  const lower = last.toLowerCase();
  return PYTHON_SUFFIXES.some((suffix) =>
    lower.endsWith(suffix) && lower.length > suffix.length
  );
}

/** Where to look for the files a profile names. */
export interface SourcePlacesOptions {
  /** The `--map-path` rules. */
  readonly rules?: readonly PathMapping[];
  /** The absolute directory relative paths are taken from first. */
  readonly cwd: string;
  /**
   * More absolute directories for relative paths, tried in order after
   * `cwd`: the folders of the loaded profiles.
   */
  readonly bases?: readonly string[];
}

/**
 * The paths read for one name of a profile, in the order they are tried:
 * the name mapped by the rules, and when that is relative, taken relative
 * to `cwd` and then to each of `bases`; each normalised, duplicates left
 * out. Names that are not files ({@linkcode namesAFile}) have none.
 *
 * @example
 * ```ts
 * import { sourcePlaces } from "./source_access.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(
 *   sourcePlaces("shop/cart.py", { cwd: "/home/me", bases: ["/data/runs"] }),
 *   ["/home/me/shop/cart.py", "/data/runs/shop/cart.py"],
 * );
 * assertEquals(
 *   sourcePlaces("/srv/app/../app/x.py", {
 *     cwd: "/home/me",
 *     rules: [{ from: "/srv/app", to: "/home/me/app" }],
 *   }),
 *   ["/home/me/app/x.py"],
 * );
 * assertEquals(sourcePlaces("~", { cwd: "/home/me" }), []);
 * ```
 *
 * @param name The file as the profile stores it.
 * @param options The rules and directories.
 * @returns The absolute, normalised paths.
 */
export function sourcePlaces(
  name: string,
  options: SourcePlacesOptions,
): string[] {
  if (!namesAFile(name)) return [];
  const mapped = mapPath(name, options.rules ?? []);
  const places: string[] = [];
  const add = (path: string) => {
    const normal = normalize(path);
    if (!places.includes(normal)) places.push(normal);
  };
  if (isAbsolute(mapped)) add(mapped);
  else if (isRelativePath(mapped)) {
    for (const base of [options.cwd, ...(options.bases ?? [])]) {
      if (isAbsolute(base)) add(join(base, mapped));
    }
  }
  // A Windows path on a POSIX machine (or the other way) without a rule
  // mapping it is neither: it names nothing here.
  return places;
}

/** What the server knows about the files of the loaded profiles. */
export interface SourceCatalog {
  /** Per name the profiles store, the paths read for it (maybe none). */
  readonly places: ReadonlyMap<string, readonly string[]>;
}

/**
 * The catalog of the files the loaded profiles name: every name that
 * stands for a file, with its {@linkcode sourcePlaces}.
 *
 * @example
 * ```ts
 * import { sourceCatalog } from "./source_access.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const catalog = sourceCatalog(["app.py", "~", "app.py"], { cwd: "/w" });
 * assertEquals([...catalog.places], [["app.py", ["/w/app.py"]]]);
 * ```
 *
 * @param names The files the profiles store, repeats allowed.
 * @param options The rules and directories.
 * @returns The catalog.
 */
export function sourceCatalog(
  names: Iterable<string>,
  options: SourcePlacesOptions,
): SourceCatalog {
  const places = new Map<string, readonly string[]>();
  for (const name of names) {
    if (!places.has(name) && namesAFile(name)) {
      places.set(name, sourcePlaces(name, options));
    }
  }
  return { places };
}

/**
 * Decides from the name alone whether a requested file may be looked for:
 * the paths to try, or why not (not named by a loaded profile, not a file,
 * or not Python source).
 *
 * @example
 * ```ts
 * import { decideName, isRefusal, sourceCatalog } from "./source_access.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const catalog = sourceCatalog(["app.py", "/home/me/.ssh/id_rsa"], { cwd: "/w" });
 * assertEquals(decideName(catalog, "app.py"), { places: ["/w/app.py"] });
 * const kind = (name: string) => {
 *   const decided = decideName(catalog, name);
 *   return isRefusal(decided) ? decided.kind : "read";
 * };
 * assertEquals(kind("../etc/passwd.py"), "not-named");
 * assertEquals(kind("/home/me/.ssh/id_rsa"), "not-python");
 * ```
 *
 * @param catalog The files of the loaded profiles.
 * @param name The requested file, as a profile stores it.
 * @returns The paths to try, or the refusal.
 */
export function decideName(
  catalog: SourceCatalog,
  name: string,
): { readonly places: readonly string[] } | SourceRefusal {
  const places = catalog.places.get(name);
  if (places === undefined) {
    return namesAFile(name)
      ? refusal(
        "not-named",
        `${_quote(name)} is not a file of the loaded profiles`,
      )
      : refusal("no-file", `${_quote(name)} has no source file`);
  }
  if (!isPythonSourcePath(name) || !places.every(isPythonSourcePath)) {
    return refusal(
      "not-python",
      `${_quote(name)} is not Python source (${PYTHON_SUFFIXES.join(", ")})`,
    );
  }
  if (places.length === 0) {
    return refusal(
      "missing",
      `${_quote(name)} names no path here: map it with --map-path FROM=TO`,
    );
  }
  return { places };
}

/** What the reader found out about an opened file. */
export interface OpenedFacts {
  /** The path as asked for. */
  readonly path: string;
  /** The real path, every link followed. */
  readonly realPath: string;
  /** Whether it is a regular file. */
  readonly isFile: boolean;
  /** Its size in bytes. */
  readonly size: number;
}

/**
 * Decides about a file once it is found and opened: its real path must
 * still look like Python source, it must be a regular file, and not bigger
 * than `maxBytes`.
 *
 * @example
 * ```ts
 * import { decideOpened } from "./source_access.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const facts = { path: "/a/x.py", realPath: "/a/x.py", isFile: true, size: 10 };
 * assertEquals(decideOpened(facts), null);
 * assertEquals(decideOpened({ ...facts, realPath: "/etc/passwd" })?.kind, "not-python");
 * assertEquals(decideOpened({ ...facts, isFile: false })?.kind, "not-regular");
 * assertEquals(decideOpened({ ...facts, size: 11 }, 10)?.status, 413);
 * ```
 *
 * @param facts What was found.
 * @param maxBytes The largest size read; {@linkcode MAX_SOURCE_BYTES} by default.
 * @returns `null` when it may be read, else the refusal.
 */
export function decideOpened(
  facts: OpenedFacts,
  maxBytes: number = MAX_SOURCE_BYTES,
): SourceRefusal | null {
  if (!isPythonSourcePath(facts.realPath)) {
    return refusal(
      "not-python",
      `${_quote(facts.path)} is a link to ${
        _quote(facts.realPath)
      }, which is not Python source`,
    );
  }
  if (!facts.isFile) {
    return refusal(
      "not-regular",
      `${_quote(facts.path)} is not a regular file`,
    );
  }
  if (facts.size > maxBytes) {
    return refusal(
      "too-big",
      `${_quote(facts.path)} is ${_size(facts.size)}, more than the ${
        _size(maxBytes)
      } shown`,
    );
  }
  return null;
}

/** A source file's text, decoded. */
export interface DecodedSource {
  /** The lines, without their line ends (line 1 is `lines[0]`). */
  readonly lines: string[];
  /** The encoding it was decoded with (a WHATWG label, `utf-8` mostly). */
  readonly encoding: string;
  /** How many byte sequences did not decode and show as U+FFFD. */
  readonly undecodable: number;
}

const _CODING = /^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)/;

/**
 * Decodes a source file's bytes: by its PEP 263 coding declaration (in the
 * first two lines) when the runtime knows that encoding, else as UTF-8;
 * a UTF-8 byte order mark is dropped; bytes that do not decode become
 * U+FFFD and are counted. Lines end at `\n`, `\r\n` or `\r`, as Python
 * counts them.
 *
 * @example
 * ```ts
 * import { decodeSource } from "./source_access.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const bytes = new Uint8Array([0x61, 0x0d, 0x0a, 0x62, 0xff, 0x0a]);
 * assertEquals(decodeSource(bytes), {
 *   lines: ["a", "b\ufffd", ""],
 *   encoding: "utf-8",
 *   undecodable: 1,
 * });
 * const latin = new TextEncoder().encode("# coding: latin-1\nx = '?'\n");
 * latin[23] = 0xe9;
 * assertEquals(decodeSource(latin).lines[1], "x = '\u00e9'");
 * ```
 *
 * @param bytes The file's bytes.
 * @returns The lines and how they were decoded.
 */
export function decodeSource(bytes: Uint8Array): DecodedSource {
  const encoding = _declaredEncoding(bytes);
  let text: string;
  let undecodable = 0;
  if (encoding === "utf-8") {
    text = new TextDecoder("utf-8").decode(bytes);
    undecodable = _count(text, "\ufffd") - _literalReplacements(bytes);
  } else {
    const decoder = new TextDecoder(encoding);
    text = decoder.decode(bytes);
    if (decoder.encoding !== "windows-1252") {
      // Single-byte encodings map every byte; others may not.
      undecodable = _count(text, "\ufffd");
    }
  }
  return { lines: text.split(/\r\n|\r|\n/), encoding, undecodable };
}

/**
 * The encoding a PEP 263 declaration names, when the runtime knows it;
 * `utf-8` otherwise. Only the first two lines are looked at, the second only
 * when the first is a comment or blank, as Python does.
 */
function _declaredEncoding(bytes: Uint8Array): string {
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, 512));
  const [first = "", second = ""] = head.split(/\r\n|\r|\n/, 2);
  let match = _CODING.exec(first);
  if (match === null && /^[ \t\f]*(?:#.*)?$/.test(first)) {
    match = _CODING.exec(second);
  }
  if (match === null) return "utf-8";
  try {
    return new TextDecoder(_whatwgLabel(match[1]!)).encoding;
  } catch {
    return "utf-8";
  }
}

/** Python's name of an encoding as a label `TextDecoder` knows. */
function _whatwgLabel(name: string): string {
  const label = name.toLowerCase().replace(/_/g, "-");
  if (/^(?:latin-?1|l1|iso-?8859-1|8859)$/.test(label)) return "latin1";
  if (/^utf-?8(?:-sig)?$/.test(label)) return "utf-8";
  const iso = /^iso-?8859-(\d+)$/.exec(label);
  if (iso !== null) return `iso-8859-${iso[1]}`;
  const cp = /^cp-?(\d+)$/.exec(label);
  if (cp !== null) return `windows-${cp[1]}`;
  return label;
}

function _count(text: string, char: string): number {
  let n = 0;
  for (let at = text.indexOf(char); at >= 0; at = text.indexOf(char, at + 1)) {
    n++;
  }
  return n;
}

/** How many U+FFFD the bytes spell out correctly (EF BF BD). */
function _literalReplacements(bytes: Uint8Array): number {
  let n = 0;
  for (let i = 0; i + 2 < bytes.length; i++) {
    if (bytes[i] === 0xef && bytes[i + 1] === 0xbf && bytes[i + 2] === 0xbd) {
      n++;
      i += 2;
    }
  }
  return n;
}

/**
 * Whether a source file was modified after the profile was made: its
 * modification time is later than the profile's.
 *
 * @example
 * ```ts
 * import { changedSinceProfiling } from "./source_access.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(changedSinceProfiling(2000, 1000), true);
 * assertEquals(changedSinceProfiling(1000, 1000), false);
 * assertEquals(changedSinceProfiling(null, 1000), false);
 * ```
 *
 * @param sourceMtime The source's modification time in ms, `null` if unknown.
 * @param profileMtime The profile's, `null` if unknown.
 * @returns `true` when it is known to be later.
 */
export function changedSinceProfiling(
  sourceMtime: number | null,
  profileMtime: number | null,
): boolean {
  return sourceMtime !== null && profileMtime !== null &&
    sourceMtime > profileMtime;
}

/**
 * What to say about a line number the page asks to show: nothing when the
 * file has it, else that it is past the end (or not a line number).
 *
 * @example
 * ```ts
 * import { lineNote } from "./source_access.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(lineNote("app.py", 3, 2), null);
 * assertEquals(
 *   lineNote("app.py", 3, 9),
 *   "Line 9 is past the end of app.py (3 lines): the file changed since profiling, or is another file",
 * );
 * ```
 *
 * @param name The file, for the message.
 * @param lineCount How many lines it has.
 * @param line The line asked for (1-based).
 * @returns `null` when the line is there, else the sentence.
 */
export function lineNote(
  name: string,
  lineCount: number,
  line: number,
): string | null {
  if (!Number.isInteger(line) || line < 1) {
    return `Line ${line} is not a line number`;
  }
  if (line <= lineCount) return null;
  return `Line ${line} is past the end of ${name} (${lineCount} line${
    lineCount === 1 ? "" : "s"
  }): the file changed since profiling, or is another file`;
}

function _quote(text: string): string {
  return JSON.stringify(text.length > 300 ? text.slice(0, 300) + "…" : text);
}

function _size(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number(value.toFixed(1))} ${units[unit]}`;
}
