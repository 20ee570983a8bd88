/**
 * Makes text from a profile safe to print on a terminal: control characters
 * that a terminal would act on (clear the screen, retitle the window, move
 * the cursor, reorder text) are shown as escapes instead, and long quoted
 * content is cut.
 *
 * @module
 */

/**
 * C0 and C1 controls, DEL, the bidirectional formatting characters, the
 * line and paragraph separators, and lone surrogates (which a terminal
 * would get as U+FFFD, hiding how two names differ).
 */
const _UNSAFE =
  // deno-lint-ignore no-control-regex
  /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const _SHORT: Record<string, string> = {
  "\t": "\\t",
  "\n": "\\n",
  "\r": "\\r",
};

/**
 * Shows every character a terminal would act on as a visible escape, in
 * Python's style: `\x1b` for ESC, `\n` for a newline, `\u202e` for the
 * right-to-left override, `\udcff` for a lone surrogate. Everything else,
 * backslashes included, is left as it is (Windows paths stay readable).
 *
 * @example
 * ```ts
 * import { escapeControls } from "./escape.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(escapeControls("a\x1b[2Jb"), "a\\x1b[2Jb");
 * assertEquals(escapeControls("evil\u202eyp.txt"), "evil\\u202eyp.txt");
 * assertEquals(escapeControls("C:\\app\\main.py"), "C:\\app\\main.py");
 * ```
 *
 * @param text Any text.
 * @returns The text with controls escaped.
 */
export function escapeControls(text: string): string {
  return text.replace(_UNSAFE, (char) => {
    const short = _SHORT[char];
    if (short !== undefined) return short;
    const code = char.charCodeAt(0);
    return code < 0x100
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/**
 * Like {@linkcode escapeControls} for text of several lines, such as a
 * report: line ends (`\n`, `\r\n`) are kept, every other control is
 * escaped.
 *
 * @example
 * ```ts
 * import { escapeTerminalText } from "./escape.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(escapeTerminalText("a\x1b[2J\r\nb\rc\n"), "a\\x1b[2J\r\nb\\rc\n");
 * ```
 *
 * @param text Lines of text.
 * @returns The text with controls other than line ends escaped.
 */
export function escapeTerminalText(text: string): string {
  return text.replace(_UNSAFE, (char, offset: number) => {
    if (char === "\n") return char;
    if (char === "\r" && text.charCodeAt(offset + 1) === 10) return char;
    return escapeControls(char);
  });
}

/**
 * Whether text holds any character that {@linkcode escapeControls} would
 * escape.
 *
 * @example
 * ```ts
 * import { hasControls } from "./escape.ts";
 * import { assert, assertFalse } from "@std/assert";
 *
 * assert(hasControls("a\u202eb"));
 * assertFalse(hasControls("app.py"));
 * ```
 *
 * @param text Any text.
 * @returns Whether it holds a control character.
 */
export function hasControls(text: string): boolean {
  _UNSAFE.lastIndex = 0;
  const found = _UNSAFE.test(text);
  _UNSAFE.lastIndex = 0;
  return found;
}

/**
 * Cuts text to at most `max` characters, ending it with `…` when cut, for
 * quoting file content in messages. A surrogate pair is never split.
 *
 * @example
 * ```ts
 * import { cutText } from "./escape.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(cutText("abcdef", 4), "abc…");
 * assertEquals(cutText("abc", 4), "abc");
 * ```
 *
 * @param text Any text.
 * @param max The most characters to keep, `…` included.
 * @returns The text, cut if needed.
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return text.slice(0, end) + "…";
}

/**
 * The most characters of a file or function name that outputs repeat: 4,096,
 * Linux's `PATH_MAX`, more than any real path or name holds. A longer text
 * (only a crafted file has one) is shown cut.
 */
export const MAX_SHOWN_TEXT = 4096;

/**
 * A file or function name as outputs show it: as it is, or, when longer
 * than {@linkcode MAX_SHOWN_TEXT} characters, cut to that many, the last
 * being `…`. One file name can be shared by thousands of functions (a pstats
 * file stores it once and refers back to it), so an output that repeats it
 * per function would otherwise grow by its length each time.
 *
 * @example
 * ```ts
 * import { MAX_SHOWN_TEXT, shownText } from "./escape.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(shownText("/srv/app.py"), "/srv/app.py");
 * const long = "/srv/" + "x".repeat(1 << 20) + ".py";
 * assertEquals(shownText(long).length, MAX_SHOWN_TEXT);
 * assertEquals(shownText(long).endsWith("x…"), true);
 * ```
 *
 * @param text A file or name.
 * @returns The text, cut if longer than {@linkcode MAX_SHOWN_TEXT}.
 */
export function shownText(text: string): string {
  return text.length <= MAX_SHOWN_TEXT ? text : cutText(text, MAX_SHOWN_TEXT);
}

/**
 * JSON text with the characters a terminal would act on that
 * `JSON.stringify` leaves raw (DEL, C1 controls, bidirectional formatting,
 * line separators) escaped as `\uXXXX`: the same JSON value, safe to print.
 *
 * @example
 * ```ts
 * import { safeJson } from "./escape.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const text = safeJson("a\u202eb\x9b");
 * assertEquals(text, '"a\\u202eb\\u009b"');
 * assertEquals(JSON.parse(text), "a\u202eb\x9b");
 * ```
 *
 * @param value A string or any JSON value.
 * @returns Its JSON text.
 */
export function safeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
