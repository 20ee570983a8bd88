import {
  assert,
  assertEquals,
  assertMatch,
  assertStringIncludes,
} from "@std/assert";
import {
  assertOneLineError,
  cliArgs,
  exploreOnFreePort,
  FIXTURES,
  foldedTotal,
  lineCount,
  type Report,
  runCli,
  runJsonReport,
  withTempDir,
} from "./_cli.ts";
import { type Expected, readExpected } from "./_expected.ts";
import {
  type ChildExit,
  type ServerChild,
  startServer,
} from "./_server_child.ts";
import denoJson from "../deno.json" with { type: "json" };

const cli = runCli;

/** Runs `--format json` with the arguments; the run must succeed. */
async function jsonReport(...args: string[]): Promise<Report> {
  return (await runJsonReport<Report>(args))[0];
}

function expected(name: string): Expected {
  return readExpected(`${FIXTURES}${name}.expected.json`);
}

Deno.test("--help prints the usage to stdout and exits 0", async () => {
  const result = await cli(["--help"]);
  assertEquals(result.code, 0);
  assertEquals(result.stderr, "");
  for (
    const flag of [
      "--format",
      "--sort",
      "--reverse",
      "--limit",
      "--filter",
      "--host",
      "--port",
      "--no-open",
      "--version",
    ]
  ) {
    assertStringIncludes(result.stdout, flag);
  }
  for (const line of result.stdout.split("\n")) {
    assert(line.length <= 80, `Wider than 80 columns: ${line}`);
  }
});

Deno.test("--version prints the version from deno.json", async () => {
  const result = await cli(["--version"]);
  assertEquals(result.code, 0);
  assertEquals(result.stdout.trim(), `profiling-explorer ${denoJson.version}`);
});

Deno.test("misuse exits 2 with one line that points to --help", async () => {
  const cases: [string[], string][] = [
    [[], "No pstats file given"],
    [["--bogus", "a.pstats"], "Unknown option --bogus"],
    [["--format", "xml", "a.pstats"], 'Invalid --format "xml"'],
    [
      ["--format", "json", "--sort", "speed", "a.pstats"],
      'Invalid --sort "speed"',
    ],
    [["--format", "json", "--limit=-3", "a.pstats"], 'Invalid --limit "-3"'],
    [
      ["--format", "json", "--limit", "ten", "a.pstats"],
      'Invalid --limit "ten"',
    ],
    [["--port", "70000", "a.pstats"], 'Invalid --port "70000"'],
    [["--format", "json", "-n", "-1", "a.pstats"], 'Invalid --limit "-1"'],
    [["--port", "-5", "a.pstats"], 'Invalid --port "-5"'],
    [["-f", "json", "-"], "Can't read a profile from standard input (-)"],
    [
      ["-f", "collapsed", "--min-share", "-1", "a.pstats"],
      'Invalid --min-share "-1"',
    ],
  ];
  for (const [args, message] of cases) {
    assertOneLineError(await cli(args), 2, message, "(see --help)");
  }
});

Deno.test("a missing file exits 1 naming the file", async () => {
  assertOneLineError(
    await cli(["--format", "json", "nope.pstats"]),
    1,
    "nope.pstats: No such file",
  );
});

Deno.test("a folder without profiles exits 1 naming it", async () => {
  assertOneLineError(
    await cli(["--format", "json", "folder"]),
    1,
    "folder: No .prof or .pstats files in this folder",
  );
});

Deno.test("each kind of bad file exits 1 with one line naming the file and the problem", async () => {
  const cases: [string, string][] = [
    ["bad/compiled.pyc", "compiled Python bytecode"],
    ["bad/notes.txt", "it is text"],
    ["bad/not-a-dict.pstats", "not a dict of functions"],
    ["bad/wrong-key.pstats", "expected (file, line, function)"],
    ["bad/wrong-value.pstats", "expected (cc, nc, tt, ct, callers)"],
  ];
  for (const [file, message] of cases) {
    assertOneLineError(
      await cli(["--format", "table", file]),
      1,
      `${file}: `,
      message,
    );
  }
});

