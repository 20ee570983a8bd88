/**
 * The documentation's links: every relative link and anchor in README.md,
 * CONTRIBUTING.md, ARCHITECTURE.md (once it exists) and docs/*.md must lead
 * somewhere, as GitHub renders them (a file or folder of the repository, a
 * heading's anchor in a Markdown file, a line of a source file).
 */
import { assertEquals } from "@std/assert";
import { dirname, fromFileUrl, join, normalize } from "@std/path";

const ROOT = fromFileUrl(new URL("../", import.meta.url));

/** What the checker needs to know of a path, relative to the repository. */
type Lookup = (path: string) => { exists: boolean; markdown?: string };

/**
 * The anchors GitHub gives a Markdown file's headings (lowercased, markup
 * and punctuation dropped, spaces to hyphens, `-1`, `-2` for repeats), and
 * those of explicit `<a id="…">` or `<a name="…">` elements.
 */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of _outsideFences(markdown)) {
    for (const m of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) {
      anchors.add(m[1]!);
    }
    const heading = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (heading === null) continue;
    const base = _slug(heading[1]!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

function _slug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // links and images: their text
    .replace(/<[^>]+>/g, "") // inline HTML
    .replace(/`/g, "")
    .replace(/\*+/g, "")
    .replace(/(^|[^\p{L}\p{N}])_+|_+(?=[^\p{L}\p{N}]|$)/gu, "$1") // _emphasis_
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

/**
 * The lines of a Markdown text with fenced code blocks blanked out, so that
 * examples are not taken for headings or links. Line numbers stay those of
 * the text.
 */
function _outsideFences(markdown: string): string[] {
  let fence: string | undefined;
  return markdown.split("\n").map((line) => {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence !== undefined) {
      if (
        marker !== undefined && marker[0] === fence[0] &&
        marker.length >= fence.length && line.trim() === marker
      ) {
        fence = undefined;
      }
      return "";
    }
    if (marker !== undefined) {
      fence = marker;
      return "";
    }
    return line;
  });
}

/** The link targets of a Markdown text, with their line numbers. */
function markdownLinks(markdown: string): { line: number; target: string }[] {
  const links: { line: number; target: string }[] = [];
  _outsideFences(markdown).forEach((line, i) => {
    const text = line.replace(/(`+)[^`].*?\1/g, ""); // inline code
    const inline = /\]\(\s*<?([^)\s>]*)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g;
    for (const m of text.matchAll(inline)) {
      links.push({ line: i + 1, target: m[1]! });
    }
    const definition = /^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/.exec(text);
    if (definition !== null) {
      links.push({ line: i + 1, target: definition[1]! });
    }
  });
  return links;
}

/**
 * Says what is wrong with each relative link of the Markdown file at
 * `path` (relative to the repository): a missing file, a missing anchor, a
 * path outside the repository. Web links (any `scheme:`) are not checked.
 */
function brokenLinks(path: string, markdown: string, lookup: Lookup): string[] {
  const problems: string[] = [];
  for (const { line, target } of markdownLinks(markdown)) {
    const where = `${path}:${line}: ${target}`;
    if (target === "") {
      problems.push(`${where}: empty link`);
      continue;
    }
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    const hash = target.indexOf("#");
    const file = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
    const anchor = hash < 0
      ? undefined
      : decodeURIComponent(target.slice(hash + 1));
    const resolved = file === "" ? path : normalize(
      file.startsWith("/") ? file.slice(1) : join(dirname(path), file),
    )
      .replace(/\/$/, "");
    if (resolved === ".." || resolved.startsWith("../")) {
      problems.push(`${where}: leads outside the repository`);
      continue;
    }
    const found = file === "" ? { exists: true, markdown } : lookup(resolved);
    if (!found.exists) {
      problems.push(`${where}: no such file ${resolved}`);
      continue;
    }
    if (anchor === undefined) continue;
    if (found.markdown !== undefined) {
      if (!headingAnchors(found.markdown).has(anchor)) {
        problems.push(`${where}: no heading "#${anchor}" in ${resolved}`);
      }
    } else if (!/^L\d+(-L\d+)?$/.test(anchor)) {
      problems.push(`${where}: an anchor in a file that is not Markdown`);
    }
  }
  return problems;
}

/**
 * Says which of the repository's paths that the Markdown file at `path`
 * names in inline code (`lib/query.ts`, `scripts/`, `tests/fixtures/…`)
 * do not exist, so that the documentation follows files as they move.
 * Generated and git-ignored paths (`*.gen.ts`, `tests/output/`; `bench/` and
 * `dist/` are not looked for) and placeholders in capitals
 * (`slowest-SEED.pstats`) are left out.
 */
function missingPaths(
  path: string,
  markdown: string,
  lookup: Lookup,
): string[] {
  const problems: string[] = [];
  _outsideFences(markdown).forEach((line, i) => {
    for (const m of line.matchAll(/(`+)([^`]+?)\1/g)) {
      const named = m[2]!.trim();
      if (
        !/^(?:(?:cli|lib|ui|scripts|tests|docs)\/[\w./-]*|main\.ts|deno\.json)$/
          .test(named) ||
        /\.gen\.ts$|^tests\/output\/|\/[^/]*[A-Z]{2,}/.test(named)
      ) {
        continue;
      }
      if (!lookup(named.replace(/\/$/, "")).exists) {
        problems.push(`${path}:${i + 1}: names ${named}, which does not exist`);
      }
    }
  });
  return problems;
}

/** The repository's files, as the checker sees them. */
function repositoryLookup(
  path: string,
): { exists: boolean; markdown?: string } {
  const full = join(ROOT, path);
  try {
    const info = Deno.statSync(full);
    return info.isFile && path.endsWith(".md")
      ? { exists: true, markdown: Deno.readTextFileSync(full) }
      : { exists: true };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { exists: false };
    throw error;
  }
}

/** The documentation files whose links are checked. */
function documentationFiles(): string[] {
  const files = ["README.md", "CONTRIBUTING.md", "ARCHITECTURE.md"].filter(
    (path) => repositoryLookup(path).exists,
  );
  for (const entry of Deno.readDirSync(join(ROOT, "docs"))) {
    if (entry.isFile && entry.name.endsWith(".md")) {
      files.push(`docs/${entry.name}`);
    }
  }
  return files.sort();
}

Deno.test("every relative link and anchor in the README, CONTRIBUTING.md, ARCHITECTURE.md and docs/ resolves, and every file they name exists", () => {
  const files = documentationFiles();
  assertEquals(
    ["README.md", "CONTRIBUTING.md", "docs/cli.md", "docs/numbers.md"]
      .filter((path) => !files.includes(path)),
    [],
    "the documentation files are where the README says",
  );
  const problems = files.flatMap((path) => {
    const markdown = repositoryLookup(path).markdown!;
    return [
      ...brokenLinks(path, markdown, repositoryLookup),
      ...missingPaths(path, markdown, repositoryLookup),
    ];
  });
  assertEquals(problems, []);
});

Deno.test("headingAnchors() gives GitHub's anchors: code, punctuation and repeated headings", () => {
  const anchors = headingAnchors([
    "# profiling-explorer",
    "## Compare two runs: `--base`",
    "### What a group's numbers mean",
    "## A folder of 1,000 profiles",
    "## Ctrl+C",
    "## Ctrl+C",
    "## [Linked](other.md) _emphasis_ and snake_case",
    "```sh",
    "# a comment in code, not a heading",
    "```",
    '<a id="explicit"></a>',
  ].join("\n"));
  assertEquals([...anchors].sort(), [
    "a-folder-of-1000-profiles",
    "compare-two-runs---base",
    "ctrlc",
    "ctrlc-1",
    "explicit",
    "linked-emphasis-and-snake_case",
    "profiling-explorer",
    "what-a-groups-numbers-mean",
  ]);
});

