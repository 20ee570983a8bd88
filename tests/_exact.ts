/**
 * Profile columns in a form `assertEquals` compares exactly: every number
 * as its bits, so that -0 and 0, or two NaNs, are told apart.
 *
 * @module
 */
import type { EdgeColumns } from "../lib/profile.ts";

/** Every number as its exact bits, joined. */
export function exactBits(values: ArrayLike<number>): string {
  const floats = Float64Array.from(values);
  return Array.from(new BigUint64Array(floats.buffer), (b) => b.toString(16))
    .join(",");
}

/** The six edge columns, each as {@linkcode exactBits}. */
export function exactEdges(e: EdgeColumns): string[] {
  return [
    e.caller,
    e.callee,
    e.calls,
    e.primitiveCalls,
    e.internalTime,
    e.cumulativeTime,
  ].map(exactBits);
}