Deno.test("truncated, corrupted, deep and empty files fail fast with one line", async () => {
  await withTempDir(async (dir) => {
    const good = await Deno.readFile(`${FIXTURES}cprofile-3.13.pstats`);
    const deep = new Uint8Array(400_001);
    deep[0] = 0x7b; // '{' then 200,000 one-item small tuples
    for (let i = 1; i < deep.length - 1; i += 2) {
      deep[i] = 0x29;
      deep[i + 1] = 1;
    }
    const absurd = Uint8Array.of(0x7b, 0x28, 0xff, 0xff, 0xff, 0x7f, 0x30);
    const dangling = Uint8Array.of(0x7b, 0x72, 9, 0, 0, 0, 0x30);
    const corrupted = good.slice();
    corrupted.fill(0x07, 200, 260);
    const trailing = new Uint8Array(good.length + 2);
    trailing.set(good);
    const files: [string, Uint8Array, string][] = [
      [
        "truncated.pstats",
        good.subarray(0, good.length - 7),
        "Truncated data at byte",
      ],
      ["corrupted.pstats", corrupted, "at byte"],
      ["deep.pstats", deep, "Nesting too deep at byte"],
      ["absurd.pstats", absurd, "Invalid length at byte 2"],
      ["dangling.pstats", dangling, "Invalid reference at byte 1"],
      ["trailing.pstats", trailing, `Unexpected data at byte ${good.length}`],
      ["empty.pstats", new Uint8Array(), "it is empty"],
    ];
    for (const [name, bytes, message] of files) {
      await Deno.writeFile(`${dir}/${name}`, bytes);
      const start = performance.now();
      const result = await cli(["--format", "json", name], dir);
      assertOneLineError(result, 1, `${name}: `, message);
      // Well under a second of work, on top of starting Deno.
      assert(performance.now() - start < 5000, `${name} took too long`);
    }
  });
});

Deno.test("--format json reports every function exactly as Python reads it", async () => {
  const report = await jsonReport("cprofile-3.13.pstats");
  const want = expected("cprofile-3.13");
  assertEquals(report.files, ["cprofile-3.13.pstats"]);
  assertEquals(report.sampled, false);
  assertEquals(report.total_calls, want.total_calls);
  assertEquals(report.primitive_calls, want.primitive_calls);
  assert(Math.abs(report.total_time - want.total_time) < 1e-12);
  assertEquals(report.functions.length, want.functions.length);
  for (const fn of want.functions) {
    const got = report.functions.find((f) =>
      f.file === fn.file && f.line === fn.line && f.name === fn.name
    );
    if (!got) throw new Error(`${fn.file}:${fn.line}(${fn.name}) is missing`);
    assertEquals(
      [got.calls, got.primitive_calls, got.internal_time, got.cumulative_time],
      [fn.nc, fn.cc, fn.tt, fn.ct],
    );
    const callers = fn.callers.map((c) => {
      const [nc, cc, tt, ct] = c.value as number[];
      return {
        file: c.file,
        line: c.line,
        name: c.name,
        calls: nc,
        primitive_calls: cc,
        internal_time: tt,
        cumulative_time: ct,
      };
    });
    const key = (c: Record<string, unknown>) => `${c.file}:${c.line}:${c.name}`;
    assertEquals(
      [...got.callers].sort((a, b) => key(a).localeCompare(key(b))),
      callers.sort((a, b) => key(a).localeCompare(key(b))),
    );
  }
});

Deno.test("--format json sorts by cumulative time, largest first, by default", async () => {
  const report = await jsonReport("cprofile-3.12.pstats");
  const times = report.functions.map((f) => f.cumulative_time);
  assertEquals(times, [...times].sort((a, b) => b - a));
});

