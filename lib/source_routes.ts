/**
 * The server's source and editor routes, kept apart from `lib/server.ts`
 * which only routes to them:
 *
 * | Route                     | Answer                                          |
 * | ------------------------- | ----------------------------------------------- |
 * | `GET /api/source?file=F`  | the file `F` a loaded profile names, as JSON    |
 * | `GET /api/sources`        | every file the profiles name, found or not      |
 * | `POST /api/open`          | opens `{file, line}` in the editor (a side effect) |
 *
 * `/api/source` reads by the rules of `lib/source_access.ts` and answers
 * `{name, path, lines, encoding, undecodable, changed, mtime, note}` (with
 * `line=N`, `note` says when line N is past the end); a refusal answers its
 * status (403, 404, 413) with `{error, kind}`, and a missing file's answer
 * adds `suggestion`, the `--map-path` rule to type when the file is found
 * under the working directory by the end of its path.
 *
 * `/api/sources` answers `{files: [{name, found, error?}], suggestion?}`:
 * each Python file the profiles name (up to {@linkcode MAX_LISTED}, in the
 * profiles' order), whether it is found by the same rules (without
 * reading it), why not, and the `--map-path` rule to type for the first
 * one not found, when one is known.
 *
 * `/api/open` is a side effect, so it is guarded three ways: the request's
 * `Origin` must be the server's own (a page of another site cannot post to
 * it), it must carry the run's secret in `x-explorer-secret` (which only the
 * page holds: it is written into the page's HTML when served, see
 * {@linkcode pageMeta}), and the file must be one the profiles name, found
 * and allowed by the same rules as `/api/source`. Then the editor chosen
 * on the command line is started with arguments (`lib/editor_launch.ts`),
 * and the answer is `{ok, message}`; with `--editor-url` instead, the
 * answer is `{ok, url}` for the page to follow.
 *
 * @module
 */

import { editorCommand, type EditorLaunch, expandEditorUrl } from "./editor.ts";
import type { LaunchOutcome } from "./editor_launch.ts";
import {
  isPythonSourcePath,
  isRefusal,
  lineNote,
  MAX_SOURCE_BYTES,
  type SourceCatalog,
  type SourceRefusal,
} from "./source_access.ts";
import { locateSource, readSource } from "./source_read.ts";
import { isRelativePath } from "./path_map.ts";

/** What the source and editor routes need. */
export interface SourceServing {
  /** The files the loaded profiles name, with where to look for them. */
  readonly catalog: SourceCatalog;
  /** The newest loaded profile's modification time (ms), `null` if unknown. */
  readonly profileMtime: number | null;
  /** The size cap; {@linkcode MAX_SOURCE_BYTES} by default. */
  readonly maxBytes?: number;
  /** The working directory, for mapping suggestions. */
  readonly cwd: string;
  /** The run's secret for `/api/open`. */
  readonly secret: string;
  /** The editor command from `chooseEditor()`, `null` when none is set. */
  readonly editor: readonly string[] | null;
  /** The `--editor-url` template, `null` when not given. */
  readonly editorUrl: string | null;
  /** Whether windowed programs can open here (see `EditorPlace`). */
  readonly hasDisplay?: boolean;
  /** Starts an editor (an `EditorLauncher`). */
  readonly launcher: { launch(launch: EditorLaunch): Promise<LaunchOutcome> };
  /** Whether a path exists as a file, for mapping suggestions. */
  readonly isFile?: (path: string) => Promise<boolean>;
}

const _JSON = "application/json; charset=utf-8";

function _json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": _JSON, "cache-control": "no-store" },
  });
}

function _refused(r: SourceRefusal, extra: Record<string, unknown> = {}) {
  return _json({ error: r.message, kind: r.kind, ...extra }, r.status);
}

/**
 * Answers `GET /api/source?file=F[&line=N]`.
 *
 * @example
 * ```ts
 * import { sourceResponse } from "./source_routes.ts";
 * import { sourceCatalog } from "./source_access.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const serving = {
 *   catalog: sourceCatalog(["app.py"], { cwd: "/nowhere" }),
 *   profileMtime: null,
 *   cwd: "/nowhere",
 *   secret: "s",
 *   editor: null,
 *   editorUrl: null,
 *   launcher: { launch: () => Promise.resolve({ ok: true, message: "" }) },
 * };
 * const url = new URL("http://localhost/api/source?file=/etc/passwd");
 * assertEquals((await sourceResponse(url, serving)).status, 403);
 * ```
 *
 * @param url The request's URL.
 * @param serving The catalog and options.
 * @returns The file as JSON, or the refusal.
 */
