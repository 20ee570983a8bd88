/**
 * Folders of profiles: tests/fixtures/folder/ is laid out as pytest-profiling
 * leaves it (scripts/fixtures/make_folder.py, run by a real Python, which
 * also wrote what pstats.Stats(*files) reads from each selection).
 */
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertMatch,
  assertStringIncludes,
} from "@std/assert";
import { join } from "@std/path";
import { findProfiles, pytestCombined } from "../lib/folder.ts";
import {
  assertOneLineError as assertOneLineErrorWithCode,
  cli,
  type CliResult,
  FIXTURES,
  MAIN,
  type Report,
  runCli,
  runJsonReport,
  START_PERMISSIONS,
  withTempDir,
} from "./_cli.ts";
import { type Expected, readExpected } from "./_expected.ts";

const PROF = "folder/prof";
const TESTS = [
  "test_checksum[1000].prof",
  "test_checksum[5000].prof",
  "test_count_words.prof",
  "test_fib.prof",
  "test_parity.prof",
  "test_vocabulary.prof",
].map((name) => `${PROF}/${name}`);
const WORKERS = [
  `${PROF}/workers/worker-1.pstats`,
  `${PROF}/workers/worker-2.pstats`,
];

function json(...args: string[]): Promise<[Report, string]> {
  return runJsonReport<Report>(args);
}

function expected(name: string): Expected {
  return readExpected(`${FIXTURES}folder-${name}.expected.json`);
}

/** Every function's numbers are those pstats.Stats(*files) read. */
function assertMergedLikePython(report: Report, want: Expected) {
  assertEquals(report.total_calls, want.total_calls);
  assertEquals(report.primitive_calls, want.primitive_calls);
  assertAlmostEquals(report.total_time, want.total_time, 1e-12);
  assertEquals(report.functions.length, want.functions.length);
  const key = (f: { file: string; line: number; name: string }) =>
    `${f.file}:${f.line}(${f.name})`;
  const got = new Map(report.functions.map((f) => [key(f), f]));
  for (const w of want.functions) {
    const f = got.get(key(w));
    if (f === undefined) throw new Error(`${key(w)} is not in the report`);
    assertEquals([f.calls, f.primitive_calls], [w.nc, w.cc], key(w));
    assertAlmostEquals(f.internal_time, w.tt, 1e-12, key(w));
    assertAlmostEquals(f.cumulative_time, w.ct, 1e-12, key(w));
  }
}

/** A failure is one line on stderr, no stack trace, nothing on stdout. */
function assertOneLineError(result: CliResult, ...parts: string[]) {
  assertOneLineErrorWithCode(result, 1, ...parts);
}

Deno.test("findProfiles() lists .prof and .pstats files, sorted, below only if asked", async () => {
  const here = join(FIXTURES, PROF);
  assertEquals(
    await findProfiles(here),
    [...TESTS.map((p) => join(FIXTURES, p)), join(here, "combined.prof")]
      .sort(),
  );
  const below = await findProfiles(here, { recursive: true });
  assertEquals(below.length, TESTS.length + 1 + WORKERS.length);
  assert(!below.some((p) => p.endsWith(".svg") || p.endsWith(".txt")));
});

Deno.test("findProfiles() follows links to files, not to folders (no loops)", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(join(dir, "sub"));
    await Deno.copyFile(join(FIXTURES, TESTS[0]!), join(dir, "sub", "a.prof"));
    await Deno.symlink(join(dir, "sub", "a.prof"), join(dir, "link.prof"));
    await Deno.symlink(dir, join(dir, "sub", "loop"));
    await Deno.symlink(join(dir, "gone.prof"), join(dir, "broken.prof"));
    assertEquals(await findProfiles(dir, { recursive: true }), [
      join(dir, "broken.prof"),
      join(dir, "link.prof"),
      join(dir, "sub", "a.prof"),
    ]);
    // The broken link is reported by name when read.
    const result = await cli("--format", "json", dir);
    assertOneLineError(result, "broken.prof: No such file");
  });
});

Deno.test("pytestCombined() finds combined.prof only beside the files it sums", () => {
  assertEquals(pytestCombined([...TESTS, `${PROF}/combined.prof`]), [
    { path: `${PROF}/combined.prof`, sums: 6 },
  ]);
  assertEquals(pytestCombined([`${PROF}/combined.prof`, ...WORKERS]), []);
});

