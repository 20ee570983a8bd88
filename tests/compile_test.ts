import { assertEquals, assertInstanceOf, assertMatch } from "@std/assert";
import denoJson from "../deno.json" with { type: "json" };
import {
  compileArgs,
  CompileError,
  compileFailure,
  ENV_VARIABLES,
  executableName,
  permissionFlags,
  RuntimeDownloadError,
  TARGETS,
} from "../scripts/compile.ts";
import { sha256, sha256sums } from "../scripts/release.ts";

/** What deno 2.9.6 printed here, with no network, colours and all. */
const OFFLINE =
  `\x1b[0m\x1b[1m\x1b[31merror\x1b[0m: Writing deno compile executable to temporary file 'dist/profiling-explorer.tmp-f0064b37881a8129'

Caused by:
    0: Setting up base binary.
    1: error sending request for url (https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip): client error (Connect): dns error: failed to lookup address information: Name or service not known
    2: client error (Connect)
    3: dns error
    4: failed to lookup address information: Name or service not known

Stack backtrace:
   0: <unknown>
`;

Deno.test("compileFailure() says in one line that the runtime download needs the network", () => {
  const error = compileFailure(OFFLINE);
  assertInstanceOf(error, RuntimeDownloadError);
  assertEquals(error.message.includes("\n"), false);
  assertMatch(
    error.message,
    /^deno compile needs network access to download the Deno runtime \(https:\/\/\S+\/denort-x86_64-unknown-linux-gnu\.zip\)/,
  );
});

Deno.test("compileFailure() folds other errors and their causes into one line", () => {
  const error = compileFailure(
    "error: Writing deno compile executable to temporary file 'x.tmp'\n\n" +
      "Caused by:\n    0: Could not find denort at '/no/denort'\n" +
      "    1: No such file or directory (os error 2)\n\n" +
      "Stack backtrace:\n   0: <unknown>\n",
  );
  assertInstanceOf(error, CompileError);
  assertEquals(
    error.message,
    "Writing deno compile executable to temporary file 'x.tmp': Could not find denort at '/no/denort': No such file or directory (os error 2)",
  );
});

Deno.test("permissionFlags() are deno task start's, never asking, and no system information, FFI or other variables", () => {
  const start = denoJson.tasks.start.command.split(/\s+/).filter((word) =>
    word.startsWith("--allow-")
  );
  for (const target of TARGETS) {
    const flags = permissionFlags(target);
    assertEquals(flags, [...start, "--no-prompt"]);
    assertEquals(/allow-(sys|ffi|all)|\s-A\b/.test(flags.join(" ")), false);
    assertEquals(
      flags.find((flag) => flag.startsWith("--allow-env")),
      `--allow-env=${ENV_VARIABLES.join(",")}`,
    );
  }
});

Deno.test("compileArgs() compile main.ts quietly, with the worker, for the target into the output", () => {
  const args = compileArgs("aarch64-apple-darwin", "dist/x");
  assertEquals(args[0], "compile");
  assertEquals(args.includes("--quiet"), true);
  // The folded stacks' worker goes into the executable too.
  assertEquals(
    args[args.indexOf("--include") + 1],
    "lib/heavy_worker.ts",
  );
  assertEquals(args.slice(-5), [
    "--target",
    "aarch64-apple-darwin",
    "--output",
    "dist/x",
    "main.ts",
  ]);
});

Deno.test("executableName() names host, target and release builds", () => {
  assertEquals(
    executableName("x86_64-unknown-linux-gnu"),
    "profiling-explorer",
  );
  assertEquals(
    executableName("x86_64-pc-windows-msvc"),
    "profiling-explorer.exe",
  );
  assertEquals(
    executableName("aarch64-apple-darwin", { target: true }),
    "profiling-explorer-aarch64-apple-darwin",
  );
  assertEquals(
    executableName("x86_64-pc-windows-msvc", { version: "1.2.3" }),
    "profiling-explorer-1.2.3-x86_64-pc-windows-msvc.exe",
  );
});

Deno.test("sha256sums() writes the lines sha256sum --check reads, sorted", async () => {
  const empty = await sha256(new Uint8Array(0));
  assertEquals(
    empty,
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
  assertEquals(
    sha256sums(new Map([["b", "22"], ["a", "11"]])),
    "11  a\n22  b\n",
  );
});
