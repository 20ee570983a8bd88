/**
 * The lines the program writes on stderr besides its reports: a failure,
 * and the progress line of a long load.
 *
 * @module
 */

import { escapeControls } from "../lib/escape.ts";
import { NAME } from "./help.ts";

/** Shows a line of progress in place of the last one; `""` clears it. */
export type Progress = (line: string) => void;

/**
 * The progress line on stderr when it is a terminal; `undefined` when it is
 * not (a log gets no progress).
 */
export function progressLine(): Progress | undefined {
  return Deno.stderr.isTerminal()
    ? (line: string) => {
      Deno.stderr.writeSync(new TextEncoder().encode(`\r\x1b[K${line}`));
    }
    : undefined;
}

/** A number of bytes in megabytes, to one decimal: `12.3`. */
export function megabytes(n: number): string {
  return (n / 1e6).toFixed(1);
}

/**
 * Prints one line on stderr. Messages quote file names and file content:
 * control characters are shown escaped, never sent to the terminal.
 */
export function fail(message: string): void {
  console.error(`${NAME}: ${escapeControls(message)}`);
}
