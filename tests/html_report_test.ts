/**
 * `--html FILE`: the report's contents (the server's bytes, a CSP whose
 * hashes match) and how it is written (atomically, never over an input or
 * a file that is not a report).
 */
import {
  assert,
  assertEquals,
  assertMatch,
  assertStringIncludes,
} from "@std/assert";
import { join } from "@std/path";
import {
  cliArgs,
  type CliResult,
  FIXTURES,
  runCli,
  withTempDir,
} from "./_cli.ts";
import { pstatsBytes } from "./_hostile_shapes.ts";
import { loadProfile } from "../lib/pstats/read.ts";
import { ColumnPacker, EmbeddedTextReader } from "../lib/report_bytes.ts";
import { allowedHosts, createHandler } from "../lib/server.ts";

function cli(...args: string[]): Promise<CliResult> {
  return runCli(args);
}

/** The value, or a failure saying what is missing (narrows the type). */
function must<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`No ${what}`);
  return value;
}

const withDir = withTempDir;

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(text),
  );
  return `sha256-${
    (new Uint8Array(digest) as Uint8Array & { toBase64(): string }).toBase64()
  }`;
}

/** The page as the browser reads it: in the encoding its meta says. */
async function readPage(path: string): Promise<string> {
  return new TextDecoder("windows-1252").decode(await Deno.readFile(path));
}

/**
 * The bytes a data element's text carries, as the page gets them back: read
 * one byte a character, decompressed, and an encoded profile's columns put
 * back in place (`lib/report_bytes.ts`).
 */
async function embeddedBytes(text: string): Promise<Uint8Array> {
  const reader = new EmbeddedTextReader(text);
  const compressed: Uint8Array<ArrayBuffer>[] = [];
  for (let slice; (slice = reader.next(1 << 16)) !== undefined;) {
    compressed.push(slice);
  }
  const packed = new Uint8Array(
    await new Response(
      new Blob(compressed).stream().pipeThrough(
        new DecompressionStream("gzip"),
      ),
    ).arrayBuffer(),
  );
  const packer = new ColumnPacker("unpack");
  return new Uint8Array(
    await new Blob([...packer.push(packed), ...packer.end()]).arrayBuffer(),
  );
}

