/**
 * A stand-in for the user's editor, for the tests that open one: a shell
 * script that writes the arguments it was given, one a line, to a file.
 *
 * @module
 */

/** Where a stub editor is, and the file it writes its arguments to. */
export interface StubEditor {
  /** The script, named `stub-editor`. */
  stub: string;
  /** The file it writes its arguments to, one a line, each time it runs. */
  record: string;
}

/**
 * Writes a stub editor into `dir` that records its arguments in `argv.txt`
 * there and exits with `exitCode`.
 */
export async function writeStubEditor(
  dir: string,
  exitCode = 0,
): Promise<StubEditor> {
  const stub = `${dir}/stub-editor`;
  const record = `${dir}/argv.txt`;
  await Deno.writeTextFile(
    stub,
    `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > '${record}'\nexit ${exitCode}\n`,
  );
  await Deno.chmod(stub, 0o755);
  return { stub, record };
}
