/**
 * Which editor opens `file:line`, and the arguments that make it go to the
 * line. Pure: it builds argument lists, and `lib/editor_launch.ts` runs
 * them (always as a program with arguments, never through a shell).
 *
 * The editor is the first of: `--editor`, `PROFILING_EXPLORER_EDITOR`,
 * `VISUAL`, `EDITOR`. Its value is a command with arguments (`code -w`,
 * `"/Applications/Sublime Text.app/…/subl"`), split like a POSIX shell
 * splits words (quotes and backslashes; no variables, globs or
 * operators). Editors are known by the command's base name:
 *
 * | Editors                                          | Arguments added        |
 * | ------------------------------------------------ | ---------------------- |
 * | VS Code, VSCodium, Cursor, Windsurf (`code`, …)  | `--goto FILE:LINE`     |
 * | PyCharm and other JetBrains IDEs (`pycharm`, …)  | `--line LINE FILE`     |
 * | Sublime Text (`subl`), Zed (`zed`), Helix (`hx`) | `FILE:LINE`            |
 * | Vim, Neovim, gVim, nano, micro, Kakoune, gedit…  | `+LINE FILE`           |
 * | Emacs (`emacs`)                                  | `+LINE FILE`           |
 * | `emacsclient`                                    | `-n +LINE FILE`        |
 * | TextMate (`mate`), `rmate`                       | `-l LINE FILE`, `--line LINE FILE` |
 * | Kate                                             | `--line LINE FILE`     |
 * | Notepad++                                        | `-nLINE FILE`          |
 *
 * A command that holds `{file}` or `{line}` gets them filled in and
 * nothing added (`--editor 'myedit --at {line} {file}'`), for any other
 * editor; an unknown editor without them gets the file only (a guessed
 * line syntax could open a wrong file).
 *
 * Editors that run in a terminal (Vim, Neovim, nano, micro, Helix, Kakoune,
 * `emacs -nw`, `emacsclient -t`, and `emacs` where there is no display)
 * are marked `terminal`: the launcher runs them in the terminal the server
 * was started from, or refuses when it has none (see
 * `lib/editor_launch.ts`).
 *
 * `--editor-url` is the other way: the page follows a URL such as
 * `vscode://file/{path}:{line}`, expanded by {@linkcode expandEditorUrl}.
 *
 * @module
 */

/** Where the editor command came from. */
export type EditorSource =
  | "--editor"
  | "PROFILING_EXPLORER_EDITOR"
  | "VISUAL"
  | "EDITOR";

/** The chosen editor command. */
export interface EditorChoice {
  /** The program and its own arguments, split. */
  readonly command: readonly string[];
  /** Where it came from. */
  readonly from: EditorSource;
}

/** A command to run to open a file at a line. */
export interface EditorLaunch {
  /** The program and every argument. */
  readonly argv: readonly string[];
  /** The editor's base name, for messages (`code`, `vim`). */
  readonly name: string;
  /** Whether it needs a terminal. */
  readonly terminal: boolean;
  /** Whether the line is passed; `false` for an editor whose syntax is unknown. */
  readonly withLine: boolean;
}

/**
 * Splits a command into words as a POSIX shell does, without expanding
 * anything: whitespace separates words; `'…'` keeps everything; `"…"`
 * keeps everything but `\"`, `\\`, `` \` `` and `\$`; a backslash outside
 * quotes keeps the next character.
 *
 * @example
 * ```ts
 * import { splitCommand } from "./editor.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(splitCommand("code -w"), ["code", "-w"]);
 * assertEquals(
 *   splitCommand(`"/opt/Sublime Text/subl" --wait 'a b' c\\ d $HOME`),
 *   ["/opt/Sublime Text/subl", "--wait", "a b", "c d", "$HOME"],
 * );
 * ```
 *
 * @param text The command.
 * @returns The words.
 * @throws {SyntaxError} When a quote is not closed.
 */