Deno.test("--format json of a sampled profile reports samples and counts-only callers", async () => {
  const report = await jsonReport("sampled.pstats");
  const want = expected("sampled");
  assertEquals(report.sampled, true);
  assertEquals(report.total_calls, want.total_calls);
  for (const fn of want.functions) {
    const got = report.functions.find((f) =>
      f.name === fn.name && f.file === fn.file
    )!;
    assertEquals(got.calls, fn.nc, "calls are cumulative samples");
    assertEquals(
      got.primitive_calls,
      fn.cc,
      "primitive calls are direct samples",
    );
    for (const caller of got.callers) {
      assertEquals(Object.keys(caller).sort(), [
        "calls",
        "file",
        "line",
        "name",
      ]);
    }
  }
});

Deno.test("--format json of two files merges them like pstats.Stats(a, b)", async () => {
  const report = await jsonReport(
    "cprofile-3.13.pstats",
    "cprofile-3.13-b.pstats",
  );
  const want = expected("merged");
  assertEquals(report.files, [
    "cprofile-3.13.pstats",
    "cprofile-3.13-b.pstats",
  ]);
  assertEquals(report.total_calls, want.total_calls);
  assertEquals(report.functions.length, want.functions.length);
});

Deno.test("--format json reads yappi's counts the right way round", async () => {
  const report = await jsonReport("yappi.pstats");
  for (const fn of report.functions) {
    assert(
      fn.primitive_calls <= fn.calls,
      `${fn.name}: ${fn.primitive_calls} > ${fn.calls}`,
    );
  }
  assert(
    report.functions.some((f) => f.primitive_calls < f.calls),
    "recursion shows",
  );
});

Deno.test("--format csv prints a header and one quoted row per function", async () => {
  const result = await cli([
    "--format",
    "csv",
    "--sort",
    "name",
    "cprofile-3.13.pstats",
  ]);
  assertEquals(result.code, 0);
  const lines = result.stdout.split("\r\n").filter((l) => l !== "");
  assertEquals(
    lines[0],
    "file,line,name,calls,primitive_calls,internal_time,cumulative_time",
  );
  assertEquals(lines.length - 1, expected("cprofile-3.13").functions.length);
  assert(lines.some((l) => l.includes("<built-in method builtins.len>")));
});

Deno.test("--format csv names the count columns samples for a sampled profile", async () => {
  const result = await cli(["--format", "csv", "sampled.pstats"]);
  assertStringIncludes(
    result.stdout.split("\r\n")[0]!,
    "cumulative_samples,direct_samples",
  );
});

Deno.test("--format table shows a readable summary and aligned rows", async () => {
  const result = await cli([
    "--format",
    "table",
    "--limit",
    "5",
    "cprofile-3.13.pstats",
  ]);
  assertEquals(result.code, 0, result.stderr);
  const want = expected("cprofile-3.13");
  const count = want.total_calls.toLocaleString("en-US");
  assertStringIncludes(result.stdout, `${count} function calls`);
  assertStringIncludes(
    result.stdout,
    "Sorted by cumulative time; showing 5 of",
  );
  assertStringIncludes(result.stdout, "internal ms");
  const rows = result.stdout.split("\n").filter((l) =>
    /^\s*[\d,/]+\s+[\d.,]+\s/.test(l)
  );
  assertEquals(rows.length, 5);
  assert(rows.every((r) => r.indexOf("  ") >= 0));
  assertStringIncludes(
    result.stdout,
    "more functions (use --limit to see more)",
  );
});

Deno.test("--format table of a sampled profile talks about samples", async () => {
  const result = await cli(["--format", "table", "sampled.pstats"]);
  assertStringIncludes(result.stdout, "40 samples");
  assertStringIncludes(result.stdout, "direct %");
  assert(!result.stdout.includes("function calls"));
});

Deno.test("--filter keeps functions matching every term, in name or location", async () => {
  const report = await jsonReport(
    "--filter",
    "WORKLOAD fib",
    "cprofile-3.13.pstats",
  );
  assert(report.functions.length > 0);
  for (const fn of report.functions) {
    assertEquals(fn.file, "workload.py");
    assertStringIncludes(fn.name.toLowerCase() + fn.file, "fib");
  }
});

