import {
  assert,
  assertEquals,
  assertFalse,
  assertStringIncludes,
} from "@std/assert";
import { createProfile, emptyEdges, type Profile } from "../lib/profile.ts";
import { decodeProfile } from "../lib/wire.ts";
import {
  assertOneLineError,
  exploreOnFreePort,
  runCli,
  withTempDir,
} from "./_cli.ts";
import type { ServerChild } from "./_server_child.ts";
import { UI_ASSETS } from "./_page.ts";
import { get, handlerOf, statusOf } from "./_handler.ts";

function oneFunction(): Profile {
  return createProfile({
    sources: ["run.pstats"],
    sampled: false,
    edgeDetail: true,
    functions: {
      file: ["app.py"],
      shortFile: ["app.py"],
      line: Int32Array.of(1),
      name: ["main"],
      calls: Float64Array.of(1),
      primitiveCalls: Float64Array.of(1),
      internalTime: Float64Array.of(0.5),
      cumulativeTime: Float64Array.of(0.5),
    },
    edges: emptyEdges(),
  });
}

/** Whether a promise is still pending after the event loop has turned. */
async function isPending(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(() => settled = true, () => settled = true);
  await new Promise((resolve) => setTimeout(resolve, 20));
  return !settled;
}

Deno.test("while the profile loads, the page is served at once and its data waits for it", async () => {
  const { promise, resolve } = Promise.withResolvers<Profile>();
  const handler = handlerOf({ assets: UI_ASSETS, profile: promise });
  const page = await get(handler, "/");
  assertEquals(page.status, 200);
  assertStringIncludes(await page.text(), "<html");
  const data = get(handler, "/api/profile");
  assert(await isPending(data), "the profile's data came before the profile");
  resolve(oneFunction());
  const response = await data;
  assertEquals(response.status, 200);
  const profile = decodeProfile(new Uint8Array(await response.arrayBuffer()));
  assertEquals(profile.functions.name, ["main"]);
});

Deno.test("a profile that fails to load makes the data routes answer 503 with the reason", async () => {
  const failing = Promise.reject(new SyntaxError("run.pstats: Truncated"));
  const handler = handlerOf({ assets: UI_ASSETS, profile: failing });
  const response = await get(handler, "/api/functions");
  assertEquals(response.status, 503);
  assertEquals(await response.json(), {
    error: "The profile could not be loaded: run.pstats: Truncated",
  });
  assertEquals(await statusOf(handler, "/"), 200);
});

Deno.test("the base run may load as late as the profile", async () => {
  const { promise, resolve } = Promise.withResolvers<Profile | undefined>();
  const handler = handlerOf({ profile: oneFunction(), base: promise });
  const base = get(handler, "/api/base");
  assert(await isPending(base));
  resolve(undefined);
  assertEquals((await base).status, 204);
});

/**
 * A pstats file of `functions` functions each called by the next, over 16
 * MB for 120,000: large enough that the explorer serves before loading it.
 * Written byte by byte, as marshal writes it (the helpers of
 * `_marshal_writer.ts` would take seconds over so many values).
 */
function largePstats(functions: number): Uint8Array {
  const out = new Uint8Array(functions * 200 + 2);
  const view = new DataView(out.buffer);
  let at = 0;
  const byte = (b: number) => out[at++] = b;
  const int = (n: number) => {
    byte(0x69); // 'i'
    view.setInt32(at, n, true);
    at += 4;
  };
  const float = (x: number) => {
    byte(0x67); // 'g'
    view.setFloat64(at, x, true);
    at += 8;
  };
  const text = (s: string) => {
    byte(0x7a); // 'z': short ASCII
    byte(s.length);
    for (let i = 0; i < s.length; i++) byte(s.charCodeAt(i));
  };
  const key = (i: number) => {
    byte(0x29); // ')' with 3 items
    byte(3);
    text(`/srv/project/package/module_${i % 97}.py`);
    int(i + 1);
    text(`function_number_${i}`);
  };
  byte(0x7b); // '{'
  for (let i = 0; i < functions; i++) {
    key(i);
    byte(0x29); // (cc, nc, tt, ct, callers)
    byte(5);
    int(1);
    int(1);
    float(0.001);
    float(0.002);
    byte(0x7b);
    key(i + 1);
    byte(0x29); // (nc, cc, tt, ct)
    byte(4);
    int(1);
    int(1);
    float(0.001);
    float(0.002);
    byte(0x30); // the end of the callers
  }
  byte(0x30);
  return out.subarray(0, at);
}