export async function sourceResponse(
  url: URL,
  serving: SourceServing,
): Promise<Response> {
  const name = url.searchParams.get("file");
  if (name === null) return _json({ error: "Give the file: ?file=NAME" }, 400);
  const read = await readSource(serving.catalog, name, {
    profileMtime: serving.profileMtime,
    maxBytes: serving.maxBytes ?? MAX_SOURCE_BYTES,
  });
  if (isRefusal(read)) {
    if (read.kind === "missing") {
      const suggestion = await suggestMapping(name, serving);
      return _refused(read, suggestion === null ? {} : { suggestion });
    }
    return _refused(read);
  }
  const lineText = url.searchParams.get("line");
  const note = lineText === null
    ? null
    : lineNote(name, read.lines.length, Number(lineText));
  return _json({ ...read, note });
}

/** The most files `/api/sources` looks for. */
export const MAX_LISTED = 2000;

/**
 * Answers `GET /api/sources`: whether each Python file the profiles name is
 * found here.
 *
 * @example
 * ```ts
 * import { sourcesResponse } from "./source_routes.ts";
 * import { sourceCatalog } from "./source_access.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const serving = {
 *   catalog: sourceCatalog(["app.py", "~"], { cwd: "/nowhere" }),
 *   profileMtime: null,
 *   cwd: "/nowhere",
 *   secret: "s",
 *   editor: null,
 *   editorUrl: null,
 *   launcher: { launch: () => Promise.resolve({ ok: true, message: "" }) },
 * };
 * const body = await (await sourcesResponse(serving)).json();
 * assertEquals(body.files.map((f: { name: string; found: boolean }) => [f.name, f.found]), [
 *   ["app.py", false],
 * ]);
 * ```
 *
 * @param serving The catalog and options.
 * @returns The list as JSON.
 */
export async function sourcesResponse(
  serving: SourceServing,
): Promise<Response> {
  const files: { name: string; found: boolean; error?: string }[] = [];
  let suggestion: string | null = null;
  for (const name of serving.catalog.places.keys()) {
    if (files.length >= MAX_LISTED) break;
    if (!isPythonSourcePath(name)) continue;
    const located = await locateSource(serving.catalog, name, {
      maxBytes: serving.maxBytes ?? MAX_SOURCE_BYTES,
    });
    if (!isRefusal(located)) {
      files.push({ name, found: true });
      continue;
    }
    files.push({ name, found: false, error: located.message });
    if (suggestion === null && located.kind === "missing") {
      suggestion = await suggestMapping(name, serving);
    }
  }
  return _json(suggestion === null ? { files } : { files, suggestion });
}

/**
 * Answers `POST /api/open` with JSON `{file, line}`: checks the origin and
 * the secret, then opens the file in the editor (or gives the editor URL).
 *
 * @example
 * ```ts
 * import { openResponse } from "./source_routes.ts";
 * import { sourceCatalog } from "./source_access.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const serving = {
 *   catalog: sourceCatalog(["app.py"], { cwd: "/nowhere" }),
 *   profileMtime: null,
 *   cwd: "/nowhere",
 *   secret: "s3cret",
 *   editor: ["code"],
 *   editorUrl: null,
 *   launcher: { launch: () => Promise.resolve({ ok: true, message: "" }) },
 * };
 * const request = new Request("http://localhost:8000/api/open", {
 *   method: "POST",
 *   headers: { origin: "https://evil.example", "x-explorer-secret": "s3cret" },
 *   body: JSON.stringify({ file: "app.py", line: 1 }),
 * });
 * assertEquals((await openResponse(request, serving)).status, 403);
 * ```
 *
 * @param request The request.
 * @param serving The catalog, editor and secret.
 * @returns `{ok, message}` or `{ok, url}`, or an error.
 */
export async function openResponse(
  request: Request,
  serving: SourceServing,
): Promise<Response> {
  const url = new URL(request.url);
  const origin = request.headers.get("origin");
  if (origin === null || origin !== url.origin) {
    return _json({
      error: "Opening an editor is only for the explorer's own page",
    }, 403);
  }
  if (
    !_sameSecret(request.headers.get("x-explorer-secret") ?? "", serving.secret)
  ) {
    return _json({
      error: "Opening an editor needs the page's secret: reload the page",
    }, 403);
  }
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    return _json({ error: 'Give JSON: {"file": NAME, "line": N}' }, 400);
  }
  const { file, line } = (body ?? {}) as { file?: unknown; line?: unknown };
  if (
    typeof file !== "string" || typeof line !== "number" ||
    !Number.isFinite(line)
  ) {
    return _json({ error: 'Give JSON: {"file": NAME, "line": N}' }, 400);
  }
  const located = await locateSource(serving.catalog, file, {
    maxBytes: serving.maxBytes ?? MAX_SOURCE_BYTES,
  });
  if (isRefusal(located)) return _refused(located);
  if (serving.editorUrl !== null) {
    return _json({
      ok: true,
      url: expandEditorUrl(serving.editorUrl, located.path, line),
    });
  }
  if (serving.editor === null) {
    return _json({
      ok: false,
      message:
        "No editor is set: start the explorer with --editor (such as code or pycharm), or set $EDITOR",
    });
  }
  const launch = editorCommand(serving.editor, located.path, line, {
    hasDisplay: serving.hasDisplay ?? true,
  });
  return _json(await serving.launcher.launch(launch));
}

