import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import {
  DataRangeError,
  DataSyntaxError,
  ProfileMismatchError,
} from "../lib/data_error.ts";
import { InputError } from "../cli/inputs.ts";
import { Interrupted } from "../cli/interrupt.ts";
import { NothingRead } from "../cli/load.ts";
import { UsageError } from "../cli/options.ts";
import { describeFailure, EXIT_CODES } from "../cli/run.ts";
import {
  assertOneLineError,
  type CliResult,
  ROOT,
  runCli,
  runDeno,
  START_PERMISSIONS,
  withTempDir,
} from "./_cli.ts";

const BUG_LINE =
  /^profiling-explorer: internal error: The page's script is missing — this is a bug, please report it/;

Deno.test("describeFailure() makes the readers' errors bad input: exit 1 with their message", () => {
  for (
    const error of [
      new DataSyntaxError("run.pstats: Truncated data at byte 3"),
      new DataRangeError("run.pstats: Invalid length at byte 9: 4294967295"),
      new InputError("run.pstats", "No such file"),
      new NothingRead("No profile could be read: every file was bad"),
      new ProfileMismatchError("a.pstats: Cannot compare a sampled profile"),
    ]
  ) {
    const failure = describeFailure(error);
    assertEquals(failure.code, EXIT_CODES.badInput, String(error));
    assertEquals(failure.message, error.message);
    assertEquals(failure.stack, undefined);
  }
});

Deno.test("describeFailure() hints at --skip-bad for a bad file among several, not for mismatched runs", () => {
  const several = { several: true };
  assertStringIncludes(
    describeFailure(new DataSyntaxError("b.pstats: Truncated"), several)
      .message,
    "(--skip-bad reads the others)",
  );
  assertEquals(
    describeFailure(new ProfileMismatchError("Cannot merge"), several).message,
    "Cannot merge",
  );
  assertEquals(
    describeFailure(new InputError("b.pstats", "No such file"), {
      several: true,
      skipBad: true,
    }).message,
    "b.pstats: No such file",
  );
});

Deno.test("describeFailure() makes a usage error exit 2 and Ctrl+C exit 130", () => {
  assertEquals(describeFailure(new UsageError("No pstats file given")), {
    code: EXIT_CODES.usage,
    message: "No pstats file given (see --help)",
  });
  assertEquals(describeFailure(new Interrupted()), {
    code: EXIT_CODES.interrupted,
    message: "Interrupted",
  });
});

Deno.test("describeFailure() calls any other error a bug: exit 70, the stack only with --debug", () => {
  for (
    const error of [
      new TypeError("Cannot read properties of undefined (reading 'size')"),
      new RangeError("Invalid array length"),
      new SyntaxError("Unexpected token"),
      new Error("boom"),
    ]
  ) {
    const failure = describeFailure(error, { several: true });
    assertEquals(failure.code, EXIT_CODES.bug);
    assertEquals(
      failure.message,
      `internal error: ${error.message} — this is a bug, please report it on the project's issue tracker (with the output of --debug)`,
    );
    assertEquals(failure.stack, undefined);
    const debug = describeFailure(error, { debug: true });
    assertEquals(debug.code, EXIT_CODES.bug);
    assertEquals(debug.stack, error.stack);
  }
  assertEquals(describeFailure("thrown text").code, EXIT_CODES.bug);
});

Deno.test("the CLI's errors are named after their class", () => {
  assertEquals(new InputError("run.pstats", "No such file").name, "InputError");
  assertEquals(new Interrupted().name, "Interrupted");
  assertEquals(new NothingRead("No profile").name, "NothingRead");
  assertEquals(new UsageError("No pstats file given").name, "UsageError");
});

Deno.test("a bad file still exits 1 with one line naming it", async () => {
  assertOneLineError(
    await runCli(["--format", "csv", "bad/wrong-key.pstats"]),
    1,
    "bad/wrong-key.pstats",
  );
});

/** Runs the program handed a page that throws, as a bug would. */
function runBroken(args: string[]): Promise<CliResult> {
  return runDeno([
    "run",
    ...START_PERMISSIONS,
    `${ROOT}tests/_broken_page_main.ts`,
    ...args,
  ]);
}

Deno.test("a bug exits 70 with one line that says so, and writes nothing", async () => {
  await withTempDir(async (dir) => {
    const report = `${dir}/report.html`;
    const result = await runBroken(["--html", report, "cprofile-3.13.pstats"]);
    const line = assertOneLineError(result, 70, "(with the output of --debug)");
    assert(BUG_LINE.test(line), line);
    assertEquals([...Deno.readDirSync(dir)], []);
  });
});

Deno.test("with --debug, a bug shows its stack after the line", async () => {
  await withTempDir(async (dir) => {
    const report = `${dir}/report.html`;
    const result = await runBroken([
      "--debug",
      "--html",
      report,
      "cprofile-3.13.pstats",
    ]);
    assertEquals(result.code, 70, result.stderr);
    assertEquals(result.stdout, "");
    const [line, ...stack] = result.stderr.trimEnd().split("\n");
    assert(BUG_LINE.test(line!), line);
    assertEquals(stack[0], "TypeError: The page's script is missing");
    assert(
      stack.some((frame) => /^\s+at .*cli\/html\.ts:\d+:\d+/.test(frame)),
      result.stderr,
    );
  });
});
