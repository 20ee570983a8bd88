/**
 * Runs the editor command of `lib/editor.ts`: always a program with an
 * argument list (`Deno.Command`), never a shell, so nothing in a file name
 * is ever interpreted.
 *
 * - A **windowed editor** runs without the server's input and output; its
 *   error output goes to the server's, so its complaints appear in the
 *   terminal the server runs in (a pipe would break, and could kill it,
 *   once the server is closed). The launcher waits a moment (`waitMs`,
 *   1.5 s): an editor that fails in that time (a launcher that cannot reach
 *   its application, a bad option) is reported with its exit code; one
 *   that exits successfully (`code` hands the file to its window and
 *   returns) or is still running has opened the file.
 * - A **terminal editor** (Vim, nano, …) needs a terminal. When the server
 *   runs in one (its input and output are a terminal), the editor runs
 *   there, taking the terminal over until it is closed, as Vite's
 *   launch-editor does: that is the terminal the user started the
 *   explorer from, next to the browser. One at a time: while it is open a
 *   second request is refused, rather than two editors fighting over one
 *   terminal. Without a terminal (started by a service, in a container,
 *   with output to a file) it is refused with what to do instead: a
 *   windowed editor, or `--editor-url`. Opening a new terminal window is
 *   not attempted: how to do that differs by desktop and is easy to get
 *   wrong.
 * - A program that does not exist is reported as not found, naming it.
 *
 * @module
 */

import type { EditorLaunch } from "./editor.ts";

/** What came of an attempt to open the editor. */
export interface LaunchOutcome {
  /** Whether the editor was started (and did not fail at once). */
  readonly ok: boolean;
  /** One or two sentences for the page. */
  readonly message: string;
}

/** Options for an {@linkcode EditorLauncher}. */
export interface EditorLauncherOptions {
  /** Whether the server runs in a terminal a terminal editor may take over. */
  readonly hasTerminal: boolean;
  /** How long to wait for a windowed editor to fail, in ms (1,500). */
  readonly waitMs?: number;
}

/**
 * Starts editors for the server, remembering a terminal editor while it is
 * open.
 *
 * @example
 * ```ts
 * import { EditorLauncher } from "./editor_launch.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const launcher = new EditorLauncher({ hasTerminal: false });
 * const outcome = await launcher.launch({
 *   argv: ["vim", "+3", "/tmp/x.py"],
 *   name: "vim",
 *   terminal: true,
 *   withLine: true,
 * });
 * assertEquals(outcome.ok, false);
 * ```
 */
export class EditorLauncher {
  #options: EditorLauncherOptions;
  #terminalEditor: string | null = null;

  /** Makes a launcher. */
  constructor(options: EditorLauncherOptions) {
    this.#options = options;
  }

  /**
   * Starts the editor, and says how it went.
   *
   * @param launch The command, from `editorCommand()`.
   * @returns Whether it started, and the message for the page.
   */
  async launch(launch: EditorLaunch): Promise<LaunchOutcome> {
    const [program, ...args] = launch.argv;
    if (program === undefined || program === "") {
      return { ok: false, message: "No editor command is set" };
    }
    const where = launch.withLine
      ? ""
      : ` (without the line: ${launch.name}'s way of taking a line is not known; set --editor with {file} and {line})`;
    if (launch.terminal) {
      if (!this.#options.hasTerminal) {
        return {
          ok: false,
          message:
            `${launch.name} runs in a terminal, and the server has none: set --editor to a windowed editor (such as code or gvim), or use --editor-url`,
        };
      }
      if (this.#terminalEditor !== null) {
        return {
          ok: false,
          message:
            `${this.#terminalEditor} is still open in the server's terminal: close it first`,
        };
      }
      const child = _spawn(program, args, "inherit");
      if (!(child instanceof Deno.ChildProcess)) return child;
      this.#terminalEditor = launch.name;
      child.status.finally(() => {
        this.#terminalEditor = null;
      });
      return {
        ok: true,
        message: `Opened in ${launch.name} in the server's terminal${where}`,
      };
    }
    const child = _spawn(program, args, "null");
    if (!(child instanceof Deno.ChildProcess)) return child;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const waited = await Promise.race([
      child.status,
      new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), this.#options.waitMs ?? 1500);
      }),
    ]);
    clearTimeout(timer);
    if (waited === null) {
      // Still running: it opened, and is left to run on its own.
      child.unref();
      return { ok: true, message: `Opened in ${launch.name}${where}` };
    }
    if (waited.success) {
      return { ok: true, message: `Opened in ${launch.name}${where}` };
    }
    return {
      ok: false,
      message: `${launch.name} failed (exit code ${waited.code}${
        waited.signal === null ? "" : `, ${waited.signal}`
      }): its messages are in the server's terminal`,
    };
  }
}

/**
 * Starts the editor with its input and output `inherit`ed (the server's
 * terminal) or at `null`, or says why it could not. Its complaints go where
 * the server's own go either way: a pipe would break (and could kill it) once
 * the server is closed.
 */
function _spawn(
  program: string,
  args: string[],
  stdio: "inherit" | "null",
): Deno.ChildProcess | LaunchOutcome {
  try {
    return new Deno.Command(program, {
      args,
      stdin: stdio,
      stdout: stdio,
      stderr: "inherit",
    }).spawn();
  } catch (error) {
    return { ok: false, message: _spawnError(program, error) };
  }
}

function _spawnError(program: string, error: unknown): string {
  if (error instanceof Deno.errors.NotFound) {
    return `The editor ${
      JSON.stringify(program)
    } was not found: install it, or set --editor or $EDITOR to one that is`;
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return `The editor ${
      JSON.stringify(program)
    } cannot be run: permission denied`;
  }
  return `The editor ${JSON.stringify(program)} could not be started: ${
    error instanceof Error ? error.message : String(error)
  }`;
}
