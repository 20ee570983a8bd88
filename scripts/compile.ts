/**
 * Compiles the program into one self-contained executable with
 * `deno compile`. The web page is already inside it: `lib/server.ts` imports
 * `ui/bundle.gen.ts`, which `deno task build` writes (the `compile` task
 * depends on `build`).
 *
 * The executable gets only the permissions the program needs: read files (the
 * profiles named on the command line), the network (to listen on `--host` and
 * `--port`), and to run the one program that opens a web browser on its
 * system (`xdg-open`, `open` or `cmd`). It never prompts, and it is compiled
 * with `--quiet`, so a missing browser opener (in a container, say) does not
 * print a line from Deno at every start.
 *
 * `deno compile` downloads the Deno runtime (`denort`) for each target the
 * first time, so it needs network access once per target and Deno version;
 * `DENORT_BIN` may name a local runtime instead.
 *
 * Usage:
 *
 *     deno task compile                 # this machine → dist/profiling-explorer
 *     deno task compile --target T      # → dist/profiling-explorer-T
 *     deno task compile --all           # every target in TARGETS
 *
 * (`.exe` is added for Windows.) See `scripts/release.ts` for release builds.
 *
 * @module
 */

import { parseArgs } from "@std/cli/parse-args";

/** The name of the executable. */
export const NAME = "profiling-explorer";

/** The targets `deno compile` can build for, as `--target` takes them. */
export const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
] as const;

/** A target of `deno compile`. */
export type Target = typeof TARGETS[number];

/** The output directory, relative to the project root. */
export const DIST = "dist";

const _ROOT = new URL("../", import.meta.url);

/** Whether `text` names one of {@linkcode TARGETS}. */
export function isTarget(text: string): text is Target {
  return (TARGETS as readonly string[]).includes(text);
}

/**
 * The target of the machine this runs on.
 *
 * @throws {Error} When `deno compile` cannot build for this machine.
 */
export function hostTarget(): Target {
  const target = Deno.build.target;
  if (!isTarget(target)) {
    throw new Error(`Unsupported host target "${target}": use --target`);
  }
  return target;
}

/** Whether a target builds a Windows executable. */
export function isWindows(target: Target): boolean {
  return target.endsWith("-windows-msvc");
}

/**
 * The permission flags the executable is compiled with.
 *
 * - `--allow-read`: the profiles and the source files they name, at paths
 *   known only at run time.
 * - `--allow-write`: the `--html` report, at a path known only at run time.
 * - `--allow-net`: listening on `--host`:`--port`, known only at run time.
 * - `--allow-run`: the browser opener of the target's system, and the editor
 *   the user names (`--editor`, `$EDITOR`: any program).
 * - `--allow-env=…`: only the variables that name the editor and tell
 *   whether there is a display ({@linkcode ENV_VARIABLES}).
 * - `--no-prompt`: a missing permission is an error, never a question.
 *
 * No other environment variables, system information or FFI.
 */
export function permissionFlags(_target: Target): string[] {
  return [
    "--allow-read",
    "--allow-write",
    "--allow-net",
    "--allow-run",
    `--allow-env=${ENV_VARIABLES.join(",")}`,
    "--no-prompt",
  ];
}

/** The environment variables the program reads. */
export const ENV_VARIABLES: readonly string[] = [
  "PROFILING_EXPLORER_EDITOR",
  "VISUAL",
  "EDITOR",
  "DISPLAY",
  "WAYLAND_DISPLAY",
];

/**
 * The file name of an executable.
 *
 * @param target The target it runs on.
 * @param options `target: true` to add the target to the name, and a
 * `version` to add before it (release builds).
 */
export function executableName(
  target: Target,
  options: { target?: boolean; version?: string } = {},
): string {
  const parts = [NAME];
  if (options.version !== undefined) parts.push(options.version);
  if (options.target || options.version !== undefined) parts.push(target);
  return parts.join("-") + (isWindows(target) ? ".exe" : "");
}

/** The arguments of `deno` that compile `main.ts` for a target. */
export function compileArgs(target: Target, output: string): string[] {
  return [
    "compile",
    "--quiet",
    ...permissionFlags(target),
    // Only the npm packages main.ts imports, not the UI's or the tests'.
    "--exclude-unused-npm",
    // The worker that works out folded stacks (lib/heavy_work.ts) is
    // started by URL, which deno compile does not follow by itself.
    "--include",
    "lib/heavy_worker.ts",
    "--target",
    target,
    "--output",
    output,
    "main.ts",
  ];
}

