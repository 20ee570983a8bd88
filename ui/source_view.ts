/// <reference lib="dom" />
/**
 * The source view (`tab=source`): the file of a function, read by the
 * server (or embedded in a report), with its lines highlighted as Python
 * and the profile's numbers beside them (`lib/source_heat.ts`).
 *
 * - A sampled profile keyed by line: each sampled line shaded by its direct
 *   samples, its direct and cumulative samples beside it, each function's
 *   hottest line marked (★), and the hot spots listed to jump to.
 * - A traced profile: each profiled function of the file annotated under
 *   its first line with its calls, internal and cumulative time, its first
 *   line shaded by internal time, and its callees listed with the time of
 *   each edge (pstats stores no call-site lines: the list says so).
 *
 * Keys: `n` / `N` the next / previous hot spot (hottest first), `↑` `↓`
 * the line, `o` open the line in the editor, `/` search within the file
 * (matching lines are marked; `⏎` in the box and `m` / `M` go to the
 * next / previous match). The cursor line is kept in the URL (`line=`).
 *
 * @module
 */

import { html, nothing, type TemplateResult } from "lit-html";
import { repeat } from "lit-html/directives/repeat.js";
import { formatCount, formatMs } from "../lib/format.ts";
import { functionLocation, type Profile } from "../lib/profile.ts";
import { type Token, tokenizeLines } from "../lib/python_tokens.ts";
import { isPythonSourcePath, namesAFile } from "../lib/source_access.ts";
import {
  type FileHeat,
  fileHeat,
  functionExtent,
  type FunctionMark,
} from "../lib/source_heat.ts";
import { styleProperties } from "./directives.ts";
import { shown } from "./labels.ts";
import { href, navigate } from "./navigation.ts";
import type { Route } from "./route.ts";
import {
  canOpenEditor,
  type ListedSource,
  loadSourceFile,
  loadSourceList,
  openInEditor,
  type SourceFile,
  type SourceProblem,
} from "./source_files.ts";
import {
  type HistoryState,
  type KeyContext,
  type PageView,
  type State,
  state,
  update,
} from "./state.ts";

/** What the source view remembers between renders. */
export interface SourceState {
  /** The file shown, as the profile names it. */
  file: string | null;
  /** The file's text, or why it is not shown; `null` while it loads. */
  loaded: SourceFile | SourceProblem | null;
  /** Its lines' tokens. */
  tokens: Token[][];
  /** The profile's numbers for the file. */
  heat: FileHeat | null;
  /** Lines matching the search. */
  matches: number[];
  /** What came of the last attempt to open the editor. */
  opened: string;
  /** The profile's Python files not found here, once asked. */
  missing: { files: ListedSource[]; suggestion?: string } | null;
}

/** Lines drawn at most: beyond, a window around the cursor. */
const _MAX_DRAWN = 20_000;

/** The view. */
export const SOURCE_VIEW: PageView = {
  tab: "source",
  label: "Source",
  // Two runs compared are one comparison, not one profile's files.
  available: () => !state.comparing && state.base === null,
  query: querySource,
  template: (p) => sourceView(state, p),
  crumbs: (p) => crumbsView(state, p),
  placeholder: () => "Search in the file",
  status: () => statusText(state),
  keyHints: () =>
    html`
      <kbd>n</kbd><kbd>N</kbd> hot lines <kbd>↑</kbd><kbd>↓</kbd> line
      ${canOpenEditor() ? html`<kbd>o</kbd> open` : nothing} <kbd>⌫</kbd> back
    `,
  show: (saved: HistoryState) => {
    update();
    if (saved.scrollTop > 0) {
      document.querySelector(".source-code")?.scrollTo({
        top: saved.scrollTop,
      });
    } else _scrollToCursor();
  },
  saved: () => ({
    scrollTop: document.querySelector(".source-code")?.scrollTop ?? 0,
    highlight: cursorLine(state),
  }),
  resized: () => {},
  key: sourceKey,
  highlightedFunction: () => _fn(state, state.profile),
};

// ---------------------------------------------------------------- data

/** The function whose file is shown: the route's, else the hottest. */
function _fn(s: State, p: Profile | null): number | undefined {
  if (p === null) return undefined;
  if (s.route.fn !== null && s.route.fn < p.size) return s.route.fn;
  const f = p.functions;
  let best: number | undefined;
  for (let i = 0; i < p.size; i++) {
    if (!namesAFile(f.file[i]!) || !isPythonSourcePath(f.file[i]!)) continue;
    if (best === undefined || f.internalTime[i]! > f.internalTime[best]!) {
      best = i;
    }
  }
  return best;
}

