/**
 * Helpers for the black-box tests that run the command line: spawn
 * `main.ts` with `Deno.execPath()`, check that a failure is one clean line,
 * read a `--format json` report, work in a temporary directory.
 */
import {
  assert,
  assertEquals,
  assertMatch,
  assertStringIncludes,
} from "@std/assert";
import { fromFileUrl } from "@std/path";
import denoJson from "../deno.json" with { type: "json" };
import { FIXTURES } from "./_fixtures.ts";
import { type ServerChild, startServer } from "./_server_child.ts";

export { FIXTURES };

/** The repository's root, ending in `/`. */
export const ROOT: string = fromFileUrl(new URL("../", import.meta.url));
/** The program's entry point. */
export const MAIN = `${ROOT}main.ts`;
/**
 * The permissions `deno task start` gives the program (deno.json's `start`
 * task, `deno run FLAGS main.ts`): the tests run it with these and no more,
 * so that a permission the program needs but the task lacks fails a test.
 */
export const START_PERMISSIONS: string[] = _startPermissions();

function _startPermissions(): string[] {
  const words = denoJson.tasks.start.command.split(/\s+/);
  const flags = words.slice(words.indexOf("run") + 1, words.indexOf("main.ts"));
  assert(
    flags.length > 0 && flags.every((flag) => flag.startsWith("--allow-")),
    `deno.json's start task is not "deno run --allow-... main.ts"`,
  );
  return flags;
}

/** What runs the program: `deno` with these, then its arguments. */
const _RUN = ["run", ...START_PERMISSIONS, MAIN];

/** The arguments of `deno` that run the program, as {@linkcode runCli} does. */
export function cliArgs(): string[] {
  return [..._RUN];
}

/** {@linkcode _RUN}, under a heap of `heapMb` megabytes when given. */
function _run(heapMb?: number): string[] {
  return heapMb === undefined
    ? _RUN
    : ["run", `--v8-flags=--max-old-space-size=${heapMb}`, ..._RUN.slice(1)];
}

/** What one run of the command line did. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** How long the run took, in milliseconds. */
  ms: number;
}

/**
 * Runs `main.ts` with the arguments in `cwd`, no stdin, no colour; with
 * `heapMb`, under a JavaScript heap of that many megabytes (an amplified
 * workload then fails instead of taking the machine's memory); killed when
 * `signal` aborts.
 */
export function runCli(
  args: string[],
  cwd: string = FIXTURES,
  heapMb?: number,
  signal?: AbortSignal,
): Promise<CliResult> {
  return runDeno([..._run(heapMb), ...args], cwd, signal);
}

/** {@linkcode runCli} with the arguments given one by one, in the fixtures. */
export function cli(...args: string[]): Promise<CliResult> {
  return runCli(args);
}

/**
 * Runs `deno` with `denoArgs` in `cwd`, no stdin, no colour, as
 * {@linkcode runCli} runs the program; killed when `signal` aborts.
 */
export async function runDeno(
  denoArgs: string[],
  cwd: string = FIXTURES,
  signal?: AbortSignal,
): Promise<CliResult> {
  const start = performance.now();
  const output = await new Deno.Command(Deno.execPath(), {
    ...(signal ? { signal } : {}),
    args: denoArgs,
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return {
    code: output.code,
    stdout: decode(output.stdout),
    stderr: decode(output.stderr),
    ms: performance.now() - start,
  };
}

/**
 * A failure is one line on stderr that names the program and holds every
 * part, no stack trace, nothing on stdout, and the exit code.
 *
 * @returns The line.
 */
export function assertOneLineError(
  result: CliResult,
  code: number,
  ...parts: string[]
): string {
  assertEquals(result.code, code, result.stderr);
  assertEquals(result.stdout, "");
  const lines = result.stderr.trimEnd().split("\n");
  assertEquals(lines.length, 1, result.stderr);
  const line = lines[0]!;
  assertMatch(line, /^profiling-explorer: /);
  for (const part of parts) assertStringIncludes(line, part);
  assert(!/\bat .*:\d+:\d+/.test(result.stderr), "no stack trace");
  return line;
}

/** What `--format json` prints for a profile's functions. */
export interface Report {
  files: string[];
  sampled: boolean;
  total_calls: number;
  primitive_calls: number;
  total_time: number;
  functions: {
    file: string;
    line: number;
    name: string;
    calls: number;
    primitive_calls: number;
    internal_time: number;
    cumulative_time: number;
    callers: Record<string, string | number>[];
  }[];
}

/**
 * Runs `--format json` with the arguments; the run must succeed.
 *
 * @returns The parsed report and what the run wrote on stderr.
 */
export async function runJsonReport<T>(
  args: string[],
  cwd: string = FIXTURES,
): Promise<[T, string]> {
  const result = await runCli(["--format", "json", ...args], cwd);
  assertEquals(result.code, 0, result.stderr);
  return [JSON.parse(result.stdout) as T, result.stderr];
}

/**
 * Starts the explorer serving `args` (files, folders, options) on a free
 * port without opening a browser, and waits until it says where it runs.
 */
export function exploreOnFreePort(
  args: string[],
  options: { cwd?: string; heapMb?: number } = {},
): Promise<ServerChild> {
  const { heapMb, ...rest } = options;
  return startServer(
    Deno.execPath(),
    [..._run(heapMb), "--port", "0", "--no-open", ...args],
    rest,
  );
}

/** Writes the HTML report of `inputs` to `out`; the run must succeed. */
export async function writeHtmlReport(
  out: string,
  ...inputs: string[]
): Promise<void> {
  const result = await runCli(["--html", out, ...inputs]);
  assertEquals(result.code, 0, result.stderr);
}

/** How many lines a text of lines (each ending in a newline) holds. */
export function lineCount(text: string): number {
  return text.trimEnd().split("\n").length;
}

/** The weights of folded stacks (`--format collapsed`) added up. */
export function foldedTotal(text: string): number {
  return text.trimEnd().split("\n").reduce(
    (total, line) => total + Number(line.split(" ").at(-1)),
    0,
  );
}

/** Calls `fn` with a new temporary directory, removed afterwards. */
export async function withTempDir<T>(
  fn: (dir: string) => Promise<T>,
  options?: Deno.MakeTempOptions,
): Promise<T> {
  const dir = await Deno.makeTempDir(options);
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
