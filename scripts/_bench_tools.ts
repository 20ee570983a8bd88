/**
 * What the benchmark and fuzz scripts share: running a command for its
 * output, waiting for a started explorer to say where it runs, whether a
 * file exists, and the process's peak memory.
 *
 * @module
 */

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