/** The line the cursor is on: the route's, else the function's own. */
export function cursorLine(s: State): number {
  if (s.route.line !== null) return s.route.line;
  const p = s.profile;
  const fn = _fn(s, p);
  if (p === null || fn === undefined) return 1;
  return Math.max(1, p.functions.line[fn]!);
}

let _loading: string | null = null;
let _heatOf: Profile | null = null;

function querySource(): void {
  const p = state.profile;
  const fn = _fn(state, p);
  const s = state.source;
  const file = p === null || fn === undefined ? null : p.functions.file[fn]!;
  if (file !== s.file) {
    s.file = file;
    s.loaded = null;
    s.tokens = [];
    s.opened = "";
    if (file !== null) void _load(file);
  }
  // Again once the edges are in: the profile is then another object.
  if (p !== _heatOf || s.heat?.file !== file) {
    _heatOf = p;
    s.heat = p === null || file === null ? null : fileHeat(p, file);
  }
  _search();
  if (!_listAsked && p !== null) {
    _listAsked = true;
    void loadSourceList().then((list) => {
      if (list === null) return;
      state.source.missing = {
        ...list,
        files: list.files.filter((f) => !f.found),
      };
      update();
    });
  }
}

let _listAsked = false;

async function _load(file: string): Promise<void> {
  _loading = file;
  const loaded = await loadSourceFile(file);
  if (_loading !== file || state.source.file !== file) return;
  _loading = null;
  state.source.loaded = loaded;
  state.source.tokens = "lines" in loaded ? tokenizeLines(loaded.lines) : [];
  _search();
  update();
  _scrollToCursor();
}

function _search(): void {
  const s = state.source;
  const q = state.route.q.trim().toLowerCase();
  s.matches = [];
  if (q === "" || s.loaded === null || !("lines" in s.loaded)) return;
  s.loaded.lines.forEach((line, i) => {
    if (line.toLowerCase().includes(q)) s.matches.push(i + 1);
  });
}

// ---------------------------------------------------------------- views

function crumbsView(s: State, p: Profile): TemplateResult {
  const fn = _fn(s, p);
  if (fn === undefined) return html`<h2>Source</h2>`;
  const { name } = functionLocation(p, fn);
  return html`
    <h2 class="focal-name" title=${p.functions.file[fn]!}>${shown(
      p.functions.shortFile[fn]!,
    )}</h2>
    <span class="sep" aria-hidden="true">›</span>
    <span>${shown(name)}</span>
  `;
}

function statusText(s: State): string {
  const loaded = s.source.loaded;
  if (s.source.file === null) return "No function has a source file";
  if (loaded === null) return "Loading the file…";
  if (!("lines" in loaded)) return "";
  const parts = [`${formatCount(loaded.lines.length)} lines`];
  if (state.route.q.trim() !== "") {
    parts.push(`${formatCount(s.source.matches.length)} matching`);
  }
  return parts.join(", ");
}

function sourceView(s: State, p: Profile): TemplateResult {
  const src = s.source;
  if (src.file === null) {
    return html`
      <section class="source-view message">
        <p>
            No function of this profile names a Python source file.
          </p>
      </section>
    `;
  }
  const loaded = src.loaded;
  if (loaded === null) {
    return html`
      <section class="source-view message" role="status">
        <p>Loading ${shown(src.file)}…</p>
      </section>
    `;
  }
  if (!("lines" in loaded)) return problemView(src.file, loaded);
  const heat = src.heat!;
  const cursor = cursorLine(s);
  return html`
    <section class="source-view" aria-label="Source of ${src.file}">
      <div class="source-head">
        <p class="source-path" title=${loaded.path}>${shown(loaded.path)}</p>
        ${loaded.changed
          ? html`<p class="source-warning" role="note">
            This file changed after the profile was made: lines may not match.
          </p>`
          : nothing}
        ${loaded.undecodable > 0
          ? html`<p class="source-warning" role="note">
            ${
            formatCount(loaded.undecodable)
          } bytes are not ${loaded.encoding}: shown as �.
          </p>`
          : nothing}
        ${cursor > loaded.lines.length
          ? html`<p class="source-warning" role="note">
            Line ${cursor} is past the end of the file (${loaded.lines.length} lines): it changed since profiling, or is another file.
          </p>`
          : nothing}
        ${src.opened === ""
          ? nothing
          : html`<p class="source-opened" role="status">${src.opened}</p>`}
        ${hotSpotsView(heat, cursor)}
        ${missingFilesView(s)}
      </div>
      ${codeView(s, p, loaded, heat, cursor)}
    </section>
  `;
}