/**
 * The `--map-path` rule to suggest for a file that is not where the
 * profile says: when the working directory holds the end of its path
 * (`shop/cart.py` of `/srv/app/shop/cart.py`), the rule that maps the rest
 * there, `/srv/app=CWD`. Only the existence of those few paths is asked
 * (and only for Python files); `null` when none is found.
 *
 * @example
 * ```ts
 * import { suggestMapping } from "./source_routes.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const here = new Set(["/home/me/app/shop/cart.py"]);
 * const suggestion = await suggestMapping("/srv/app/shop/cart.py", {
 *   cwd: "/home/me/app",
 *   isFile: (path) => Promise.resolve(here.has(path)),
 * });
 * assertEquals(suggestion, "--map-path /srv/app=/home/me/app");
 * ```
 *
 * @param name The file as the profile names it.
 * @param where The working directory, and how to ask whether a file exists.
 * @returns The rule to type, or `null`.
 */
export async function suggestMapping(
  name: string,
  where: Pick<SourceServing, "cwd" | "isFile">,
): Promise<string | null> {
  const isFile = where.isFile ?? _isFile;
  const separator = name.includes("\\") && !name.includes("/") ? "\\" : "/";
  const parts = name.split(/[\\/]/);
  if (!/\.(?:py|pyw|pyx|pyi)$/i.test(parts.at(-1) ?? "")) return null;
  const cwd = where.cwd.replace(/[\\/]+$/, "");
  // The longest end of the path that is here wins: fewest guessed folders.
  for (let k = parts.length - 1; k >= 1; k--) {
    const tail = parts.slice(parts.length - k);
    if (tail.some((p) => p === "" || p === "." || p === "..")) continue;
    if (await isFile(`${cwd}/${tail.join("/")}`)) {
      const from = parts.slice(0, parts.length - k).join(separator);
      const rule = from === "" || (isRelativePath(name) && from === ".")
        ? "."
        : from;
      return `--map-path ${_shellWord(rule)}=${_shellWord(where.cwd)}`;
    }
  }
  return null;
}

async function _isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/** A word quoted for a POSIX shell when it needs to be. */
function _shellWord(word: string): string {
  return /^[\w@%+=:,./\\-]+$/.test(word)
    ? word
    : `'${word.replaceAll("'", `'"'"'`)}'`;
}

/** Compares two secrets in time that does not depend on where they differ. */
function _sameSecret(given: string, secret: string): boolean {
  if (secret === "" || given.length !== secret.length) return false;
  let diff = 0;
  for (let i = 0; i < secret.length; i++) {
    diff |= given.charCodeAt(i) ^ secret.charCodeAt(i);
  }
  return diff === 0;
}

/**
 * A new secret for a run: 32 random bytes as hex.
 *
 * @example
 * ```ts
 * import { newSecret } from "./source_routes.ts";
 * import { assertEquals, assertNotEquals } from "@std/assert";
 *
 * assertEquals(newSecret().length, 64);
 * assertNotEquals(newSecret(), newSecret());
 * ```
 *
 * @returns The secret.
 */
export function newSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** What the page learns from its HTML about sources and the editor. */
export interface PageMeta {
  /** The secret for `/api/open`, `""` in a report (no server). */
  readonly secret: string;
  /** Whether the server can open an editor (an editor or URL is set). */
  readonly canOpen: boolean;
  /** The `--editor-url` template, `null` when not given. */
  readonly editorUrl: string | null;
}

/**
 * The `<meta>` element that carries {@linkcode PageMeta} into the page's
 * HTML (the page's policy allows no inline script), its JSON escaped for
 * an attribute.
 *
 * @example
 * ```ts
 * import { pageMeta } from "./source_routes.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(
 *   pageMeta({ secret: "ab", canOpen: true, editorUrl: null }),
 *   '<meta name="explorer-source" content="{&quot;secret&quot;:&quot;ab&quot;,&quot;canOpen&quot;:true,&quot;editorUrl&quot;:null}">',
 * );
 * ```
 *
 * @param meta What to carry.
 * @returns The element's HTML.
 */
export function pageMeta(meta: PageMeta): string {
  const json = JSON.stringify(meta)
    .replaceAll("&", "&amp;")
    .replaceAll('"', "&quot;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;");
  return `<meta name="explorer-source" content="${json}">`;
}
