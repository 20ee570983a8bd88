/**
 * Small texts about functions and files that several views show.
 *
 * @module
 */

import { escapeControls, shownText } from "../lib/escape.ts";
import { formatCount } from "../lib/format.ts";
import { functionLocation, type Profile } from "../lib/profile.ts";

/**
 * Profile text as the page shows it: control characters (C0, C1, DEL,
 * bidirectional overrides and isolates, lone surrogates) written visibly as
 * `\x1b`, `\u202e`, `\udcff`, so a name can neither reorder the text
 * around it nor hide how it differs from another. Elements that show it
 * are isolated too (`unicode-bidi: isolate` in the style sheet). A text
 * longer than any real path is cut (`shownText()`); the copy button copies
 * it whole.
 */
export function shown(text: string): string {
  return escapeControls(shownText(text));
}

/** Letters of right-to-left scripts (Hebrew, Arabic, Syriac, Thaana…). */
const _RTL =
  /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]|\ud802[\udc00-\udfff]|\ud83a[\udc00-\udfff]/;

/**
 * Profile text inside a plain string (a tooltip, the window title, an
 * announcement), where no element can isolate it: shown visibly (and cut as
 * {@linkcode shown} cuts it) and, when
 * it holds right-to-left letters, between FIRST STRONG ISOLATE and POP
 * DIRECTIONAL ISOLATE, so that it cannot reorder the text around it.
 */
export function isolated(text: string): string {
  const visible = escapeControls(shownText(text));
  return _RTL.test(visible) ? `\u2068${visible}\u2069` : visible;
}

/** `full/path.py:12`, what the copy button copies (exactly as stored). */
export function fullLocation(p: Profile, fn: number): string {
  return `${p.functions.file[fn]}:${p.functions.line[fn]}`;
}

/**
 * A function's full path, line and name, for titles (isolated, visible; a
 * path longer than any real one cut before it is joined to its line).
 */
export function fullLabel(p: Profile, fn: number): string {
  const { location, name } = functionLocation(p, fn);
  return location === ""
    ? isolated(name)
    : `${isolated(shownLocation(p, fn))} ${isolated(name)}`;
}

/**
 * {@linkcode fullLocation} for a title: a path longer than any real one
 * cut (`shownText()`) before it is joined to its line.
 */
export function shownLocation(p: Profile, fn: number): string {
  return `${shownText(p.functions.file[fn]!)}:${p.functions.line[fn]}`;
}

/** How many callers or callees a function has. */
export function edgeCount(
  p: Profile,
  fn: number,
  view: "callers" | "callees",
): number {
  const start = view === "callers" ? p.callerStart : p.calleeStart;
  return (start[fn + 1] ?? 0) - (start[fn] ?? 0);
}

/** An edge count for display, "…" while the edges are loading. */
export function countText(
  p: Profile,
  fn: number,
  view: "callers" | "callees",
  loading: boolean,
): string {
  return loading ? "…" : formatCount(edgeCount(p, fn, view));
}

/** The last part of a path. */
export function basename(path: string): string {
  return path.split(/[\\/]/).pop() || path;
}

/** Bytes as megabytes, `12.3 MB`. */
export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