Deno.test("--sort accepts pstats' names, and --reverse flips the order", async () => {
  const forward = await jsonReport("--sort", "tottime", "cprofile-3.13.pstats");
  const times = forward.functions.map((f) => f.internal_time);
  assertEquals(times, [...times].sort((a, b) => b - a));
  const reversed = await jsonReport(
    "--sort",
    "name",
    "--reverse",
    "cprofile-3.13.pstats",
  );
  const names = reversed.functions.map((f) => f.name);
  assert(names[0]! >= names.at(-1)!);
});

Deno.test("the input files are only ever read", async () => {
  const path = `${FIXTURES}cprofile-3.11.pstats`;
  const before = await Deno.readFile(path);
  const stat = await Deno.stat(path);
  await cli(["--format", "csv", "cprofile-3.11.pstats"]);
  assertEquals(await Deno.readFile(path), before);
  assertEquals((await Deno.stat(path)).mtime, stat.mtime);
});

/**
 * Starts the explorer where no browser can start, and waits for the line
 * with its address.
 */
function startExplorer(args: string[]): Promise<ServerChild> {
  return startServer(Deno.execPath(), [...cliArgs(), ...args], {
    cwd: FIXTURES,
    // Where xdg-open is installed, make it fail rather than start a browser.
    env: { BROWSER: "false", DISPLAY: "", WAYLAND_DISPLAY: "" },
  });
}

Deno.test("the explorer serves the page on a free port and stops cleanly on Ctrl+C", async () => {
  const explorer = await startExplorer([
    "--port",
    "0",
    "--no-open",
    "cprofile-3.13.pstats",
  ]);
  try {
    assertMatch(explorer.url.href, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(explorer.url);
    assertEquals(page.status, 200);
    assertStringIncludes(await page.text(), "<html");
    const data = await fetch(new URL("/api/profile", explorer.url));
    assertEquals(data.status, 200);
    assert((await data.arrayBuffer()).byteLength > 1000);
  } finally {
    const result = await explorer.stop("SIGINT");
    assertEquals(result.code, 0, result.stderr);
    assertStringIncludes(result.stdout, "Press CTRL+C to quit.");
    assert(!result.stdout.includes("Opening in web browser"));
    assertStringIncludes(result.stdout, "Stopped.");
  }
});

Deno.test("a port in use is a one-line error that suggests --port", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const result = await cli([
      "--port",
      String(listener.addr.port),
      "--no-open",
      "cprofile-3.13.pstats",
    ]);
    assertOneLineError(
      result,
      1,
      `Port ${listener.addr.port} is already in use`,
      "--port",
    );
  } finally {
    listener.close();
  }
});

Deno.test("--host 0.0.0.0 warns that anyone on the network can read the profile", async () => {
  const explorer = await startExplorer([
    "--host",
    "0.0.0.0",
    "--port",
    "0",
    "--no-open",
    "sampled.pstats",
  ]);
  const result = await explorer.stop("SIGINT");
  assertEquals(result.code, 0);
  assertStringIncludes(result.stderr, "anyone who can reach this machine");
});

Deno.test("no browser to open is a note, not a failure", async () => {
  const explorer = await startExplorer(["--port", "0", "cprofile-3.13.pstats"]);
  let result: ChildExit | undefined;
  try {
    const page = await fetch(explorer.url);
    await page.body?.cancel();
    assertEquals(page.status, 200);
    // Give the opener time to fail where there is no browser.
    await new Promise((resolve) => setTimeout(resolve, 1000));
  } finally {
    result = await explorer.stop("SIGINT");
  }
  assertEquals(result.code, 0, result.stderr);
  assertStringIncludes(result.stdout, "Opening in web browser…");
  if (result.stderr !== "") {
    assertMatch(
      result.stderr.trim(),
      /^Could not open a web browser \(.+\); open http\S+ yourself\.$/,
    );
  }
});