/** The profile's files that are not found here, and the mapping to type. */
function missingFilesView(s: State): TemplateResult | typeof nothing {
  const missing = s.source.missing;
  if (missing === null || missing.files.length === 0) return nothing;
  const n = missing.files.length;
  return html`
    <details class="missing-files">
      <summary>${formatCount(n)} Python file${n === 1 ? "" : "s"} of this
      profile ${n === 1 ? "is" : "are"} not shown here</summary>
      ${missing.suggestion === undefined ? nothing : html`
        <p>Start the explorer again with
        <code class="source-suggestion">${missing.suggestion}</code></p>
      `}
      <ul>
        ${missing.files.slice(0, 200).map((f) =>
          html`<li><code>${shown(f.name)}</code>: ${f.error ?? ""}</li>`
        )}
      </ul>
    </details>
  `;
}

function problemView(file: string, problem: SourceProblem): TemplateResult {
  return html`
    <section class="source-view message source-problem">
      <p>${shown(file)}: ${problem.error}</p>
      ${missingFilesView(state)}
      ${problem.suggestion === undefined ? nothing : html`
        <p>If the file is here, start the explorer again with:</p>
        <pre class="source-suggestion"><code>${problem.suggestion}</code></pre>
      `}
      ${problem.suggestion === undefined &&
          /not there|names no path/.test(problem.error)
        ? html`<p>
          Point the explorer at where the file is with
          <code>--map-path FROM=TO</code> (FROM as the profile names it, TO
          where it is here).
        </p>`
        : nothing}
    </section>
  `;
}

function hotSpotsView(
  heat: FileHeat,
  cursor: number,
): TemplateResult | typeof nothing {
  if (heat.hotSpots.length === 0) return nothing;
  const top = heat.hotSpots.slice(0, 12);
  return html`
    <nav class="hot-spots" aria-label="Hot spots">
      <span class="hot-spots-title">Hot spots</span>
      ${top.map((line) => {
        const h = heat.lines.get(line);
        const what = h === undefined
          ? `${formatMs(_markAt(heat, line)!.internalTime)} ms`
          : h.direct > 0
          ? `${formatCount(h.direct)} sample${h.direct === 1 ? "" : "s"}`
          : `${formatCount(h.cumulative)} on stack`;
        const fn = _functionAt(heat, line);
        return html`
          <a
            class="hot-spot"
            href=${href(_lineRoute(state.route, line))}
            aria-current=${line === cursor ? "true" : nothing}
            title=${fn === undefined ? "" : fn.name}
          >${line} <span class="hot-spot-n">${what}</span></a>
        `;
      })}
      ${heat.sampled ? nothing : html`
        <span class="hot-spots-note">by internal time</span>
      `}
    </nav>
  `;
}

function _markAt(heat: FileHeat, line: number): FunctionMark | undefined {
  return heat.functions.find((m) => m.line === line);
}

function _functionAt(heat: FileHeat, line: number): FunctionMark | undefined {
  let found: FunctionMark | undefined;
  for (const m of heat.functions) {
    if (m.firstLine <= line) found = m;
  }
  return heat.sampled
    ? heat.functions.find((m) => m.line === line) ?? found
    : found;
}

