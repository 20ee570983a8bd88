/**
 * The container image, as far as it can be tested without a container
 * engine: the Dockerfile's text, and the program run the way the image runs
 * it — with the compiled executable's permissions, `--host 0.0.0.0
 * --no-open`, no terminal, next to no environment (no HOME, DISPLAY or
 * BROWSER, and no browser opener on PATH), a profile under a /data-like
 * directory given by absolute path, and stopped by SIGTERM as `docker stop`
 * does.
 */

import {
  assert,
  assertEquals,
  assertMatch,
  assertStringIncludes,
} from "@std/assert";
import { fromFileUrl, join } from "@std/path";
import { parseOptions } from "../cli/options.ts";
import {
  DIST,
  executableName,
  hostTarget,
  permissionFlags,
  TARGETS,
} from "../scripts/compile.ts";
import { rawGet, startServer } from "./_server_child.ts";
import { fixturePath } from "./_fixtures.ts";

const ROOT = fromFileUrl(new URL("../", import.meta.url));
const FIXTURE = fixturePath("cprofile-3.13.pstats");
const EXPECTED = JSON.parse(
  await Deno.readTextFile(
    fixturePath("cprofile-3.13.expected.json"),
  ),
) as { total_calls: number };

/** The Dockerfile's instructions, continuation lines joined, no comments. */
function instructions(text: string): { op: string; args: string }[] {
  return text
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const [op, ...rest] = line.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(" ") };
    });
}

function defined<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`The Dockerfile lacks ${what}`);
  return value;
}

Deno.test("the Dockerfile builds the executable that deno task compile makes and runs it as the explorer", async () => {
  const steps = instructions(
    await Deno.readTextFile(join(ROOT, "Dockerfile")),
  );
  const froms = steps.filter((s) => s.op === "FROM");
  assertEquals(froms.length, 2, "a build stage and a runtime stage");
  assertMatch(froms[0]!.args, /^denoland\/deno:\d+\.\d+\.\d+ AS build$/i);
  // The executable is linked against glibc: no Alpine, no scratch.
  assertMatch(froms[1]!.args, /^gcr\.io\/distroless\/cc-debian\d+(:\S+)?$/);

  const build = steps.slice(0, steps.indexOf(froms[1]!));
  const runtime = steps.slice(steps.indexOf(froms[1]!));
  const workdir = defined(
    build.findLast((s) => s.op === "WORKDIR")?.args,
    "a WORKDIR in the build stage",
  );
  assert(
    build.some((s) => s.op === "RUN" && s.args === "deno task compile"),
    "the build stage runs `deno task compile` for its own platform",
  );

  // Without --target, the compile task names the executable for the host;
  // the image is Linux on either architecture.
  const linux = TARGETS.filter((t) => t.endsWith("-linux-gnu"));
  const names = new Set(linux.map((t) => executableName(t)));
  assertEquals(names.size, 1);
  const [name] = names;
  const copies = runtime.filter((s) => s.op === "COPY");
  assertEquals(copies.length, 1, "the runtime stage copies only the binary");
  const [from, source, destination] = copies[0]!.args.split(/\s+/);
  assertEquals(from, "--from=build");
  assertEquals(source, `${workdir}/${DIST}/${name}`);

  const entrypoint = defined(
    runtime.find((s) => s.op === "ENTRYPOINT"),
    "an ENTRYPOINT",
  );
  assertEquals(JSON.parse(entrypoint.args), [
    destination,
    "--host",
    "0.0.0.0",
    "--no-open",
  ]);
  const expose = defined(runtime.find((s) => s.op === "EXPOSE"), "EXPOSE");
  assertEquals(Number(expose.args), parseOptions(["run.pstats"]).port);
  assert(!runtime.some((s) => s.op === "CMD"), "arguments are the user's");
});