/**
 * `deno compile` could not download the Deno runtime it builds on.
 */
export class RuntimeDownloadError extends Error {
  /** Makes the error for the runtime at `url` (if known). */
  constructor(url: string | undefined) {
    super(
      `deno compile needs network access to download the Deno runtime${
        url ? ` (${url})` : ""
      }: connect once (it is cached afterwards) or set DENORT_BIN to a local denort`,
    );
    this.name = "RuntimeDownloadError";
  }
}

/** `deno compile` failed for another reason; the message is its own. */
export class CompileError extends Error {
  /** Makes the error with what `deno compile` printed. */
  constructor(message: string) {
    super(message);
    this.name = "CompileError";
  }
}

/**
 * Turns what a failed `deno compile` printed into an error.
 *
 * @param stderr Its standard error.
 * @returns A {@linkcode RuntimeDownloadError} when the runtime could not be
 * downloaded, else a {@linkcode CompileError}.
 */
export function compileFailure(stderr: string): Error {
  // deno colours its errors even into a pipe.
  // deno-lint-ignore no-control-regex
  const text = stderr.replace(/\x1b\[[0-9;]*m/g, "");
  const url = text.match(/https?:\/\/\S*denort-[\w.-]+\.zip/)?.[0];
  if (
    url !== undefined ||
    /Setting up base binary|Failed downloading|Download could not be found/i
      .test(text)
  ) {
    return new RuntimeDownloadError(url);
  }
  let message = text.split(/\n\s*Stack backtrace:/)[0]!.trim()
    .replace(/^error: /, "");
  // An error with causes ("Caused by:\n  0: ...\n  1: ...") reads as one line.
  const [head, causes] = message.split(/\n\s*Caused by:\s*\n/);
  if (causes !== undefined) {
    message = [head, ...causes.split("\n")]
      .map((line) => line!.trim().replace(/^\d+: /, ""))
      .filter((line) => line !== "")
      .join(": ");
  }
  return new CompileError(message || "deno compile failed");
}

/**
 * Compiles `main.ts` for a target into `output` (relative to the project
 * root).
 *
 * @throws {RuntimeDownloadError} When the runtime could not be downloaded.
 * @throws {CompileError} When `deno compile` failed otherwise.
 */
export async function compile(target: Target, output: string): Promise<void> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: compileArgs(target, output),
    cwd: _ROOT,
    stdin: "null",
    stdout: "inherit",
    stderr: "piped",
  }).output();
  if (code !== 0) throw compileFailure(new TextDecoder().decode(stderr));
}

/**
 * Fails unless `ui/bundle.gen.ts` exists: the executable must carry the page.
 *
 * @throws {Error} When it is missing.
 */
export async function assertUiBuilt(): Promise<void> {
  try {
    await Deno.stat(new URL("ui/bundle.gen.ts", _ROOT));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error("ui/bundle.gen.ts is missing: run `deno task build`");
    }
    throw error;
  }
}

/** Makes `dist/` if it is missing. */
export async function makeDist(): Promise<void> {
  await Deno.mkdir(new URL(`${DIST}/`, _ROOT), { recursive: true });
}

class _UsageError extends Error {}

const _USAGE = `Usage: deno task compile [--target TARGET | --all]
Targets: ${TARGETS.join(", ")}`;

async function main(args: string[]): Promise<number> {
  const flags = parseArgs(args, {
    string: ["target"],
    boolean: ["all", "help"],
    unknown: (arg: string) => {
      throw new _UsageError(`Unknown argument ${arg}\n${_USAGE}`);
    },
  });
  if (flags.help) {
    console.log(_USAGE);
    return 0;
  }
  if (flags.all && flags.target !== undefined) {
    throw new _UsageError(`Give --target or --all, not both\n${_USAGE}`);
  }
  let targets: Target[];
  if (flags.all) {
    targets = [...TARGETS];
  } else if (flags.target !== undefined) {
    if (!isTarget(flags.target)) {
      throw new _UsageError(`Unknown target "${flags.target}"\n${_USAGE}`);
    }
    targets = [flags.target];
  } else {
    targets = [hostTarget()];
  }
  const named = flags.all || flags.target !== undefined;
  await assertUiBuilt();
  await makeDist();
  for (const target of targets) {
    const output = `${DIST}/${executableName(target, { target: named })}`;
    console.log(`Compiling main.ts for ${target} into ${output}`);
    await compile(target, output);
  }
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    console.error(
      `compile: ${error instanceof Error ? error.message : error}`,
    );
    Deno.exit(error instanceof _UsageError ? 2 : 1);
  }
}
