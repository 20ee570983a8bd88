/**
 * A file that stores one long text once and refers to it thousands of times
 * (as marshal does for a string met twice) must cost in proportion to the
 * file, not to the text times its uses: every output of the command line
 * and the server runs under a small heap and stays in proportion to the
 * file, and the filter looks at each distinct text once. A dense graph's
 * call tree, likewise, stays within its frame cap in memory.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { MAX_SHOWN_TEXT } from "../lib/escape.ts";
import { loadProfile } from "../lib/pstats/read.ts";
import { queryFunctions } from "../lib/query.ts";
import { functionMatcher, functionSearchText } from "../lib/search.ts";
import { compareProfiles, queryComparison } from "../lib/compare.ts";
import { queryGroups } from "../lib/group_rows.ts";
import { exploreOnFreePort, runCli, withTempDir } from "./_cli.ts";
import {
  denseEntries,
  pstatsBytes,
  sharedPathEntries,
} from "./_hostile_shapes.ts";
import { DEFAULT_FOLDED_BYTES } from "../lib/folded_stacks.ts";

/** A path of 1 MiB shared by 2,000 functions: 2 GB if copied per function. */
const PATH_LENGTH = 1 << 20;
const COUNT = 2000;
const SHARED = pstatsBytes(sharedPathEntries(PATH_LENGTH, COUNT));
/** The same functions all named with one long name too. */
const NAMED = pstatsBytes(
  sharedPathEntries(4096, COUNT, `n${"y".repeat(256 * 1024)}`),
);

/** A heap far below what a copy per function would take. */
const HEAP_MB = 160;

/**
 * What any output may take: in proportion to the file. A row shows at most
 * 4,096 characters of a path and of a name (`shownText()`), and a function
 * whose texts are referred back to takes about 30 bytes of the file: 300
 * times the file bounds it, where a copy of the path per row is 2,000.
 */
function assertProportional(bytes: number, input: number, what: string): void {
  assert(
    bytes <= 300 * input,
    `${what}: ${bytes} bytes from a file of ${input}`,
  );
}

Deno.test("one path shared by 2,000 functions: every report runs in a small heap and stays in proportion to the file", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/shared.pstats`, SHARED);
    await Deno.writeFile(`${dir}/named.pstats`, NAMED);
    for (const file of ["shared.pstats", "named.pstats"]) {
      const size = (await Deno.stat(`${dir}/${file}`)).size;
      for (
        const args of [
          ["-f", "table", "--filter", "f1:"],
          ["-f", "table", "--filter", "py:12"],
          ["-f", "table", "-n", "2000"],
          ["-f", "json"],
          ["-f", "csv"],
          ["-f", "collapsed", "--min-share", "0"],
          ["-f", "table", "--by", "function", "-s", "name"],
          ["-f", "json", "--by", "function", "-s", "name"],
          ["-f", "csv", "--by", "directory", "--filter", "x:"],
          ["-f", "table", "--base", file, "--filter", "f1"],
          ["-f", "json", "--base", file, "--filter", "f1:", "-s", "name"],
          ["-f", "csv", "--base", file],
          ["--html", "report.html"],
        ]
      ) {
        const result = await runCli([...args, file], dir, HEAP_MB);
        const what = `${file} ${args.join(" ")}`;
        assertEquals(result.code, 0, `${what}: ${result.stderr.slice(-500)}`);
        assertProportional(result.stdout.length, size, what);
      }
      const html = await Deno.stat(`${dir}/report.html`);
      assertProportional(html.size, size, `${file} --html`);
    }
  });
});

Deno.test("a filter with a colon matches what the whole text would, without making it", () => {
  const profile = loadProfile([{ source: "shared.pstats", bytes: SHARED }]);
  // The reference, for a few functions only: the text of each is 2 MiB.
  for (const id of [0, 1, 11, 120, COUNT - 1]) {
    for (const term of ["f1:", "py:1", "py:12", "x.py:120", ":2", "xx"]) {
      assertEquals(
        functionMatcher(profile, [term])(id),
        functionSearchText(profile, id).includes(term),
        `${id} ${term}`,
      );
    }
  }
  // Every text lowered is a distinct one: the path once (it holds no
  // sigma), each line and name once.
  const lowered = countLowered(() => {
    const fresh = loadProfile([{ source: "shared.pstats", bytes: SHARED }]);
    assertEquals(queryFunctions(fresh, { filter: "py:12" }).total, 111);
    assertEquals(queryFunctions(fresh, { filter: "f1:" }).total, 0);
    const groups = queryGroups(fresh, "function", {
      sort: "name",
      filter: "x.py:7",
    });
    assertEquals(groups.total, 1 + 10 + 100); // lines 7, 70–79, 700–799
    const comparison = compareProfiles(fresh, fresh);
    assertEquals(
      queryComparison(comparison, { filter: "py:2000" }).total,
      1,
    );
  });
  assert(lowered < 4 * PATH_LENGTH, `${lowered} characters lowered`);
});

Deno.test("the server answers a filter with a colon on a shared path in a small heap, cutting the texts of a list", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/shared.pstats`, SHARED);
    await using server = await exploreOnFreePort(["shared.pstats"], {
      cwd: dir,
      heapMb: HEAP_MB,
    });
    const get = async (path: string) => {
      const response = await fetch(new URL(path, server.url));
      assertEquals(response.status, 200, path);
      return await response.text();
    };
    assertEquals(JSON.parse(await get("/api/functions?q=f1:")).total, 0);
    const list = await get("/api/functions?q=py:1&limit=500");
    assertEquals(JSON.parse(list).total, 1111);
    assertProportional(list.length, SHARED.length, "a list");
    const row = JSON.parse(list).rows[0];
    assertEquals(row.file.length, MAX_SHOWN_TEXT);
    assertStringIncludes(row.file, "…");
    // One function asked for by its id: its texts whole.
    const one = JSON.parse(await get(`/api/functions/${row.id}`));
    assertEquals(one.file.length, PATH_LENGTH);
    await server.stop("SIGTERM");
  });
});

Deno.test("the folded stacks of 143 functions that all call each other keep every branch in a small heap, within their cap", async () => {
  await withTempDir(async (dir) => {
    // 20,000 edges: every frame pends 142 callees, a million frames.
    await Deno.writeFile(`${dir}/dense.pstats`, pstatsBytes(denseEntries(143)));
    const result = await runCli(
      ["-f", "collapsed", "--min-share", "0", "dense.pstats"],
      dir,
      HEAP_MB,
    );
    assertEquals(result.code, 0, result.stderr.slice(-500));
    assert(
      result.stdout.length <= DEFAULT_FOLDED_BYTES,
      `${result.stdout.length}`,
    );
    assertStringIncludes(result.stderr, "frame cap");
  });
});

/** How many characters `toLowerCase()` lowers while `work` runs. */
function countLowered(work: () => void): number {
  const lower = String.prototype.toLowerCase;
  let count = 0;
  String.prototype.toLowerCase = function (this: string) {
    count += this.length;
    return lower.call(this);
  };
  try {
    work();
  } finally {
    String.prototype.toLowerCase = lower;
  }
  return count;
}