Deno.test("a folder merges its profiles like pstats.Stats(*files), leaving out combined.prof", async () => {
  const [report, stderr] = await json(PROF);
  assertEquals(report.files, TESTS);
  assertMergedLikePython(report, expected("flat"));
  assertStringIncludes(stderr, `Found 6 profiles in ${PROF}\n`);
  assertStringIncludes(
    stderr,
    `${PROF}/combined.prof left out: pytest-profiling's sum of the 6 .prof files beside it`,
  );
});

Deno.test("--recursive reads the folders below too", async () => {
  const [report, stderr] = await json("--recursive", PROF);
  assertEquals(report.files, [...TESTS, ...WORKERS]);
  assertMergedLikePython(report, expected("recursive"));
  assertStringIncludes(stderr, "Found 8 profiles");
  // Without it, a folder holding only folders says where to look.
  assertOneLineError(
    await cli("--format", "json", "folder"),
    "folder: No .prof or .pstats files in this folder",
    "--recursive",
  );
});

Deno.test("combined.prof named explicitly is read, alone or with its folder", async () => {
  const [alone] = await json(`${PROF}/combined.prof`);
  assertMergedLikePython(alone, expected("combined"));
  const [both, stderr] = await json(PROF, `${PROF}/combined.prof`);
  assertEquals(both.files, [`${PROF}/combined.prof`, ...TESTS]);
  assertEquals(both.total_calls, 2 * expected("flat").total_calls);
  assert(!stderr.includes("left out"), stderr);
  assertStringIncludes(
    stderr,
    `Warning: ${PROF}/combined.prof is named with its folder ${PROF}: it is pytest-profiling's sum of the 6 .prof files read from there, so they count twice`,
  );
});

Deno.test("a folder with a bad file exits 1 naming it and suggesting --skip-bad", async () => {
  assertOneLineError(
    await cli("--format", "json", "bad"),
    "bad/not-a-dict.pstats: Not a pstats file",
    "(--skip-bad reads the others)",
  );
});

Deno.test("--skip-bad goes on past bad files and lists them", async () => {
  const [report, stderr] = await json("--skip-bad", PROF, "bad");
  assertMergedLikePython(report, expected("flat"));
  assertStringIncludes(stderr, "Skipped 3 bad files of 9:\n");
  for (const name of ["not-a-dict", "wrong-key", "wrong-value"]) {
    assertMatch(stderr, new RegExp(`\n  bad/${name}\\.pstats: \\S`));
  }
  const none = await cli("--format", "json", "--skip-bad", "bad");
  assertEquals(none.code, 1);
  assertEquals(none.stdout, "");
  assertEquals(
    none.stderr.trimEnd().split("\n").at(-1),
    "profiling-explorer: No profile could be read: every file was bad",
  );
  // Comparing: which side had nothing.
  const noBase = await cli(
    "--format",
    "json",
    "--skip-bad",
    "--base",
    "bad",
    PROF,
  );
  assertEquals(noBase.code, 1);
  assertEquals(
    noBase.stderr.trimEnd().split("\n").at(-1),
    "profiling-explorer: No profile could be read for --base (the run before): every file was bad",
  );
});

Deno.test("thousands of files in a folder merge without an argument per file", async () => {
  await withTempDir(async (dir) => {
    const one = await Deno.readFile(join(FIXTURES, TESTS[3]!));
    const copies = 3000;
    for (let i = 0; i < copies; i++) {
      await Deno.writeFile(join(dir, `test_${i}.prof`), one);
    }
    const [single] = await json(TESTS[3]!);
    const [report, stderr] = await json(dir);
    assertEquals(report.files.length, copies);
    assertEquals(report.total_calls, copies * single.total_calls);
    assertEquals(report.functions.length, single.functions.length);
    assertStringIncludes(stderr, "Found 3,000 profiles");
  });
});

/** util-linux `script`, to run the command on a terminal. */
const SCRIPT = ["/usr/bin/script", "/bin/script"].find((path) => {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
});