Deno.test("the .dockerignore keeps what the build needs and drops what it makes", async () => {
  const ignored = (await Deno.readTextFile(join(ROOT, ".dockerignore")))
    .split(/\r?\n/)
    .map((line) => line.trim().replace(/\/$/, ""))
    .filter((line) => line !== "" && !line.startsWith("#"));
  for (
    const needed of ["deno.json", "deno.lock", "main.ts", "cli", "lib", "ui"]
  ) {
    assert(!ignored.includes(needed), `${needed} is needed by the build`);
  }
  assert(!ignored.includes("scripts"), "scripts/ holds the build scripts");
  for (const made of ["dist", "ui/bundle.gen.ts", ".git"]) {
    assert(ignored.includes(made), `${made} is left out of the context`);
  }
});

/** The container's environment: no HOME, DISPLAY, BROWSER or opener. */
async function containerEnv(bin: string): Promise<Record<string, string>> {
  // Deno itself needs its cache to run main.ts from source; the compiled
  // executable carries everything and needs nothing.
  const info = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json"],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).output();
  const { denoDir } = JSON.parse(new TextDecoder().decode(info.stdout)) as {
    denoDir: string;
  };
  return { PATH: bin, DENO_DIR: denoDir };
}

/** `deno run` with the compiled executable's flags, in the image's shape. */
function runArgs(): string[] {
  return [
    "run",
    "--quiet",
    "--config",
    join(ROOT, "deno.json"),
    ...permissionFlags(hostTarget()),
    join(ROOT, "main.ts"),
    "--host",
    "0.0.0.0",
    "--no-open",
  ];
}

Deno.test({
  name:
    "in a container the explorer serves IP-literal hosts, refuses DNS names and stops on SIGTERM",
  ignore: Deno.build.os === "windows",
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "profiling-explorer-ctr-" });
    try {
      const data = join(root, "data");
      const bin = join(root, "bin");
      await Deno.mkdir(data);
      await Deno.mkdir(bin);
      const profile = join(data, "run.pstats");
      await Deno.copyFile(FIXTURE, profile);
      const env = await containerEnv(bin);

      await using server = await startServer(
        Deno.execPath(),
        [...runArgs(), "--port", "0", profile],
        { cwd: data, env, clearEnv: true },
      );
      assertStringIncludes(
        server.started,
        `profiling-explorer running at http://127.0.0.1:${server.port}/`,
      );

      for (const host of [`127.0.0.1:${server.port}`, "172.17.0.2:8099"]) {
        const page = await rawGet(server.port, "/", host);
        assertEquals(page.status, 200, `GET / with Host ${host}`);
        assertStringIncludes(page.body, "<html");
        const api = await rawGet(server.port, "/api/profile", host);
        assertEquals(api.status, 200, `GET /api/profile with Host ${host}`);
        assertStringIncludes(
          api.head,
          "content-type: application/octet-stream",
        );
      }
      for (const host of ["evil.example", "evil.example:8099"]) {
        const refused = await rawGet(server.port, "/api/profile", host);
        assertEquals(refused.status, 403, `GET with Host ${host}`);
      }

      const exit = await server.stop("SIGTERM");
      assertEquals(exit.code, 0, exit.stderr);
      assertEquals(exit.signal, null);
      assertStringIncludes(exit.stdout, "Stopped.");
      assertStringIncludes(
        exit.stderr,
        `Warning: listening on 0.0.0.0: anyone who can reach this machine on port ${server.port} can read the profile.`,
      );
      // No permission prompt, and no word from Deno about the missing opener.
      assert(!/Failed to resolve|Info|prompt/i.test(exit.stderr), exit.stderr);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test("in a container the explorer prints reports of a profile under /data", async () => {
  const root = await Deno.makeTempDir({ prefix: "profiling-explorer-ctr-" });
  try {
    const profile = join(root, "run.pstats");
    await Deno.copyFile(FIXTURE, profile);
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [...runArgs(), "--format", "json", profile],
      cwd: root,
      env: await containerEnv(root),
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decode = (b: Uint8Array) => new TextDecoder().decode(b);
    assertEquals(decode(stderr), "");
    assertEquals(code, 0);
    const report = JSON.parse(decode(stdout));
    assertEquals(report.total_calls, EXPECTED.total_calls);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
