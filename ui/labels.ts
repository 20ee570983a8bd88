/**
 * Small texts about functions and files that several views show.
 *
 * @module
 */

import { formatCount } from "../lib/format.ts";
import { functionLocation, type Profile } from "../lib/profile.ts";

/** `full/path.py:12`, what the copy button copies. */
export function fullLocation(p: Profile, fn: number): string {
  return `${p.functions.file[fn]}:${p.functions.line[fn]}`;
}

/** A function's full path, line and name, for titles. */
export function fullLabel(p: Profile, fn: number): string {
  const { location, name } = functionLocation(p, fn);
  return location === "" ? name : `${fullLocation(p, fn)} ${name}`;
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