Deno.test({
  name: "on a terminal, reading hundreds of files shows a progress line",
  ignore: SCRIPT === undefined,
  async fn() {
    await withTempDir(async (dir) => {
      const one = await Deno.readFile(join(FIXTURES, TESTS[3]!));
      for (let i = 0; i < 250; i++) {
        await Deno.writeFile(join(dir, `test_${i}.prof`), one);
      }
      const command = [Deno.execPath(), "run", ...START_PERMISSIONS, MAIN]
        .concat(["--format", "csv", dir])
        .map((arg) => `'${arg}'`).join(" ");
      const output = await new Deno.Command(SCRIPT!, {
        args: ["-qec", command, "/dev/null"],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1", TERM: "dumb" },
      }).output();
      const text = new TextDecoder().decode(output.stdout);
      assertEquals(output.code, 0, text.slice(-500));
      assertStringIncludes(text, "\r\x1b[KReading profiles: 0 of 250 files");
      assertStringIncludes(text, "\r\x1b[KReading profiles: 225 of 250 files");
      assertStringIncludes(text, "\r\x1b[KMerging profiles: 250 of 250 files");
      // The line is cleared before the notes and the report.
      const cleared = text.lastIndexOf("\r\x1b[K");
      assert(cleared < text.indexOf("Found 250 profiles"), "cleared first");
    });
  },
});

Deno.test("a file reached by two paths, a link or a hard link is read once; named twice, twice", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/runs`);
    await Deno.copyFile(`${FIXTURES}shop.pstats`, `${dir}/runs/a.prof`);
    const calls = (report: Report) => report.total_calls;
    const read = async (...args: string[]) => {
      const result = await runCli(["-f", "json", ...args], dir);
      assertEquals(result.code, 0, result.stderr);
      return [JSON.parse(result.stdout) as Report, result.stderr] as const;
    };
    const [oneReport] = await read("runs/a.prof");
    for (const args of [["runs/./a.prof", "runs"], ["runs", "runs/./a.prof"]]) {
      const [report] = await read(...args);
      assertEquals(report.files.length, 1, args.join(" "));
      assertEquals(calls(report), calls(oneReport), args.join(" "));
    }
    await Deno.link(`${dir}/runs/a.prof`, `${dir}/runs/b.prof`);
    await Deno.symlink(`${dir}/runs/a.prof`, `${dir}/runs/c.prof`);
    const [linked, said] = await read("runs");
    assertEquals(calls(linked), calls(oneReport));
    assertStringIncludes(
      said,
      "Found 3 profiles in runs (2 of them are files already read by another path or link: read once)",
    );
    // Named twice: counted twice, as pstats.Stats(a, a) does.
    const [twice] = await read("runs/a.prof", "runs/./a.prof");
    assertEquals(calls(twice), 2 * calls(oneReport));
  });
});

Deno.test("-r below a tree deeper than the path limit reads what it reaches and says what it skipped in one line", async () => {
  await withTempDir(async (dir) => {
    await Deno.copyFile(`${FIXTURES}shop.pstats`, `${dir}/top.prof`);
    // 1,100 folders of 5 characters: past Linux's 4,096, made from inside
    // a part at a time (no path may name them all).
    const part = "dddd/".repeat(275);
    const made = await new Deno.Command("bash", {
      args: [
        "-c",
        'cd "$1" && for i in 1 2 3 4; do mkdir -p "$2" && cd "$2" || exit 1; done && cp "$3" deep.prof',
        "bash",
        dir,
        part,
        `${FIXTURES}shop.pstats`,
      ],
    }).output();
    assertEquals(made.code, 0, new TextDecoder().decode(made.stderr));
    try {
      for (const extra of [[], ["--skip-bad"]]) {
        const result = await runCli(["-r", ...extra, "-f", "json", "."], dir);
        assertEquals(result.code, 0, result.stderr.slice(0, 500));
        const report = JSON.parse(result.stdout) as Report;
        assertEquals(report.files, ["top.prof"]);
        const lines = result.stderr.trimEnd().split("\n");
        assertEquals(lines.length, 2, result.stderr.slice(0, 500));
        assertMatch(
          lines[1]!,
          /^Skipped 1 path below \. that cannot be reached \(the first: dddd\/dddd\/.{0,200}: Its path is longer than the system allows\)$/,
        );
      }
    } finally {
      // rm walks a tree deeper than a path can name.
      await new Deno.Command("rm", { args: ["-rf", `${dir}/dddd`] }).output();
    }
  });
});
