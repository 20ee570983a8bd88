/**
 * What the benchmark and fuzz scripts share: running a command for its
 * output or its timed JSON, another script, or a generator of a missing
 * input; waiting for a started explorer to say where it runs; whether a
 * file exists, and the process's peak memory.
 *
 * @module
 */

import { dirname } from "../lib/path.ts";

/**
 * Runs a command and returns what it wrote to stdout; throws if it fails,
 * with what it wrote to stderr unless that goes to the terminal.
 */
export async function commandOutput(
  command: string,
  argv: string[],
  stderr: "piped" | "inherit" = "piped",
): Promise<string> {
  const output = await new Deno.Command(command, {
    args: argv,
    stdout: "piped",
    stderr,
  }).output();
  if (!output.success) {
    throw new Error(
      `${command} ${argv.join(" ")} failed${
        stderr === "piped" ? `: ${new TextDecoder().decode(output.stderr)}` : ""
      }`,
    );
  }
  return new TextDecoder().decode(output.stdout);
}

/**
 * Runs a command that prints one JSON object, and adds how long the whole
 * process took, in seconds, as `wall`.
 */
export async function timedJson<T>(
  command: string,
  argv: string[],
): Promise<T & { wall: number }> {
  const start = performance.now();
  const result = JSON.parse(await commandOutput(command, argv, "inherit"));
  return { ...result, wall: (performance.now() - start) / 1000 };
}

/**
 * Runs another Deno script with every permission, its output on the
 * terminal; exits with 1 if it fails.
 */
export async function runScript(path: string, args: string[] = []) {
  const status = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", path, ...args],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!status.success) Deno.exit(1);
}

/**
 * Makes a missing input file with a Python script, saying so; a file that
 * exists is kept.
 *
 * @param python The Python to run.
 * @param file The file the script makes.
 * @param argv The script and its arguments (`file` among them).
 */
export async function generate(
  python: string,
  file: string,
  argv: string[],
): Promise<void> {
  if (await exists(file)) return;
  await Deno.mkdir(dirname(file), { recursive: true });
  console.log(`Generating ${file} with ${python}…`);
  await commandOutput(python, argv, "inherit");
}

/**
 * Reads a started explorer's stdout until it says `running at URL`.
 *
 * @param stdout The explorer's stdout.
 * @param failure What to say if it ends first (its output follows).
 * @returns The URL, and the reader to cancel once the explorer is stopped.
 */
export async function explorerUrl(
  stdout: ReadableStream<Uint8Array<ArrayBuffer>>,
  failure: string,
): Promise<{ url: string; reader: ReadableStreamDefaultReader<string> }> {
  const reader = stdout.pipeThrough(new TextDecoderStream()).getReader();
  let output = "";
  while (!/running at (\S+)/.test(output)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${failure}: ${output}`);
    output += value;
  }
  return { url: /running at (\S+)/.exec(output)![1]!, reader };
}

/** Whether something exists at `path`. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** The process's peak resident memory in MiB (now, where Linux has no record). */
export function peakMb(): number {
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
  } catch {
    return Deno.memoryUsage().rss / 1048576;
  }
}
