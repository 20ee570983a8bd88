/**
 * The first look at a file: refuses at once what is certainly not a pstats
 * file (empty, compiled Python, text, or a marshalled value that is not a
 * dict), before the rest is read.
 *
 * @module
 */

import { DataSyntaxError } from "../data_error.ts";

const _UTF8 = new TextDecoder("utf-8");
const _DICT = 0x7b; // '{'

/**
 * Checks the first bytes of a file (64 are enough) before the rest is
 * read: a file that is empty, compiled Python, text or any marshalled value
 * but a dict is refused at once, with the message `readPstats()` would
 * give, so that a huge file of another kind is never read whole.
 *
 * @example
 * ```ts
 * import { checkPstatsHead } from "./head.ts";
 * import { assertThrows } from "@std/assert";
 *
 * checkPstatsHead(Uint8Array.of(0xfb, 0x30)); // '{' and the end of a dict
 * assertThrows(
 *   () => checkPstatsHead(new Uint8Array(64)),
 *   SyntaxError,
 *   "Not a pstats file",
 * );
 * ```
 *
 * @param bytes The file's first bytes, or all of them if it is shorter.
 * @throws {SyntaxError} When the file is certainly not a pstats file.
 */
export function checkPstatsHead(bytes: Uint8Array): void {
  if (bytes.length === 0) {
    throw new DataSyntaxError("Not a pstats file: it is empty");
  }
  // .pyc: a 2-byte magic number followed by "\r\n".
  if (bytes.length >= 16 && bytes[2] === 0x0d && bytes[3] === 0x0a) {
    throw new DataSyntaxError(
      "Not a pstats file: it looks like compiled Python bytecode (.pyc)",
    );
  }
  if ((bytes[0]! & 0x7f) !== _DICT) {
    const head = _UTF8.decode(bytes.subarray(0, 64));
    const printable = /^[\t\n\r\x20-\x7e\u00a0-\uffff]*$/.test(head);
    throw new DataSyntaxError(
      printable
        ? "Not a pstats file: it is text, not marshalled data"
        : `Not a pstats file: it holds ${
          describeTypeCode(bytes[0]!)
        } at byte 0, not a dict of functions`,
    );
  }
}

/**
 * Names the kind of value a marshal type code stands for, for messages.
 *
 * @example
 * ```ts
 * import { describeTypeCode } from "./head.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(describeTypeCode(0x29), "a tuple");
 * assertEquals(describeTypeCode(0xe9), "an int"); // with FLAG_REF
 * ```
 *
 * @param code The type code, with or without FLAG_REF.
 * @returns Its kind, as "a tuple" or "marshalled data with type code 0x…".
 */
export function describeTypeCode(code: number): string {
  const names: Record<number, string> = {
    0x28: "a tuple",
    0x29: "a tuple",
    0x5b: "a list",
    0x3c: "a set",
    0x3e: "a frozenset",
    0x69: "an int",
    0x6c: "an int",
    0x67: "a float",
    0x73: "bytes",
    0x75: "a string",
    0x61: "a string",
    0x7a: "a string",
    0x63: "a code object",
    0x7d: "a frozendict",
    0x4e: "None",
  };
  return names[code & 0x7f] ??
    `marshalled data with type code 0x${code.toString(16).padStart(2, "0")}`;
}
