/**
 * `deno task bundle` writes one JavaScript file that runs alone: copied into
 * an empty directory with nothing but a profile, with no config, no npm and
 * no remote modules, it prints reports and serves the explorer.
 */

import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { fromFileUrl, join } from "@std/path";
import { rawGet, startServer } from "./_server_child.ts";
import { fixturePath } from "./_fixtures.ts";

const ROOT = fromFileUrl(new URL("../", import.meta.url));
const FIXTURE = "cprofile-3.13.pstats";
const EXPECTED = JSON.parse(
  await Deno.readTextFile(
    fixturePath("cprofile-3.13.expected.json"),
  ),
) as { total_calls: number };

/** Only what a user grants: reading profiles and listening. */
const RUN_FLAGS = [
  "run",
  "--no-config",
  "--no-lock",
  "--no-npm",
  "--no-remote",
  "--no-prompt",
  "--allow-read",
  "--allow-net",
];

async function bundleInto(dir: string): Promise<string> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["task", "bundle"],
    cwd: ROOT,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  assertEquals(code, 0, `deno task bundle failed:\n${decode(stderr)}`);
  const script = join(dir, "profiling-explorer.js");
  await Deno.copyFile(join(ROOT, "dist", "profiling-explorer.js"), script);
  await Deno.copyFile(
    fixturePath(FIXTURE),
    join(dir, FIXTURE),
  );
  return script;
}

Deno.test("deno task bundle writes one file that imports nothing", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "profiling-explorer-bundle-" });
  try {
    const script = await bundleInto(dir);
    const text = await Deno.readTextFile(script);

    await t.step("with no import or require left in it", () => {
      assert(!/^\s*import\s[^(]/m.test(text), "it has an import statement");
      assert(!/\bimport\(/.test(text), "it has a dynamic import");
      assert(!/\brequire\(/.test(text), "it has a require call");
      assertStringIncludes(text, '"@x/profiling-explorer"');
    });

    await t.step("which prints the JSON report of a profile", async () => {
      const { code, stdout, stderr } = await new Deno.Command(
        Deno.execPath(),
        {
          args: [...RUN_FLAGS, script, "--format", "json", FIXTURE],
          cwd: dir,
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
          env: { NO_COLOR: "1" },
        },
      ).output();
      const decode = (b: Uint8Array) => new TextDecoder().decode(b);
      assertEquals(decode(stderr), "");
      assertEquals(code, 0);
      const report = JSON.parse(decode(stdout));
      assertEquals(report.total_calls, EXPECTED.total_calls);
      assertEquals(report.files, [FIXTURE]);
    });

    await t.step("which prints its version", async () => {
      const { code, stdout } = await new Deno.Command(Deno.execPath(), {
        args: [...RUN_FLAGS, script, "--version"],
        cwd: dir,
        stdin: "null",
        stdout: "piped",
        stderr: "null",
      }).output();
      const denoJson = JSON.parse(
        await Deno.readTextFile(join(ROOT, "deno.json")),
      ) as { version: string };
      assertEquals(code, 0);
      assertEquals(
        new TextDecoder().decode(stdout).trim(),
        `profiling-explorer ${denoJson.version}`,
      );
    });

    await t.step("which serves the page and the profile", async () => {
      await using server = await startServer(Deno.execPath(), [
        ...RUN_FLAGS,
        script,
        "--port",
        "0",
        "--no-open",
        FIXTURE,
      ], { cwd: dir, env: { NO_COLOR: "1" } });
      const page = await fetch(server.url);
      assertEquals(page.status, 200);
      assertStringIncludes(await page.text(), "<html");
      const profile = await fetch(new URL("/api/profile", server.url));
      assertEquals(profile.status, 200);
      assertEquals(
        profile.headers.get("content-type"),
        "application/octet-stream",
      );
      assert((await profile.arrayBuffer()).byteLength > 0);
      // With no worker module beside it, the folded stacks are worked out
      // on the server's thread.
      const stacks = await fetch(new URL("/api/collapsed", server.url));
      assertEquals(stacks.status, 200);
      assertStringIncludes(await stacks.text(), "fib");
      const refused = await rawGet(server.port, "/", "evil.example");
      assertEquals(refused.status, 403);
      const exit = await server.stop("SIGINT");
      assertEquals(exit.code, 0, exit.stderr);
      assertStringIncludes(exit.stdout, "Stopped.");
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
