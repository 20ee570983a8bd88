/// <reference lib="dom" />
/**
 * Where the source view gets files from, and how it opens the editor: the
 * server's `/api/source` and `POST /api/open` (with the run's secret, which
 * the server writes into the page's HTML as `<meta name="explorer-source">`),
 * or in an HTML report the sources embedded with `--html-source`.
 *
 * @module
 */

import { expandEditorUrl } from "../lib/editor.ts";
import { EMBEDDED_SOURCE_TYPE } from "../lib/html_report.ts";

/** A source file as the server (or a report) gives it. */
export interface SourceFile {
  /** The file as the profile names it. */
  readonly name: string;
  /** Its path on the machine that read it. */
  readonly path: string;
  /** Its lines. */
  readonly lines: string[];
  /** How many byte sequences did not decode (shown as U+FFFD). */
  readonly undecodable: number;
  /** The encoding it was decoded with. */
  readonly encoding: string;
  /** Whether it was modified after the profile was made. */
  readonly changed: boolean;
}

/** Why a file is not shown. */
export interface SourceProblem {
  /** The sentence to show. */
  readonly error: string;
  /** The `--map-path` rule to type, when one is known. */
  readonly suggestion?: string;
}

/** What the page's HTML says about sources and the editor. */
interface _Meta {
  secret: string;
  canOpen: boolean;
  editorUrl: string | null;
}

function _meta(): _Meta | null {
  const element = document.querySelector<HTMLMetaElement>(
    'meta[name="explorer-source"]',
  );
  if (element === null) return null;
  try {
    const meta = JSON.parse(element.content) as _Meta;
    return typeof meta.secret === "string" ? meta : null;
  } catch {
    return null;
  }
}

function _embedded(name: string): SourceFile | SourceProblem | null {
  for (const element of document.querySelectorAll("script")) {
    if (element.getAttribute("type") !== EMBEDDED_SOURCE_TYPE) continue;
    try {
      const files = JSON.parse(element.textContent ?? "[]") as (
        | SourceFile
        | (SourceProblem & { name: string })
      )[];
      const file = files.find((f) => f.name === name);
      if (file !== undefined) return file;
    } catch {
      return { error: "The report's embedded sources are damaged" };
    }
  }
  return null;
}

/** Whether the page runs from a report (no server). */
function _isReport(): boolean {
  return location.protocol === "file:" ||
    document.querySelector(
            'script[type^="application/x-profiling-explorer"]',
          ) !==
          null && _meta() === null;
}

/** Loads a file the profile names. */
export async function loadSourceFile(
  name: string,
): Promise<SourceFile | SourceProblem> {
  const embedded = _embedded(name);
  if (embedded !== null) return embedded;
  if (_isReport()) {
    return {
      error:
        "This report carries no source of this file: make the report with --html-source to embed the sources",
    };
  }
  let response: Response;
  try {
    response = await fetch(
      `/api/source?${new URLSearchParams({ file: name })}`,
    );
  } catch (error) {
    return { error: `The server did not answer: ${(error as Error).message}` };
  }
  const body = await response.json().catch(() => null) as
    | (SourceFile & SourceProblem)
    | null;
  if (body === null) return { error: `The server answered ${response.status}` };
  if (!response.ok) {
    return {
      error: body.error ?? `The server answered ${response.status}`,
      ...(body.suggestion === undefined ? {} : { suggestion: body.suggestion }),
    };
  }
  return body;
}

/** Whether opening an editor is possible from this page. */
export function canOpenEditor(): boolean {
  const meta = _meta();
  return meta !== null ? meta.canOpen : _reportEditorUrl() !== null;
}

function _reportEditorUrl(): string | null {
  for (const element of document.querySelectorAll("script")) {
    if (element.getAttribute("type") !== EMBEDDED_SOURCE_TYPE) continue;
    const url = element.getAttribute("data-editor-url");
    if (url !== null) return url;
  }
  return null;
}

/**
 * Opens a file at a line in the editor: asks the server (which starts the
 * editor, or gives the `--editor-url` to follow), or in a report follows
 * the report's editor URL. Resolves with the sentence to show.
 */
export async function openInEditor(
  name: string,
  line: number,
  path?: string,
): Promise<string> {
  const meta = _meta();
  if (meta === null) {
    const template = _reportEditorUrl();
    const embedded = _embedded(name);
    const where = path ??
      (embedded !== null && "path" in embedded ? embedded.path : undefined);
    if (template === null || where === undefined) {
      return "Opening an editor needs the explorer's server, or a report made with --editor-url and --html-source";
    }
    location.href = expandEditorUrl(template, where, line);
    return `Opening ${where}:${line}`;
  }
  if (!meta.canOpen) {
    return "No editor is set: start the explorer with --editor (such as code or pycharm) or --editor-url, or set $EDITOR";
  }
  let response: Response;
  try {
    response = await fetch("/api/open", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-explorer-secret": meta.secret,
      },
      body: JSON.stringify({ file: name, line }),
    });
  } catch (error) {
    return `The server did not answer: ${(error as Error).message}`;
  }
  const body = await response.json().catch(() => null) as
    | { ok?: boolean; message?: string; url?: string; error?: string }
    | null;
  if (body === null) return `The server answered ${response.status}`;
  if (typeof body.url === "string") {
    location.href = body.url;
    return `Opening ${name}:${line}`;
  }
  return body.message ?? body.error ?? `The server answered ${response.status}`;
}

/** A Python file the profile names, and whether it is found here. */
export interface ListedSource {
  /** The file as the profile names it. */
  readonly name: string;
  /** Whether it is found (and may be shown). */
  readonly found: boolean;
  /** Why not. */
  readonly error?: string;
}

/**
 * The Python files the profile names, found or not, and the `--map-path`
 * rule to type when one is known: from the server, or what a report
 * carries. `null` when neither can say.
 */
export async function loadSourceList(): Promise<
  { files: ListedSource[]; suggestion?: string } | null
> {
  for (const element of document.querySelectorAll("script")) {
    if (element.getAttribute("type") !== EMBEDDED_SOURCE_TYPE) continue;
    try {
      const files = JSON.parse(element.textContent ?? "[]") as {
        name: string;
        error?: string;
      }[];
      return {
        files: files.map((f) =>
          f.error === undefined
            ? { name: f.name, found: true }
            : { name: f.name, found: false, error: f.error }
        ),
      };
    } catch {
      return null;
    }
  }
  if (_isReport()) return null;
  try {
    const response = await fetch("/api/sources");
    if (!response.ok) return null;
    return await response.json();
  } catch {
    return null;
  }
}
