import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import type { Profile } from "../lib/profile.ts";
import { buildProfile, statsFile } from "../lib/pstats/build.ts";
import { csvReport, jsonReport, tableReport } from "../lib/report.ts";

const AWKWARD = 'say "hi", <then>\nleave';

function profile(): Profile {
  return buildProfile([statsFile("run.pstats", [
    {
      key: [
        "/srv/app/a/very/long/path/to/the/module/that/holds/it.py",
        12,
        "handler",
      ],
      calls: 1234,
      primitiveCalls: 1000,
      internalTime: 1.5,
      cumulativeTime: 2.5,
    },
    {
      key: ["app.py", 3, AWKWARD],
      calls: 2,
      primitiveCalls: 2,
      internalTime: 0.0000004,
      cumulativeTime: 0.5,
      callers: [{
        key: ["app.py", 1, "main"],
        calls: 2,
        primitiveCalls: 2,
        internalTime: 0.0000004,
        cumulativeTime: 0.5,
      }],
    },
  ])]);
}

const rowsOf = (text: string) =>
  text.split("\n").filter((line) => /^\s*[\d,/]+\s+[\d.,]+\s/.test(line));

Deno.test("tableReport() drops per-call columns on a narrow terminal, keeping locations readable", () => {
  const p = profile();
  const narrow = [...tableReport(p, [0, 1], { width: 80 })].join("");
  assert(!narrow.includes("per call"), narrow);
  assertStringIncludes(narrow, "it.py:12(handler)");
  const wide = [...tableReport(p, [0, 1], { width: 200 })].join("");
  assertStringIncludes(wide, "per call");
  assertStringIncludes(
    wide,
    "/srv/app/a/very/long/path/to/the/module/that/holds/it.py:12(handler)",
  );
});

Deno.test("tableReport() cuts a long location from the left to fit the width", () => {
  const text = [...tableReport(profile(), [0], { width: 70 })].join("");
  const [row] = rowsOf(text);
  if (row === undefined) throw new Error(`No row in:\n${text}`);
  assertEquals(row.length, 70);
  assertStringIncludes(row, "…");
  assert(row.endsWith("it.py:12(handler)"));
});

Deno.test("tableReport() shows recursion as calls/primitive and tiny times with enough decimals", () => {
  const text = [...tableReport(profile(), [0, 1])].join("");
  assertStringIncludes(text, "1,234/1,000");
  assertStringIncludes(text, "0.00040");
  assertStringIncludes(
    text,
    "1,236 function calls (1,002 primitive) in 1,500.000 ms",
  );
});

Deno.test("csvReport() quotes fields with commas, quotes and newlines", () => {
  const lines = [...csvReport(profile(), [1])];
  assertEquals(
    lines[1],
    `app.py,3,"say ""hi"", <then>\nleave",2,2,4e-7,0.5\r\n`,
  );
});

Deno.test("jsonReport() keeps names exactly as stored and lists edge detail", () => {
  const report = JSON.parse([...jsonReport(profile(), [1, 0])].join(""));
  assertEquals(report.functions[0].name, AWKWARD);
  assertEquals(report.functions[0].callers, [{
    file: "app.py",
    line: 1,
    name: "main",
    calls: 2,
    primitive_calls: 2,
    internal_time: 4e-7,
    cumulative_time: 0.5,
  }]);
  assertEquals(report.functions[1].callers, []);
  assertEquals(report.total_calls, 1236);
});
