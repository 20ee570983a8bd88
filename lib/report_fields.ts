/**
 * The small pieces the JSON and CSV report writers share (functions, groups
 * and comparisons alike), so every report writes a number or a text field
 * the same way.
 *
 * @module
 */

/**
 * A number as JSON: JSON has no NaN or Infinity, so such numbers become
 * `null`.
 *
 * @example
 * ```ts
 * import { jsonNumber } from "./report_fields.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(jsonNumber(0.25), "0.25");
 * assertEquals(jsonNumber(NaN), "null");
 * assertEquals(jsonNumber(-Infinity), "null");
 * ```
 *
 * @param n The number.
 * @returns Its JSON text.
 */
export function jsonNumber(n: number): string {
  return Number.isFinite(n) ? String(n) : "null";
}

/**
 * A CSV field (RFC 4180): quoted, with its quotes doubled, when it holds a
 * quote, a comma or a line break; as it is otherwise.
 *
 * @example
 * ```ts
 * import { csvField } from "./report_fields.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(csvField("fib"), "fib");
 * assertEquals(csvField('say "hi", twice'), '"say ""hi"", twice"');
 * ```
 *
 * @param text The field's text.
 * @returns The text as it stands in a CSV line.
 */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
