/**
 * The server's source and editor routes (`/api/source`, `POST /api/open`),
 * called through the program's handler with real files on disk: every
 * refusal, the secret and origin checks, and a stub editor that records the
 * arguments it is started with.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { EditorLauncher } from "../lib/editor_launch.ts";
import { buildProfile, statsFile } from "../lib/pstats/build.ts";
import { sourceCatalog } from "../lib/source_access.ts";
import type { SourceServing } from "../lib/source_routes.ts";
import { UI_ASSETS } from "./_page.ts";
import { handlerOf, jsonOf, ORIGIN, statusOf } from "./_handler.ts";
import { writeStubEditor } from "./_stub_editor.ts";
const SECRET = "a".repeat(64);

interface Project {
  dir: string;
  record: string;
  handler: (request: Request) => Promise<Response>;
}

/** The files a hostile profile names, relative to the project folder. */
const NAMED = [
  "app/main.py",
  "app/big.py",
  "app/pipe.py",
  "app/null.py",
  "app/passwd.py",
  "app/changed.py",
  "app/gone.py",
  "app/pkg.py",
  "id_rsa",
  "app/../app/main.py",
];

async function withProject(
  body: (project: Project) => Promise<void>,
  serving: Partial<SourceServing> = {},
): Promise<void> {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  try {
    await Deno.mkdir(`${dir}/app`);
    await Deno.mkdir(`${dir}/app/pkg.py`);
    await Deno.writeTextFile(
      `${dir}/app/main.py`,
      "def main():\n    return 1\n",
    );
    await Deno.writeTextFile(`${dir}/app/changed.py`, "x = 1\n");
    await Deno.writeTextFile(`${dir}/id_rsa`, "PRIVATE KEY\n");
    const big = await Deno.open(`${dir}/app/big.py`, {
      write: true,
      create: true,
    });
    await big.truncate(4 * 1024 * 1024 + 1);
    big.close();
    assert(
      (await new Deno.Command("mkfifo", { args: [`${dir}/app/pipe.py`] })
        .output()).success,
    );
    await Deno.symlink("/dev/null", `${dir}/app/null.py`);
    await Deno.symlink("/etc/passwd", `${dir}/app/passwd.py`);
    const profileMtime = Date.now() - 60_000;
    // changed.py was modified after the profile was made.
    await Deno.utime(`${dir}/app/changed.py`, new Date(), new Date());
    await Deno.utime(
      `${dir}/app/main.py`,
      new Date(profileMtime - 60_000),
      new Date(profileMtime - 60_000),
    );
    const { stub, record } = await writeStubEditor(dir);
    const profile = buildProfile([statsFile(
      "run.pstats",
      NAMED.map((file, i) => ({
        key: [`/srv/project/${file}`, i + 1, `f${i}`] as const,
        calls: 1,
        primitiveCalls: 1,
        internalTime: 0,
        cumulativeTime: 0,
      })),
    )]);
    const sources: SourceServing = {
      catalog: sourceCatalog(profile.functions.file, {
        cwd: "/",
        rules: [{ from: "/srv/project", to: dir }],
      }),
      profileMtime,
      cwd: dir,
      secret: SECRET,
      editor: [stub, "{file}", "{line}"],
      editorUrl: null,
      launcher: new EditorLauncher({ hasTerminal: false }),
      ...serving,
    };
    const handler = handlerOf({
      assets: UI_ASSETS,
      profile,
      sources,
      page: { secret: SECRET, canOpen: true, editorUrl: null },
    });
    await body({ dir, record, handler });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function source(
  project: Project,
  file: string,
  line?: number,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const params = new URLSearchParams({ file });
  if (line !== undefined) params.set("line", String(line));
  const response = await project.handler(
    new Request(`${ORIGIN}/api/source?${params}`),
  );
  assertEquals(response.headers.get("x-content-type-options"), "nosniff");
  return {
    status: response.status,
    body: await jsonOf<Record<string, unknown>>(response),
  };
}

Deno.test("GET /api/source answers a file the profile names, through --map-path", async () => {
  await withProject(async (project) => {
    const { status, body } = await source(project, "/srv/project/app/main.py");
    assertEquals(status, 200);
    assertEquals(body.lines, ["def main():", "    return 1", ""]);
    assertEquals(body.path, `${project.dir}/app/main.py`);
    assertEquals([body.changed, body.note, body.undecodable], [false, null, 0]);
  });
});

Deno.test("GET /api/source refuses every file it must not show", async () => {
  await withProject(async (project) => {
    const cases: [string, number, string][] = [
      // Not named by the profile: traversal, other files, the real path.
      ["/srv/project/app/../../../etc/passwd.py", 403, "not-named"],
      ["/etc/passwd", 403, "not-named"],
      [`${project.dir}/app/main.py`, 403, "not-named"],
      ["app/main.py", 403, "not-named"],
      // Named, but not Python source: by name, or by a link's target.
      ["/srv/project/id_rsa", 403, "not-python"],
      ["/srv/project/app/passwd.py", 403, "not-python"],
      ["/srv/project/app/null.py", 403, "not-python"],
      // Not a regular file.
      ["/srv/project/app/pipe.py", 403, "not-regular"],
      ["/srv/project/app/pkg.py", 403, "not-regular"],
      // Too big.
      ["/srv/project/app/big.py", 413, "too-big"],
      // Not there.
      ["/srv/project/app/gone.py", 404, "missing"],
      // No file at all.
      ["~", 404, "no-file"],
    ];
    for (const [file, status, kind] of cases) {
      const answer = await source(project, file);
      assertEquals([answer.status, answer.body.kind], [status, kind], file);
      assertEquals(typeof answer.body.error, "string");
      assertEquals(answer.body.lines, undefined);
    }
  });
});

Deno.test("GET /api/source reads the profile's own traversal only where it leads, normalised", async () => {
  await withProject(async (project) => {
    // The profile names app/../app/main.py: that is app/main.py.
    const { status, body } = await source(
      project,
      "/srv/project/app/../app/main.py",
    );
    assertEquals(status, 200);
    assertEquals(body.path, `${project.dir}/app/main.py`);
  });
});

Deno.test("GET /api/source says a file changed since profiling, and a line past its end", async () => {
  await withProject(async (project) => {
    const changed = await source(project, "/srv/project/app/changed.py", 5);
    assertEquals(changed.status, 200);
    assertEquals(changed.body.changed, true);
    assertStringIncludes(String(changed.body.note), "Line 5 is past the end");
    const fine = await source(project, "/srv/project/app/main.py", 2);
    assertEquals(fine.body.note, null);
  });
});

Deno.test("GET /api/source suggests the mapping for a file found under the working directory", async () => {
  await withProject(async (project) => {
    const handler = handlerOf({
      profile: buildProfile([statsFile("run.pstats", [{
        key: ["/build/ci/app/main.py", 1, "main"],
        calls: 1,
        primitiveCalls: 1,
        internalTime: 0,
        cumulativeTime: 0,
      }])]),
      sources: {
        catalog: sourceCatalog(["/build/ci/app/main.py"], { cwd: project.dir }),
        profileMtime: null,
        cwd: project.dir,
        secret: SECRET,
        editor: null,
        editorUrl: null,
        launcher: new EditorLauncher({ hasTerminal: false }),
      },
    });
    const { status, body } = await source(
      { ...project, handler },
      "/build/ci/app/main.py",
    );
    assertEquals([status, body.kind], [404, "missing"]);
    assertEquals(body.suggestion, `--map-path /build/ci=${project.dir}`);
  });
});

Deno.test("GET /api/source answers only GET and HEAD, and 404 without sources", async () => {
  await withProject(async (project) => {
    const post = await project.handler(
      new Request(`${ORIGIN}/api/source?file=x`, { method: "POST" }),
    );
    assertEquals([post.status, post.headers.get("allow")], [405, "GET, HEAD"]);
    await post.body?.cancel();
  });
  const bare = handlerOf({ profile: buildProfile([]) });
  assertEquals(await statusOf(bare, "/api/source?file=x.py"), 404);
});

function openRequest(
  body: unknown,
  headers: Record<string, string> = {
    origin: ORIGIN,
    "x-explorer-secret": SECRET,
  },
): Request {
  return new Request(`${ORIGIN}/api/open`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

Deno.test("POST /api/open starts the editor with the file's real path and line", async () => {
  await withProject(async (project) => {
    const response = await project.handler(
      openRequest({ file: "/srv/project/app/main.py", line: 2 }),
    );
    assertEquals(response.status, 200);
    assertEquals(await response.json(), {
      ok: true,
      message: "Opened in stub-editor",
    });
    assertEquals(
      await Deno.readTextFile(project.record),
      `${project.dir}/app/main.py\n2\n`,
    );
  });
});

Deno.test("POST /api/open refuses another origin, a missing or wrong secret, and GET", async () => {
  await withProject(async (project) => {
    const file = { file: "/srv/project/app/main.py", line: 1 };
    for (
      const headers of [
        { "x-explorer-secret": SECRET },
        { origin: "https://evil.example", "x-explorer-secret": SECRET },
        { origin: "null", "x-explorer-secret": SECRET },
        { origin: ORIGIN },
        { origin: ORIGIN, "x-explorer-secret": "b".repeat(64) },
        { origin: ORIGIN, "x-explorer-secret": SECRET.slice(1) },
      ]
    ) {
      const response = await project.handler(openRequest(file, headers));
      assertEquals(response.status, 403, JSON.stringify(headers));
      await response.body?.cancel();
    }
    const get = await project.handler(new Request(`${ORIGIN}/api/open`));
    assertEquals(get.status, 405);
    await get.body?.cancel();
    // Nothing was started.
    assertEquals(await Deno.stat(project.record).catch(() => null), null);
  });
});

Deno.test("POST /api/open refuses files by the same rules as /api/source", async () => {
  await withProject(async (project) => {
    for (
      const [file, status] of [
        ["/srv/project/id_rsa", 403],
        ["/srv/project/app/passwd.py", 403],
        ["/srv/project/app/pipe.py", 403],
        ["/etc/passwd", 403],
        ["/srv/project/app/gone.py", 404],
      ] as const
    ) {
      const response = await project.handler(openRequest({ file, line: 1 }));
      assertEquals(response.status, status, file);
      await response.body?.cancel();
    }
    const bad = await project.handler(openRequest({ file: 3 }));
    assertEquals(bad.status, 400);
    await bad.body?.cancel();
    assertEquals(await Deno.stat(project.record).catch(() => null), null);
  });
});

Deno.test("POST /api/open gives the --editor-url to follow instead of starting an editor", async () => {
  await withProject(async (project) => {
    const response = await project.handler(
      openRequest({ file: "/srv/project/app/main.py", line: 2 }),
    );
    assertEquals(await response.json(), {
      ok: true,
      url: `vscode://file${project.dir}/app/main.py:2`,
    });
    assertEquals(await Deno.stat(project.record).catch(() => null), null);
  }, { editorUrl: "vscode://file/{path}:{line}" });
});

Deno.test("POST /api/open says so when no editor is set", async () => {
  await withProject(async (project) => {
    const response = await project.handler(
      openRequest({ file: "/srv/project/app/main.py", line: 2 }),
    );
    const body = await response.json();
    assertEquals(body.ok, false);
    assertStringIncludes(body.message, "--editor");
  }, { editor: null });
});

Deno.test("the page's HTML carries the secret, and no API answers it", async () => {
  await withProject(async (project) => {
    const page = await (await project.handler(new Request(`${ORIGIN}/`)))
      .text();
    assertStringIncludes(
      page,
      `<meta name="explorer-source" content="{&quot;secret&quot;:&quot;${SECRET}&quot;`,
    );
    for (
      const path of [
        "/api/profile",
        "/api/functions",
        "/api/source?file=/srv/project/app/main.py",
      ]
    ) {
      const response = await project.handler(new Request(`${ORIGIN}${path}`));
      const bytes = new Uint8Array(await response.arrayBuffer());
      assert(!new TextDecoder("latin1").decode(bytes).includes(SECRET), path);
    }
  });
});

Deno.test("GET /api/sources lists the profile's Python files, found or not, with why", async () => {
  await withProject(async (project) => {
    const response = await project.handler(
      new Request(`${ORIGIN}/api/sources`),
    );
    assertEquals(response.status, 200);
    const body = await response.json() as {
      files: { name: string; found: boolean; error?: string }[];
    };
    const byName = new Map(body.files.map((f) => [f.name, f]));
    // id_rsa is no Python file: not even listed.
    assertEquals(byName.has("/srv/project/id_rsa"), false);
    assertEquals(byName.get("/srv/project/app/main.py")?.found, true);
    assertEquals(byName.get("/srv/project/app/changed.py")?.found, true);
    for (
      const name of [
        "/srv/project/app/big.py",
        "/srv/project/app/pipe.py",
        "/srv/project/app/passwd.py",
        "/srv/project/app/gone.py",
      ]
    ) {
      assertEquals(byName.get(name)?.found, false, name);
      assertEquals(typeof byName.get(name)?.error, "string", name);
    }
  });
});