Deno.test("--format collapsed prints the folded stacks Python computes for a tree-shaped profile", async () => {
  const want: { stacks: { frames: string[]; self: number }[] } = JSON.parse(
    await Deno.readTextFile(`${FIXTURES}call-tree.stacks.json`),
  );
  const result = await cli([
    "--format",
    "collapsed",
    "--min-share",
    "0",
    "call-tree.pstats",
  ]);
  assertEquals(result.code, 0, result.stderr);
  assertEquals(result.stderr, "");
  const got = new Map(
    result.stdout.trimEnd().split("\n").map((line) => {
      const at = line.lastIndexOf(" ");
      return [line.slice(0, at), Number(line.slice(at + 1))] as const;
    }),
  );
  const expected = want.stacks.filter((s) => Math.round(s.self * 1e6) > 0);
  assertEquals(got.size, expected.length);
  for (const { frames, self } of expected) {
    const weight = got.get(frames.join(";")) ?? Infinity;
    assert(Math.abs(weight - self * 1e6) <= 1, `${frames}: ${weight} µs`);
  }
});

Deno.test("--format collapsed --filter keeps the paths through matching functions; --min-share cuts", async () => {
  const filtered = await cli([
    "-f",
    "collapsed",
    "--filter",
    "normalize",
    "cprofile-3.13.pstats",
  ]);
  assertEquals(filtered.code, 0, filtered.stderr);
  const lines = filtered.stdout.trimEnd().split("\n");
  assert(lines.length >= 2, filtered.stdout);
  for (const line of lines) assertStringIncludes(line, ":31(normalize)");
  const all = await cli(["-f", "collapsed", "cprofile-3.13.pstats"]);
  const coarse = await cli([
    "-f",
    "collapsed",
    "--min-share",
    "5%",
    "cprofile-3.13.pstats",
  ]);
  assert(lineCount(coarse.stdout) < lineCount(all.stdout));
  assert(
    Math.abs(foldedTotal(coarse.stdout) - foldedTotal(all.stdout)) <=
      lineCount(all.stdout),
  );
  assertStringIncludes(coarse.stdout, "[other]");
});

Deno.test("--min-share and --format collapsed refuse what does not apply", async () => {
  const cases: [string[], string][] = [
    [["-f", "json", "--min-share", "1", "a.pstats"], "--min-share only"],
    [
      ["-f", "collapsed", "--min-share", "lots", "a.pstats"],
      'Invalid --min-share "lots"',
    ],
    [["-f", "collapsed", "--min-share", "101", "a.pstats"], "from 0 to 100"],
    [["-f", "collapsed", "--sort", "name", "a.pstats"], "--sort does not"],
    [["-f", "collapsed", "-n", "5", "a.pstats"], "--limit does not"],
  ];
  for (const [args, message] of cases) {
    assertOneLineError(await cli(args), 2, message, "(see --help)");
  }
});

Deno.test("the explorer opens on the filter, sort and direction asked for", async () => {
  const cases: [string[], string][] = [
    [["--filter", "shop models", "--sort", "name"], "?q=shop+models&sort=name"],
    [["--sort", "calls", "--reverse"], "?sort=calls&desc=0"],
    [
      ["--by", "file", "--sort", "internal"],
      "?tab=groups&by=file&sort=internal",
    ],
    [
      ["--base", "compare/before.pstats", "--only", "slower", "--reverse"],
      "?sort=cumulative_change&desc=0&only=slower&tab=compare",
    ],
    [[], ""],
    // A sampled profile opens on its functions, as from a bare URL.
    [["--filter", "order"], "?q=order&tab=groups&by=function"],
  ];
  for (const [args, search] of cases) {
    const files = args.includes("--base")
      ? ["compare/after.pstats"]
      : args.includes("order")
      ? ["shop-sampled.pstats"]
      : ["shop.pstats"];
    await using server = await exploreOnFreePort([...args, ...files], {
      cwd: FIXTURES,
    });
    assertEquals(new URL(server.url).search, search, args.join(" "));
  }
});