function codeView(
  s: State,
  p: Profile,
  file: SourceFile,
  heat: FileHeat,
  cursor: number,
): TemplateResult {
  const lines = file.lines;
  let from = 1;
  let to = lines.length;
  if (lines.length > _MAX_DRAWN) {
    from = Math.max(1, cursor - _MAX_DRAWN / 2);
    to = Math.min(lines.length, from + _MAX_DRAWN - 1);
  }
  const numbers: number[] = [];
  for (let n = from; n <= to; n++) numbers.push(n);
  const hottest = new Set(
    heat.sampled
      ? heat.functions.filter((m) => m.primitiveCalls > 0).map((m) => m.line)
      : [],
  );
  const marks = new Map<number, FunctionMark[]>();
  if (!heat.sampled) {
    for (const m of heat.functions) {
      const list = marks.get(m.line);
      if (list === undefined) marks.set(m.line, [m]);
      else list.push(m);
    }
  }
  const matches = new Set(s.source.matches);
  return html`
    <div class="source-code" role="list" aria-label="Lines">
      <div class="source-line source-columns" aria-hidden="true">
        <span class="ln">line</span>
        <span class="n">${heat.sampled ? "samples" : "internal"}</span>
        <span class="n">${heat.sampled ? "on stack" : "cumul."}</span>
        <span class="mark"></span>
        <span class="code">${heat.sampled ? "" : "times in ms"}</span>
      </div>
      ${from > 1
        ? html`<p class="source-cut">Lines 1–${from - 1} not drawn</p>`
        : nothing}
      ${repeat(numbers, (n) => n, (n) =>
        lineView(
          p,
          heat,
          n,
          s.source.tokens[n - 1] ?? [],
          n === cursor,
          hottest.has(n),
          matches.has(n),
          marks.get(n),
          lines,
        ))}
      ${to < lines.length
        ? html`<p class="source-cut">Lines ${
          to + 1
        }–${lines.length} not drawn</p>`
        : nothing}
    </div>
  `;
}

function lineView(
  p: Profile,
  heat: FileHeat,
  n: number,
  tokens: Token[],
  isCursor: boolean,
  isHottest: boolean,
  isMatch: boolean,
  marks: FunctionMark[] | undefined,
  lines: readonly string[],
): TemplateResult {
  let direct = "";
  let cumulative = "";
  let share = 0;
  let title = "";
  if (heat.sampled) {
    const h = heat.lines.get(n);
    if (h !== undefined) {
      direct = formatCount(h.direct);
      cumulative = formatCount(h.cumulative);
      share = _shade(h.direct, heat.max);
      title =
        `${direct} samples running this line, ${cumulative} with it on the stack`;
    }
  } else if (marks !== undefined) {
    const internal = marks.reduce((t, m) => t + m.internalTime, 0);
    const cum = marks.reduce((t, m) => t + m.cumulativeTime, 0);
    direct = formatMs(internal);
    cumulative = formatMs(cum);
    share = _shade(internal, heat.max);
    title = `${direct} ms internal, ${cumulative} ms cumulative`;
  }
  const classes = [
    "source-line",
    isCursor ? "cursor" : "",
    share > 0 ? "hot" : "",
    isHottest ? "hottest" : "",
    isMatch ? "match" : "",
  ].filter((c) => c !== "").join(" ");
  return html`
    <div
      class=${classes}
      role="listitem"
      data-line=${n}
      aria-current=${isCursor ? "true" : nothing}
      style=${styleProperties({ "--heat": share.toFixed(3) })}
      @click=${() => navigate(_lineRoute(state.route, n), "replace")}
    >
      <span class="ln">${n}</span>
      <span class="n direct" title=${title}>${direct}</span>
      <span class="n cumulative" title=${title}>${cumulative}</span>
      <span class="mark" aria-label=${isHottest
        ? "hottest line of its function"
        : nothing}
      >${isHottest ? "★" : ""}</span>
      <code class="code">${tokens.map((t) =>
        t.kind === "text"
          ? t.text
          : html`<span class=${`tok-${t.kind}`}>${t.text}</span>`
      )}</code>
    </div>
    ${marks === undefined
      ? nothing
      : marks.map((m) => functionNoteView(p, m, lines))}
  `;
}

/**
 * A line's shade from 0 to 1: the square root of its share of the file's
 * largest, so that a line with a hundredth of the hottest still shows.
 */
function _shade(value: number, max: number): number {
  return max > 0 && value > 0 ? Math.sqrt(value / max) : 0;
}