Deno.test("brokenLinks() reports a missing file, a missing anchor and a path outside the repository, and skips code and web links", () => {
  const files: Record<string, string | null> = {
    "docs/cli.md": "# The command line\n## Options\n",
    "docs/screenshot.png": null,
    "main.ts": null,
  };
  const lookup: Lookup = (path) =>
    path in files
      ? files[path] === null
        ? { exists: true }
        : { exists: true, markdown: files[path]! }
      : { exists: false };
  const readme = [
    "# Title",
    "[ok](docs/cli.md#options) ![shot](docs/screenshot.png) [self](#title)",
    "[gone](docs/gone.md) [anchor](docs/cli.md#nope) [here](#nowhere)",
    "[up](../outside.md) [web](https://example.com/x#y) [line](main.ts#L12)",
    "[bad](main.ts#options)",
    "`[code](docs/missing.md)`",
    "```",
    "[fenced](docs/missing.md)",
    "```",
    "[ref]: docs/also-gone.md",
  ].join("\n");
  assertEquals(brokenLinks("README.md", readme, lookup), [
    "README.md:3: docs/gone.md: no such file docs/gone.md",
    'README.md:3: docs/cli.md#nope: no heading "#nope" in docs/cli.md',
    'README.md:3: #nowhere: no heading "#nowhere" in README.md',
    "README.md:4: ../outside.md: leads outside the repository",
    "README.md:5: main.ts#options: an anchor in a file that is not Markdown",
    "README.md:10: docs/also-gone.md: no such file docs/also-gone.md",
  ]);
});

Deno.test("missingPaths() reports a named source file that does not exist, not a generated one or a placeholder", () => {
  const lookup: Lookup = (path) => ({
    exists: ["lib/query.ts", "scripts", "main.ts"].includes(path),
  });
  const text = [
    "The query code (`lib/query.ts`) and `scripts/`, run by `main.ts`.",
    "Moved: `lib/pstats_fast.ts` and `cli/options.ts`; `_cli.ts` is bare.",
    "Left out: `ui/bundle.gen.ts`, `tests/output/fuzz/slowest-SEED.pstats`,",
    "`lib/NAME.ts`, `deno task test`, `--format json`.",
    "```",
    "deno run lib/gone.ts `lib/gone.ts`",
    "```",
  ].join("\n");
  assertEquals(missingPaths("docs/x.md", text, lookup), [
    "docs/x.md:2: names lib/pstats_fast.ts, which does not exist",
    "docs/x.md:2: names cli/options.ts, which does not exist",
  ]);
});