export function splitCommand(text: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new SyntaxError(`Unclosed ' in command: ${text}`);
      word += text.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      inWord = true;
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === "\\" && '"\\`$'.includes(text[j + 1] ?? "x")) j++;
        word += text[j];
      }
      if (j >= text.length) {
        throw new SyntaxError(`Unclosed " in command: ${text}`);
      }
      i = j;
    } else if (c === "\\") {
      if (i + 1 < text.length) word += text[++i];
      inWord = true;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/**
 * Chooses the editor: `--editor`, then the environment variables
 * `PROFILING_EXPLORER_EDITOR`, `VISUAL` and `EDITOR`, the first that is
 * set and not blank.
 *
 * @example
 * ```ts
 * import { chooseEditor } from "./editor.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const env = { VISUAL: "code -w", EDITOR: "vim" };
 * assertEquals(chooseEditor(undefined, (name) => env[name as keyof typeof env]), {
 *   command: ["code", "-w"],
 *   from: "VISUAL",
 * });
 * assertEquals(chooseEditor("zed", () => undefined)?.from, "--editor");
 * assertEquals(chooseEditor(undefined, () => undefined), null);
 * ```
 *
 * @param flag The `--editor` value, if given.
 * @param env Reads an environment variable.
 * @returns The choice, or `null` when none is set.
 * @throws {SyntaxError} When the chosen value has an unclosed quote.
 */
export function chooseEditor(
  flag: string | undefined,
  env: (name: string) => string | undefined,
): EditorChoice | null {
  const candidates: [EditorSource, string | undefined][] = [
    ["--editor", flag],
    ["PROFILING_EXPLORER_EDITOR", env("PROFILING_EXPLORER_EDITOR")],
    ["VISUAL", env("VISUAL")],
    ["EDITOR", env("EDITOR")],
  ];
  for (const [from, value] of candidates) {
    if (value === undefined || value.trim() === "") continue;
    const command = splitCommand(value);
    if (command.length > 0) return { command, from };
  }
  return null;
}

const _VSCODE = new Set([
  "code",
  "code-insiders",
  "code-oss",
  "codium",
  "codium-insiders",
  "vscodium",
  "cursor",
  "windsurf",
]);
const _JETBRAINS =
  /^(?:idea|pycharm|charm|webstorm|phpstorm|clion|goland|rider|rubymine|rustrover|datagrip|dataspell|appcode|studio|aqua)(?:64)?$/;
const _FILE_COLON_LINE = new Set([
  "subl",
  "sublime",
  "sublime_text",
  "zed",
  "zeditor",
  "zedit",
  "hx",
  "helix",
]);
/** The vi family and the small editors: they take `+LINE FILE` and run in a terminal. */
const _VI_LIKE = ["vi", "vim", "nvim", "nvi", "elvis"];
const _SMALL_TERMINAL = [
  "nano",
  "pico",
  "micro",
  "kak",
  "joe",
  "jed",
  "ne",
  "mcedit",
];
const _PLUS_LINE = new Set([
  ..._VI_LIKE,
  "gvim",
  "mvim",
  "nvim-qt",
  ..._SMALL_TERMINAL,
  "gedit",
  "gnome-text-editor",
  "xed",
  "pluma",
  "mousepad",
  "geany",
  "emacs",
]);
const _TERMINAL = new Set([..._VI_LIKE, ..._SMALL_TERMINAL, "hx", "helix"]);

/**
 * An editor's base name: the last path segment, lowercased, without
 * `.exe`, `.cmd`, `.bat` or `.sh`.
 *
 * @example
 * ```ts
 * import { editorName } from "./editor.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(editorName("C:\\Program Files\\Microsoft VS Code\\bin\\Code.cmd"), "code");
 * assertEquals(editorName("/usr/local/bin/nvim"), "nvim");
 * ```
 *
 * @param program The program as given.
 * @returns Its base name.
 */
export function editorName(program: string): string {
  const base = program.split(/[\\/]/).pop() ?? program;
  return base.toLowerCase().replace(/\.(?:exe|cmd|bat|sh)$/, "");
}

/** Facts about where the editor runs. */
export interface EditorPlace {
  /**
   * Whether a windowed program can open a window here: on Linux and the
   * BSDs, when `DISPLAY` or `WAYLAND_DISPLAY` is set. Defaults to `true`.
   */
  readonly hasDisplay?: boolean;
}

/**
 * The command that opens `file` at `line` in an editor (see the module
 * documentation for each editor's arguments).
 *
 * @example
 * ```ts
 * import { editorCommand } from "./editor.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(editorCommand(["code", "-r"], "/a/x.py", 12).argv, [
 *   "code", "-r", "--goto", "/a/x.py:12",
 * ]);
 * assertEquals(editorCommand(["pycharm"], "/a/x.py", 12).argv, [
 *   "pycharm", "--line", "12", "/a/x.py",
 * ]);
 * const vim = editorCommand(["nvim"], "/a/x.py", 12);
 * assertEquals([vim.argv, vim.terminal], [["nvim", "+12", "/a/x.py"], true]);
 * assertEquals(
 *   editorCommand(["ed", "--at={line}", "{file}"], "/a/x.py", 3).argv,
 *   ["ed", "--at=3", "/a/x.py"],
 * );
 * ```
 *
 * @param command The editor command, split (from {@linkcode chooseEditor}).
 * @param file The file's path here.
 * @param line The line (1-based); a value below 1 is taken as 1.
 * @param place Whether there is a display.
 * @returns The command to run.
 */
export function editorCommand(
  command: readonly string[],
  file: string,
  line: number,
  place: EditorPlace = {},
): EditorLaunch {
  const program = command[0] ?? "";
  const name = editorName(program);
  const l = String(Math.max(1, Math.trunc(line) || 1));
  const own = command.slice(1);
  if (command.some((arg) => arg.includes("{file}") || arg.includes("{line}"))) {
    return {
      argv: command.map((arg) =>
        arg.replaceAll("{file}", file).replaceAll("{line}", l)
      ),
      name,
      terminal: false,
      withLine: command.some((arg) => arg.includes("{line}")),
    };
  }
  const launch = (args: string[], terminal = false): EditorLaunch => ({
    argv: [program, ...own, ...args],
    name,
    terminal,
    withLine: true,
  });
  if (_VSCODE.has(name)) return launch(["--goto", `${file}:${l}`]);
  if (_JETBRAINS.test(name)) return launch(["--line", l, file]);
  if (_FILE_COLON_LINE.has(name)) {
    return launch([`${file}:${l}`], _TERMINAL.has(name));
  }
  if (name === "emacsclient") {
    const tty = own.some((a) => ["-t", "-nw", "--tty"].includes(a));
    const noWait = tty || own.some((a) => a === "-n" || a === "--no-wait");
    return launch([...(noWait ? [] : ["-n"]), `+${l}`, file], tty);
  }
  if (name === "emacs") {
    const tty = own.some((a) =>
      ["-nw", "-t", "--no-window-system", "--tty"].includes(a)
    );
    return launch([`+${l}`, file], tty || place.hasDisplay === false);
  }
  if (_PLUS_LINE.has(name)) return launch([`+${l}`, file], _TERMINAL.has(name));
  if (name === "mate") return launch(["-l", l, file]);
  if (name === "rmate" || name === "kate" || name === "kwrite") {
    return launch(["--line", l, file]);
  }
  if (name === "notepad++") return launch([`-n${l}`, file]);
  return { ...launch([file]), withLine: false };
}

const _FORBIDDEN_SCHEMES = new Set(["javascript", "data", "vbscript", "blob"]);

/**
 * Checks an `--editor-url` template: it starts with a URL scheme (not
 * `javascript:`, `data:`, `vbscript:` or `blob:`), holds `{path}`, and no
 * placeholder but `{path}`, `{line}` and `{column}`.
 *
 * @example
 * ```ts
 * import { checkEditorUrl } from "./editor.ts";
 * import { assertThrows } from "@std/assert";
 *
 * checkEditorUrl("vscode://file/{path}:{line}");
 * assertThrows(() => checkEditorUrl("javascript:alert({path})"), SyntaxError);
 * assertThrows(() => checkEditorUrl("vscode://file/{file}"), SyntaxError);
 * ```
 *
 * @param template The template.
 * @throws {SyntaxError} Saying what is wrong with it.
 */
export function checkEditorUrl(template: string): void {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(template);
  if (scheme === null) {
    throw new SyntaxError(
      `Invalid editor URL "${template}": it must start with a scheme, such as vscode://file/{path}:{line}`,
    );
  }
  if (_FORBIDDEN_SCHEMES.has(scheme[1]!.toLowerCase())) {
    throw new SyntaxError(
      `Invalid editor URL "${template}": ${scheme[1]}: URLs are not followed`,
    );
  }
  for (const [placeholder] of template.matchAll(/\{[^}]*\}/g)) {
    if (!["{path}", "{line}", "{column}"].includes(placeholder)) {
      throw new SyntaxError(
        `Invalid editor URL "${template}": unknown placeholder ${placeholder} (use {path}, {line}, {column})`,
      );
    }
  }
  if (!template.includes("{path}")) {
    throw new SyntaxError(
      `Invalid editor URL "${template}": it must hold {path}`,
    );
  }
}