function functionNoteView(
  p: Profile,
  m: FunctionMark,
  lines: readonly string[],
): TemplateResult {
  const id = m.ids[0]!;
  const extent = functionExtent(lines, m.line);
  const calls = m.calls === m.primitiveCalls
    ? formatCount(m.calls)
    : `${formatCount(m.calls)}/${formatCount(m.primitiveCalls)}`;
  return html`
    <div class="function-note" role="listitem" data-fn=${id}>
      <p class="function-numbers">
        <a href=${href({
          ...state.route,
          tab: "table",
          view: "callees",
          fn: id,
          line: null,
        })}
        >${shown(m.name)}</a>
        <span>${calls} call${m.calls === 1 ? "" : "s"}</span>
        <span>${formatMs(m.internalTime)} ms internal</span>
        <span>${formatMs(m.cumulativeTime)} ms cumulative</span>
        ${extent.last > extent.first
          ? html`<span class="function-lines">lines ${extent.first}–${extent.last}</span>`
          : nothing}
      </p>
      ${m.callees.length === 0 ? nothing : html`
        <ul class="callees" aria-label="Calls from ${m.name}">
          ${m.callees.slice(0, 20).map((c) => {
            const where = functionLocation(p, c.id);
            return html`
              <li>
                <a href=${href({
                  ...state.route,
                  tab: "source",
                  view: "callees",
                  fn: c.id,
                  line: null,
                })}>${shown(where.name)}</a>
                <span>${formatCount(c.calls)}×</span>
                <span>${formatMs(c.cumulativeTime)} ms</span>
              </li>
            `;
          })}
          ${m.callees.length > 20
            ? html`<li class="more">and ${m.callees.length - 20} more</li>`
            : nothing}
        </ul>
        <p class="callees-note">
          Called somewhere in lines ${extent.first}–${extent.last}: pstats
          stores no call-site lines.
        </p>
      `}
    </div>
  `;
}

// ---------------------------------------------------------------- keys

function _lineRoute(r: Route, line: number): Route {
  return {
    ...r,
    tab: "source",
    view: r.fn === null ? r.view : "callees",
    line,
  };
}

function _goTo(line: number): void {
  navigate(_lineRoute(state.route, line), "replace");
  _scrollToCursor();
}

function _scrollToCursor(): void {
  requestAnimationFrame(() => {
    const row = document.querySelector(
      `.source-line[data-line="${cursorLine(state)}"]`,
    );
    row?.scrollIntoView({ block: "center" });
  });
}

function _step(
  list: readonly number[],
  current: number,
  by: 1 | -1,
): number | undefined {
  if (list.length === 0) return undefined;
  const at = list.indexOf(current);
  if (at < 0) return by === 1 ? list[0] : list[list.length - 1];
  return list[(at + by + list.length) % list.length];
}

function _nextMatch(by: 1 | -1): number | undefined {
  const matches = state.source.matches;
  if (matches.length === 0) return undefined;
  const cursor = cursorLine(state);
  if (by === 1) return matches.find((n) => n > cursor) ?? matches[0];
  return [...matches].reverse().find((n) => n < cursor) ?? matches.at(-1);
}

function sourceKey(context: KeyContext): boolean {
  const { event, inFilter, editing } = context;
  const loaded = state.source.loaded;
  if (loaded === null || !("lines" in loaded)) return false;
  if (inFilter && event.key === "Enter") {
    const line = _nextMatch(event.shiftKey ? -1 : 1);
    if (line !== undefined) _goTo(line);
    event.preventDefault();
    return true;
  }
  if (editing) return false;
  const cursor = cursorLine(state);
  let line: number | undefined;
  switch (event.key) {
    case "n":
      line = _step(state.source.heat?.hotSpots ?? [], cursor, 1);
      break;
    case "N":
    case "p":
      line = _step(state.source.heat?.hotSpots ?? [], cursor, -1);
      break;
    case "m":
      line = _nextMatch(1);
      break;
    case "M":
      line = _nextMatch(-1);
      break;
    case "ArrowDown":
      line = Math.min(loaded.lines.length, cursor + 1);
      break;
    case "ArrowUp":
      line = Math.max(1, cursor - 1);
      break;
    case "o":
      void openLine(state.source.file!, cursor, loaded.path);
      event.preventDefault();
      return true;
    default:
      return false;
  }
  event.preventDefault();
  if (line !== undefined) _goTo(line);
  return true;
}

/** Opens a line of a file in the editor, saying how it went. */
export async function openLine(
  file: string,
  line: number,
  path?: string,
): Promise<void> {
  const message = await openInEditor(file, line, path);
  state.source.opened = message;
  state.announcement = message;
  update();
  // Outside the source view it shows for a moment (see `openedView()`).
  clearTimeout(_openedTimer);
  _openedTimer = setTimeout(() => {
    if (state.route.tab !== "source" && state.source.opened === message) {
      state.source.opened = "";
      update();
    }
  }, 5000);
}

let _openedTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * What came of opening the editor from another view than the source view
 * (which shows it in its own header), for the page to show.
 */
export function openedView(s: State): TemplateResult | typeof nothing {
  return s.source.opened === "" || s.route.tab === "source"
    ? nothing
    : html`<p class="opened-toast" role="status">${s.source.opened}</p>`;
}