Deno.test("--html embeds the bytes the server sends, behind a CSP of hashes", async () => {
  await withDir(async (dir) => {
    const out = join(dir, "report.html");
    const result = await cli("--html", out, "cprofile-3.13.pstats");
    assertEquals(result.code, 0, result.stderr);
    assertStringIncludes(result.stdout, `Wrote ${out} (`);
    const page = await readPage(out);
    assertStringIncludes(page, '<meta charset="windows-1252">');

    const data = must(
      page.match(
        /<script type="application\/x-profiling-explorer" data-path="\/api\/profile" data-length="(\d+)">([^<]*)<\/script>/,
      ),
      "profile in the page",
    );
    const embedded = await embeddedBytes(data[2]!);
    const profile = loadProfile([{
      source: "cprofile-3.13.pstats",
      bytes: await Deno.readFile(join(FIXTURES, "cprofile-3.13.pstats")),
    }], { cwd: FIXTURES });
    const served = await createHandler({
      profile,
      isAllowedHost: allowedHosts("127.0.0.1", 8099),
    })(new Request("http://127.0.0.1:8099/api/profile"));
    const bytes = new Uint8Array(await served.arrayBuffer());
    assertEquals(Number(data[1]), bytes.length);
    assertEquals(embedded, bytes);
    // Not the name and file sort order: the page works it out.
    assert(!page.includes('data-path="/api/order"'), "no order");
    // Outside the data, the page is ASCII, which reads the same in any
    // encoding.
    assert(
      !/[\x80-\uffff]/.test(
        page.replace(/(data-length="\d+">)[^<]*</g, "$1<"),
      ),
      "only ASCII outside the data",
    );

    const csp = must(
      page.match(
        /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/,
      )?.[1],
      "CSP",
    );
    const script = must(
      page.match(/<script type="module">([\s\S]*?)<\/script>/),
      "inline script",
    );
    const style = must(page.match(/<style>([\s\S]*?)<\/style>/), "style");
    assertStringIncludes(csp, `script-src '${await sha256(script[1]!)}'`);
    assertStringIncludes(csp, `style-src '${await sha256(style[1]!)}'`);
    assertStringIncludes(csp, "default-src 'none'");
    assert(!/unsafe-(eval|inline)/.test(csp), csp);
    assert(!/(src|href)="(https?:|\/)/.test(page), "nothing to fetch");
  });
});

Deno.test("--html replaces an earlier report atomically and leaves nothing behind", async () => {
  await withDir(async (dir) => {
    const out = join(dir, "report.html");
    assertEquals((await cli("--html", out, "cprofile-3.13.pstats")).code, 0);
    const first = await Deno.readTextFile(out);
    const again = await cli("--html", out, "sampled.pstats");
    assertEquals(again.code, 0, again.stderr);
    assert((await Deno.readTextFile(out)) !== first, "the report is new");
    const names = [...Deno.readDirSync(dir)].map((e) => e.name);
    assertEquals(names, ["report.html"]);
  });
});

Deno.test("--html never writes over an input or a file that is not a report", async () => {
  await withDir(async (dir) => {
    const input = join(dir, "run.pstats");
    await Deno.copyFile(join(FIXTURES, "cprofile-3.13.pstats"), input);
    const before = await Deno.readFile(input);
    const over = await cli("--html", input, input);
    assertEquals(over.code, 2);
    assertMatch(
      over.stderr,
      /^profiling-explorer: .*run\.pstats: Won't write the report over an input file\n$/,
    );
    assertEquals(await Deno.readFile(input), before);

    const notes = join(dir, "notes.html");
    await Deno.writeTextFile(notes, "<p>my notes</p>\n");
    const other = await cli("--html", notes, "cprofile-3.13.pstats");
    assertEquals(other.code, 1);
    assertStringIncludes(
      other.stderr,
      "Exists and is not a profiling-explorer report",
    );
    assertEquals(await Deno.readTextFile(notes), "<p>my notes</p>\n");

    const nowhere = await cli(
      "--html",
      join(dir, "missing", "report.html"),
      "cprofile-3.13.pstats",
    );
    assertEquals(nowhere.code, 1);
    assertStringIncludes(
      nowhere.stderr,
      "No such folder to write the report in",
    );

    const folder = await cli("--html", dir, "cprofile-3.13.pstats");
    assertEquals(folder.code, 1);
    assertStringIncludes(folder.stderr, "Is a directory");
  });
});

Deno.test("--html at a pipe or a device refuses it at once, without opening it", async () => {
  await withDir(async (dir) => {
    const fifo = join(dir, "report.html");
    const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
    assertEquals(made.code, 0);
    for (const out of [fifo, "/dev/null"]) {
      const result = await runCli(
        ["--html", out, "cprofile-3.13.pstats"],
        FIXTURES,
        undefined,
        AbortSignal.timeout(30_000),
      );
      assertEquals(result.code, 1, result.stderr);
      assertEquals(
        result.stderr,
        `profiling-explorer: ${out}: Is not a regular file (a pipe, device or socket): give the report's file name\n`,
      );
    }
  });
});

Deno.test("Ctrl+C while --html writes removes the half-written file", async () => {
  await withDir(async (dir) => {
    // 60,000 functions of long names that compress badly: a report that
    // takes a while to compress and write (with short names it was written,
    // now and then, before the signal came).
    const entries = Array.from({ length: 60_000 }, (_, i) => ({
      file: `/srv/app/p${i % 700}/m${i % 53}.py`,
      line: i + 1,
      name: Array.from(
        { length: 20 },
        (_, k) => ((i + 1) * 2654435761 * (k + 7) >>> 0).toString(36),
      ).join("_"),
      calls: 1 + (i % 7),
      primitiveCalls: 1 + (i % 7),
      internalTime: (i % 97) / 1e4,
      cumulativeTime: (i % 89) / 1e3,
      callers: [] as [number, number, number, number, number][],
    }));
    await Deno.writeFile(join(dir, "big.pstats"), pstatsBytes(entries));
    const watcher = Deno.watchFs(dir);
    const child = new Deno.Command(Deno.execPath(), {
      args: [...cliArgs(), "--html", "report.html", "big.pstats"],
      cwd: dir,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // The moment the temporary file appears, Ctrl+C.
    for await (const event of watcher) {
      if (event.paths.some((path) => path.endsWith(".tmp"))) {
        child.kill("SIGINT");
        break;
      }
    }
    watcher.close();
    const { code, signal, stderr } = await child.output();
    // Exited by itself (130), not killed by the signal.
    assertEquals([code, signal], [130, null]);
    assertEquals(
      new TextDecoder().decode(stderr),
      "profiling-explorer: Interrupted\n",
    );
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), [
      "big.pstats",
    ]);
  });
});

Deno.test("--html with a bad input or with --format writes nothing", async () => {
  await withDir(async (dir) => {
    const out = join(dir, "report.html");
    const bad = await cli("--html", out, "bad/notes.txt");
    assertEquals(bad.code, 1);
    assertStringIncludes(bad.stderr, "bad/notes.txt: Not a pstats file");
    const both = await cli("--html", out, "--format", "json", "many.pstats");
    assertEquals(both.code, 2);
    assertStringIncludes(
      both.stderr,
      "--html and --format can't be used together",
    );
    assertEquals([...Deno.readDirSync(dir)], []);
  });
});

Deno.test("--html under a file, as if it were a folder, says so", async () => {
  await withDir(async (dir) => {
    const file = join(dir, "notes.txt");
    await Deno.writeTextFile(file, "notes\n");
    const under = await cli("--html", join(file, "r.html"), "many.pstats");
    assertEquals(under.code, 1);
    assertEquals(
      under.stderr,
      `profiling-explorer: ${
        join(file, "r.html")
      }: No such folder to write the report in\n`,
    );
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["notes.txt"]);
  });
});