/**
 * Expands an `--editor-url` template: `{path}` becomes the path with `/`
 * separators (a Windows path's `\` too), each segment URL-encoded and a
 * drive letter kept (`C:`); a `/` written before `{path}` is not doubled by
 * the path's own; `{line}` the line and `{column}` 1.
 *
 * @example
 * ```ts
 * import { expandEditorUrl } from "./editor.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(
 *   expandEditorUrl("vscode://file/{path}:{line}", "/home/me/a b/x#1.py", 7),
 *   "vscode://file/home/me/a%20b/x%231.py:7",
 * );
 * assertEquals(
 *   expandEditorUrl("vscode://file/{path}:{line}", "C:\\src\\app.py", 7),
 *   "vscode://file/C:/src/app.py:7",
 * );
 * assertEquals(
 *   expandEditorUrl("pycharm://open?file={path}&line={line}", "/a/x&y.py", 2),
 *   "pycharm://open?file=/a/x%26y.py&line=2",
 * );
 * ```
 *
 * @param template The template (see {@linkcode checkEditorUrl}).
 * @param path The file's path.
 * @param line The line.
 * @returns The URL.
 */
export function expandEditorUrl(
  template: string,
  path: string,
  line: number,
): string {
  const segments = path.replaceAll("\\", "/").split("/");
  const encoded = segments.map((segment, i) =>
    i === 0 && /^[A-Za-z]:$/.test(segment)
      ? segment
      : encodeURIComponent(segment)
  ).join("/");
  const l = String(Math.max(1, Math.trunc(line) || 1));
  return template.replace(/(\/?)\{(path|line|column)\}/g, (_, slash, name) => {
    if (name === "line") return slash + l;
    if (name === "column") return slash + "1";
    return slash === "/" && encoded.startsWith("/") ? encoded : slash + encoded;
  });
}
