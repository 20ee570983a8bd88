/**
 * What the program says about itself: its name, its version and the
 * `--help` text.
 *
 * @module
 */

import denoJson from "../deno.json" with { type: "json" };
import { DEFAULT_MAX_FRAMES, DEFAULT_MIN_SHARE } from "../lib/call_tree.ts";
import { DEFAULT_FOLDED_BYTES } from "../lib/folded_stacks.ts";
import { formatCount } from "../lib/format.ts";
import { COMPARE_SORT_COLUMNS } from "../lib/compare.ts";
import { GROUP_LEVELS } from "../lib/group.ts";
import { SORT_COLUMNS } from "../lib/query.ts";

/** The program's version, from deno.json. */
export const VERSION: string = denoJson.version;

/** The program's name, as it introduces itself. */
export const NAME = "profiling-explorer";

/** Words wrapped to 80 columns, each line indented as the help's text. */
function _wrapWords(text: string): string {
  const indent = " ".repeat(23);
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && indent.length + line.length + 1 + word.length > 79) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines.map((l) => indent + l).join("\n");
}

/** The `--help` text. */
export const HELP = `${NAME} ${VERSION}
Explore Python profiling data (pstats files) in your browser, or print it.

Usage:
  ${NAME} [OPTIONS] FILE.pstats...
  ${NAME} [OPTIONS] FOLDER...
  ${NAME} [OPTIONS] --base BEFORE.pstats AFTER.pstats...

With no --format, serves a web page where you sort, filter and walk every
function of the profile, and opens it in your browser. Several files are
merged, as pstats.Stats(a, b) does. A folder means every *.prof and *.pstats
file in it (pytest-profiling's combined.prof is left out when the files it
sums are there; name it to read it). --filter, --sort, --reverse, --by,
--only, --threshold and the transforms choose the view the page (or the
--html report) opens on.

Input options:
  -r, --recursive      Read the folders below a folder too
      --skip-bad       Go on past files that are not profiles, listing them

Compare two runs:
  -b, --base FILE      Compare the profile before a change (FILE; repeat
                       --base to merge several) with the FILEs after it.
${_wrapWords(`Sort columns then: ${COMPARE_SORT_COLUMNS.join(", ")}`)}
                       (default cumulative_change: largest regression first)
      --only KINDS     Only functions that got slower, faster, stayed the
                       same (unchanged), or were added or removed: one or
                       more of these, separated by commas (--only faster
                       lists the largest speedup first)
      --threshold T,O  Count a change only when it is at least T% of the
                       total time and O% of the function's own time before;
                       smaller ones are unchanged (default 0.5,5; one
                       number sets both; 0 counts every change)

Report options (print to stdout instead of serving):
  -f, --format FORMAT  table, json, csv, or collapsed: the estimated call
                       tree as folded stacks for flamegraph.pl, inferno,
                       speedscope (weights in microseconds, or samples)
  -s, --sort COLUMN    ${_wrapWords(SORT_COLUMNS.join(", ")).trimStart()}
                       (pstats names work too: tottime, cumtime, ncalls, ...)
                       Default: cumulative. Numbers sort largest first.
      --reverse        Reverse the sort
  -n, --limit N        Show at most N functions (table default: 40;
                       json and csv print every function)
      --filter TERMS   Only functions whose location or name contains every
                       space-separated term (case-insensitive) and no
                       -term (-site-packages; "-x" looks for -x; -~ leaves
                       out built-ins); collapsed: only paths through such
                       functions (at most 32 terms)
      --min-share PCT  collapsed: cut branches under PCT% of the total into
                       [other] frames (default ${
  DEFAULT_MIN_SHARE * 100
}: every frame up to the
                       ${
  formatCount(DEFAULT_MAX_FRAMES)
} largest, then the smallest cut to fit ${
  DEFAULT_FOLDED_BYTES / 1024 / 1024
} MiB);
                       see docs/numbers.md for [unattributed] and [deeper]
      --by LEVEL       Group: ${GROUP_LEVELS.join(", ")}.
                       Each group shows its functions, calls and times;
                       cumulative time is counted once (time entering the
                       group). A sampled profile's table folds its lines
                       into functions unless given --by line. Without
                       --format, opens the explorer's groups view at that
                       level
      --max-size SIZE  Refuse files larger than SIZE (default 1G, far more
                       than any real profile; 0 for no limit)

Call tree transforms (--format collapsed, --html and the page's flame
graph; repeat them, they apply in the order given):
      --merge TARGET   Take the functions out of every path: their own time
                       goes to their callers, their callees too
      --collapse GROUP Make each run of frames in a group one frame
                       (django [collapsed]): stdlib, site-packages (each
                       package its own), builtins, or a path (django/db)
      --focus TARGET   Re-root the tree at the functions: what they call,
                       every path through them merged
      --drop TARGET    Remove the functions and all under them (the total
                       drops, and stderr says by how much)
                       A TARGET is stdlib, site-packages, builtins, a
                       location (app/views.py:handle, views.py:12, or
                       FILE:LINE:NAME) or filter terms (wrapper -test)

HTML report (one file that opens in a browser without a server):
      --html FILE      Write the explorer, with the profile (and --base), to
                       FILE
      --html-source    Also carry the Python source files the profile names
                       (by the source view's rules, up to 16 MiB; listed as
                       they are embedded): the report shows them offline

Explorer options:
      --host HOST      Address to listen on (default 127.0.0.1)
      --port PORT      Port to listen on (default 8099; 0 picks a free port)
      --no-open        Don't open a web browser

Source view and editor:
      --map-path FROM=TO  Find the files a profile names under FROM in TO
                       (repeatable; the longest FROM wins; . for relative
                       paths)
      --editor CMD     Open files in CMD (default: $PROFILING_EXPLORER_EDITOR,
                       $VISUAL, $EDITOR); knows code, cursor, pycharm, subl,
                       zed, vim, emacs, …; or give {file} and {line}
      --editor-url URL Open files by following URL instead, such as
                       vscode://file/{path}:{line}

  -h, --help           Show this help
  -V, --version        Show the version
      --debug          On an internal error (a bug), show its stack trace

Make a pstats file with:  python -m cProfile -o out.pstats script.py
`;