const LARGE = 120_000;

/** Starts the explorer on a file, on a free port, without a browser. */
function explore(path: string): Promise<ServerChild> {
  return exploreOnFreePort([path]);
}

Deno.test("a large profile is served while it loads, and the page gets all of it", async () => {
  await withTempDir(async (dir) => {
    const bytes = largePstats(LARGE);
    assert(bytes.length >= 16 * 1024 * 1024, `only ${bytes.length} bytes`);
    const path = `${dir}/large.pstats`;
    await Deno.writeFile(path, bytes);
    await using server = await explore(path);
    const response = await fetch(new URL("/api/functions?limit=1", server.url));
    assertEquals(response.status, 200);
    // Each function is called by the next; the last caller has no entry.
    assertEquals((await response.json()).total, LARGE + 1);
    const exit = await server.stop("SIGINT");
    assertEquals(exit.code, 0, exit.stderr);
    assertStringIncludes(exit.stdout, "Stopped.");
  });
});

/**
 * Writes `broken.pstats` into `dir`, a large profile cut in the middle of an
 * entry (only reading it all finds out), and answers its path.
 */
async function writeBrokenLarge(dir: string): Promise<string> {
  const bytes = largePstats(LARGE);
  const path = `${dir}/broken.pstats`;
  await Deno.writeFile(path, bytes.subarray(0, bytes.length - 1000));
  return path;
}

Deno.test("a large profile that turns out broken ends the explorer with one line naming it", async () => {
  await withTempDir(async (dir) => {
    const path = await writeBrokenLarge(dir);
    await using server = await explore(path);
    // Served before the load found the damage.
    assertStringIncludes(server.started, "running at");
    const exit = await server.exited();
    assertFalse(exit.stdout.includes("Stopped."));
    assertOneLineError({ ...exit, stdout: "", ms: 0 }, 1, path);
  });
});

Deno.test("requests waiting for a profile that turns out broken are answered 503 with the reason before the explorer exits", async () => {
  await withTempDir(async (dir) => {
    const path = await writeBrokenLarge(dir);
    await using server = await explore(path);
    // Sent while the profile loads: they wait for it.
    const waiting = await Promise.all(
      ["/api/functions?limit=1", "/api/profile", "/api/order"].map((path) =>
        fetch(new URL(path, server.url)).then(
          async (response) => ({
            status: response.status,
            body: await response.text(),
          }),
          (error) => ({ status: 0, body: String(error) }),
        )
      ),
    );
    const exit = await server.exited();
    assertOneLineError({ ...exit, stdout: "", ms: 0 }, 1, path);
    // The line the explorer ends with is the reason each answer gives.
    const reason = exit.stderr.trim().replace(/^profiling-explorer: /, "");
    for (const { status, body } of waiting) {
      assertEquals(status, 503, body);
      assertStringIncludes(body, `The profile could not be loaded: ${reason}`);
    }
  });
});

Deno.test("a large file that is plainly not a profile fails before anything is served", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/notes.pstats`;
    await Deno.writeTextFile(path, "x".repeat(17 * 1024 * 1024));
    assertOneLineError(
      await runCli(["--port", "0", "--no-open", path]),
      1,
      path,
      "Not a pstats file",
    );
  });
});

Deno.test("Ctrl+C while a large profile is still loading ends the explorer at once, as a shell expects", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/larger.pstats`;
    // Large enough to take most of a second to read.
    await Deno.writeFile(path, largePstats(4 * LARGE));
    await using server = await explore(path);
    const exit = await server.stop("SIGINT");
    assertEquals(exit.code, 130, exit.stderr);
    assertFalse(exit.stdout.includes("Stopped."));
    assertOneLineError({ ...exit, stdout: "", ms: 0 }, 130, "Interrupted");
  });
});