Deno.test("--html shows control characters in the report's name visibly", async () => {
  await withDir(async (dir) => {
    const result = await cli(
      "--html",
      join(dir, "r\x1b[2J.html"),
      "cprofile-3.13.pstats",
    );
    assertEquals(result.code, 0);
    assertStringIncludes(result.stdout, "r\\x1b[2J.html");
    assert(!result.stdout.includes("\x1b"));
  });
});

Deno.test("--html opens on the filter, sort and groups asked for", async () => {
  await withDir(async (dir) => {
    const out = join(dir, "report.html");
    const result = await cli(
      "--html",
      out,
      "--by",
      "file",
      "--filter",
      "shop",
      "--sort",
      "name",
      "--reverse",
      "shop.pstats",
    );
    assertEquals(result.code, 0);
    assertStringIncludes(
      await Deno.readTextFile(out),
      '<meta name="profiling-explorer-start" content="?tab=groups&amp;by=file&amp;q=shop&amp;sort=name&amp;desc=1">',
    );
  });
});

Deno.test("--html titles the report with control characters shown visibly", async () => {
  await withDir(async (dir) => {
    const input = join(dir, "run\x1b[31m\u202eslo.pstats");
    await Deno.copyFile(join(FIXTURES, "cprofile-3.13.pstats"), input);
    const out = join(dir, "report.html");
    assertEquals((await cli("--html", out, input)).code, 0);
    const title = must(
      /<title>(.*)<\/title>/.exec(await Deno.readTextFile(out)),
      "title",
    )[1]!;
    assertStringIncludes(title, "run\\x1b[31m\\u202eslo.pstats");
    assert(!title.includes("\x1b") && !title.includes("\u202e"), title);
  });
});

Deno.test("--html with --base carries both profiles, each as the server sends it", async () => {
  await withDir(async (dir) => {
    const out = join(dir, "compare.html");
    const result = await cli(
      "--html",
      out,
      "--base",
      "compare/before.pstats",
      "compare/after.pstats",
    );
    assertEquals(result.code, 0, result.stderr);
    const page = await readPage(out);
    const paths = [...page.matchAll(/ data-path="([^"]+)"/g)].map((m) => m[1]);
    assertEquals(paths, ["/api/profile", "/api/base"]);
    // Without --base there is no /api/base to embed.
    await cli("--html", out, "compare/after.pstats");
    const single = await readPage(out);
    assertEquals(
      [...single.matchAll(/ data-path="([^"]+)"/g)].map((m) => m[1]),
      ["/api/profile"],
    );
  });
});

Deno.test("--html of two runs opens on the threshold and kinds asked for, the largest speedup first", async () => {
  await withDir(async (dir) => {
    const out = join(dir, "report.html");
    const result = await cli(
      "--html",
      out,
      "--base",
      "compare/before.pstats",
      "--only",
      "faster",
      "--threshold",
      "1,10",
      "compare/after.pstats",
    );
    assertEquals(result.code, 0, result.stderr);
    // The largest speedup first is the natural order of --only faster: no
    // desc in the URL.
    assertStringIncludes(
      await Deno.readTextFile(out),
      '<meta name="profiling-explorer-start" content="?only=faster&amp;threshold=1%2C10&amp;tab=compare">',
    );
  });
});
