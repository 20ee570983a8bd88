/// <reference lib="dom" />
/**
 * The compare view: two runs of a program side by side (`--base BEFORE
 * AFTER`). Every function of either run with its cumulative time before and
 * after, the change in milliseconds and percent, the change of internal time
 * and of calls; or the callers or callees of one function compared edge by
 * edge. Sorting and filtering are `lib/compare.ts`, matching functions
 * `lib/compare_match.ts`; this module only draws, in a virtualised table
 * like the table view's.
 *
 * Changes are coloured (slower red, faster green) and never by colour
 * alone: each row says what happened in words with an arrow or sign, and
 * every change has its sign. A change within the noise threshold (the
 * "Ignore changes under" menu, `threshold=` in the URL, `--threshold` on the
 * command line) is "same" and not coloured.
 *
 * @module
 */

import { html, nothing, type TemplateResult } from "lit-html";
import { ref } from "lit-html/directives/ref.js";
import { repeat } from "lit-html/directives/repeat.js";
import {
  CHANGE_KINDS,
  type ChangeKind,
  compareCallees,
  compareCallers,
  type ComparedEdge,
  type ComparedNumbers,
  type CompareQueryOptions,
  type CompareSortColumn,
  compareTotals,
  type Comparison,
  DEFAULT_THRESHOLD,
  describeThreshold,
  edgeChange,
  edgeNumbers,
  isCompareDescendingByDefault,
  type NoiseThreshold,
  parseThreshold,
  queryComparison,
  rowChange,
  rowFunction,
  rowNumbers,
  thresholdText,
} from "../lib/compare.ts";
import { matchFileForms } from "../lib/compare_match.ts";
import {
  formatChangeMs,
  formatChangePercent,
  formatCountChange,
  formatTimeChange,
} from "../lib/compare_report.ts";
import { formatCount, formatMs } from "../lib/format.ts";
import { unfoldedRow } from "../lib/sampled_lines.ts";
import { functionLocation, type Profile } from "../lib/profile.ts";
import { busyView } from "./message_view.ts";
import { basename, fullLabel } from "./labels.ts";
import {
  captionRow,
  edgeLinksCell,
  edgeLinkView,
  edgeListMembers,
  edgeTabsView,
  type EdgeView,
  emptyRow,
} from "./list_view.ts";
import { href, navigate } from "./navigation.ts";
import type { Route } from "./route.ts";
import { type PageView, type State, state, update } from "./state.ts";
import { locationHeaderCell, sortHeaderCell } from "./sort_header.ts";
import { renderRange, spacerRow, VirtualRows } from "./virtual_list.ts";

/** How each kind of change is shown: a word, and a sign or arrow. */
const KIND_LABELS: Readonly<Record<ChangeKind, [string, string]>> = {
  slower: ["slower", "▲"],
  faster: ["faster", "▼"],
  unchanged: ["same", "="],
  added: ["added", "+"],
  removed: ["removed", "−"],
};

/** The kinds offered as filter chips. */
const CHIP_KINDS: readonly ChangeKind[] = [
  "slower",
  "faster",
  "unchanged",
  "added",
  "removed",
];

/**
 * The noise thresholds offered (`--threshold`'s text, and its label); one
 * from a link that is not among them is offered too.
 */
const THRESHOLDS: readonly [string, string][] = [
  ["0", "none: every change counts"],
  ["0.1,1", "0.1% of the total, 1% of its own"],
  [thresholdText(DEFAULT_THRESHOLD), "0.5% of the total, 5% of its own"],
  ["1,10", "1% of the total, 10% of its own"],
  ["2,20", "2% of the total, 20% of its own"],
];

interface Column {
  key: string;
  label: string;
  title: string;
  sort: CompareSortColumn;
  cell(n: ComparedNumbers, sampled: boolean): TemplateResult | string;
}

const COLUMNS: readonly Column[] = [
  {
    key: "before",
    label: "before ms",
    title: "Cumulative time in the run before, in milliseconds",
    sort: "cumulative_before",
    cell: (n) => (n.base ? formatMs(n.base.cumulativeTime) : "—"),
  },
  {
    key: "after",
    label: "after ms",
    title: "Cumulative time in the run after, in milliseconds",
    sort: "cumulative",
    cell: (n) => (n.current ? formatMs(n.current.cumulativeTime) : "—"),
  },
  {
    key: "change",
    label: "change ms",
    title: "Change of cumulative time, after minus before, in milliseconds",
    sort: "cumulative_change",
    cell: (n) => _signed(n.delta.cumulativeTime, formatChangeMs),
  },
  {
    key: "change-pct",
    label: "change %",
    title: "Change of cumulative time as a share of the time before",
    sort: "cumulative_change_percent",
    cell: (n) =>
      n.base === null ? "new" : n.current === null ? "gone" : _signed(
        n.delta.cumulativeTime,
        () =>
          formatChangePercent(
            n.base!.cumulativeTime,
            n.current!.cumulativeTime,
          ),
      ),
  },
  {
    key: "internal-change",
    label: "internal Δ ms",
    title: "Change of internal time (in the function itself), in milliseconds",
    sort: "internal_change",
    cell: (n) => _signed(n.delta.internalTime, formatChangeMs),
  },
  {
    key: "calls",
    label: "calls",
    title: "Calls before → after (samples when sampled)",
    sort: "calls_change",
    cell: (n) =>
      `${n.base ? formatCount(n.base.calls) : "—"} → ${
        n.current ? formatCount(n.current.calls) : "—"
      }`,
  },
];

function _signed(
  delta: number,
  format: (delta: number) => string,
): TemplateResult {
  const tone = delta > 0 ? "worse" : delta < 0 ? "better" : "";
  return html`<span class=${tone}>${format(delta)}</span>`;
}

const list = new VirtualRows(
  () => state.compare,
  () => _length(),
  update,
);

/** The compare view. */
export const COMPARE_VIEW: PageView = {
  tab: "compare",
  label: "Compare",
  available: () => state.comparing || state.comparison !== null,
  totals: (p) => totalsView(state, p),
  query: queryCompare,
  template: (p) => compareView(state, p),
  crumbs: () => crumbsView(state),
  status: () => statusText(state),
  keyHints: () =>
    html`
      <kbd>↑</kbd><kbd>↓</kbd> select <kbd>⏎</kbd> callees
      <kbd>⇧⏎</kbd> callers <kbd>⌫</kbd> back
    `,
  ...edgeListMembers(list, _highlightedRow, _edgeRoute),
  highlightedFunction,
};

// ---------------------------------------------------------------- views

function totalsView(s: State, p: Profile): TemplateResult {
  const c = s.comparison;
  if (c === null) {
    return html`
      <dl class="totals">
        <div>
          <dt>comparing</dt>
          <dd>…</dd>
        </div>
      </dl>
    `;
  }
  const t = compareTotals(c);
  const timeTone = t.delta.time > 0
    ? "worse"
    : t.delta.time < 0
    ? "better"
    : "";
  return html`
    <dl class="totals compare-totals">
      <div>
        <dt>runs</dt>
        <dd title=${`before: ${c.base.sources.join(", ")}\nafter: ${
          p.sources.join(", ")
        }`}>${c.base.sources.map(basename).join(", ")} → ${p.sources.map(
          basename,
        ).join(", ")}</dd>
      </div>
      <div>
        <dt>${c.sampled ? "samples" : "calls"}</dt>
        <dd>${c.sampled
          ? formatCountChange(t.base.primitiveCalls, t.current.primitiveCalls)
          : formatCountChange(t.base.calls, t.current.calls)}</dd>
      </div>
      <div>
        <dt>${c.sampled ? "sampled time" : "total time"}</dt>
        <dd class=${timeTone}>${formatTimeChange(
          t.base.time,
          t.current.time,
        )}</dd>
      </div>
    </dl>
  `;
}

function crumbsView(s: State): TemplateResult {
  const r = s.route;
  const c = s.comparison;
  if (r.fn === null || c === null) return html`<h2>All functions compared</h2>`;
  if (r.fn >= c.size) return html`<h2>Unknown function</h2>`;
  const { profile, id } = rowFunction(c, r.fn);
  const { name } = functionLocation(profile, id);
  return html`
    <a href=${href(_homeRoute(r))}>All functions</a>
    <span class="sep" aria-hidden="true">›</span>
    <h2 class="focal-name" title=${fullLabel(profile, id)}>${name}</h2>
    <span class="tabs">
      ${edgeTabsView(r.view, (view) => href(_edgeRoute(r, r.fn!, view)))}
    </span>
  `;
}

function statusText(s: State): string {
  const c = s.comparison;
  if (c === null) return "Comparing…";
  const r = s.route;
  if (r.view === "functions") {
    const shown = s.compare.rows.length;
    return shown === c.size
      ? `${formatCount(c.size)} functions`
      : `${formatCount(shown)} of ${formatCount(c.size)} functions`;
  }
  const n = s.compare.edges.length;
  return `${formatCount(n)} ${n === 1 ? r.view.slice(0, -1) : r.view}`;
}

function compareView(s: State, p: Profile): TemplateResult {
  const c = s.comparison;
  if (c === null) return busyView("Comparing the two runs…");
  const r = s.route;
  if (r.fn !== null && r.fn >= c.size) {
    return html`
      <div class="state">
        <p>This comparison has no function with id ${r.fn}.</p>
        <p><a href=${href(_homeRoute(r))}>Show all functions</a></p>
      </div>
    `;
  }
  return html`
    ${chipsView(s, c)}
    ${tableView(s, c, p)}
  `;
}

/** Toggles for the kinds of change shown, each with its count. */
function chipsView(s: State, c: Comparison): TemplateResult {
  const only = s.route.compare.only;
  const counts = _kindCounts(c, s.route.compare.threshold);
  return html`
    <div class="chips" role="group" aria-label="Show only">
      <span class="chips-label">Show</span>
      ${CHIP_KINDS.map((kind) => {
        const [word, sign] = KIND_LABELS[kind];
        const on = only.includes(kind);
        return html`
          <button
            type="button"
            class=${`chip ${kind}`}
            aria-pressed=${on ? "true" : "false"}
            title=${`Show only ${word} functions (toggle)`}
            @click=${() => toggleKind(kind)}
          ><span class="sign" aria-hidden="true">${sign}</span> ${word} <span
            class="count"
          >${formatCount(counts[kind])}</span></button>
        `;
      })}
      ${only.length === 0 ? nothing : html`
        <button type="button" class="chip clear" @click=${() =>
          setKinds([])}>Show all</button>
      `}
      <span class="chips-note">${formatCount(
        c.counts.matched,
      )} in both${c.counts.moved > 0
        ? `, ${formatCount(c.counts.moved)} moved`
        : ""}</span>
      ${noiseView(s.route.compare.threshold)}
    </div>
  `;
}

/** The noise threshold's control: what counts as a change. */
function noiseView(threshold: NoiseThreshold): TemplateResult {
  const current = thresholdText(threshold);
  const options = THRESHOLDS.some(([value]) => value === current)
    ? THRESHOLDS
    : [...THRESHOLDS, [current, describeThreshold(threshold)] as const];
  return html`
    <label class="threshold noise">
      Ignore changes under
      <select
        title=${`A function is slower or faster only when its cumulative time changed by at least this share of the run's total time and this share of its own time before; ${
          describeThreshold(threshold)
        } (--threshold on the command line)`}
        @change=${onNoise}
      >
        ${options.map(([value, label]) =>
          html`
            <option value=${value} ?selected=${value ===
              current}>${label}</option>
          `
        )}
      </select>
    </label>
  `;
}

function onNoise(event: Event): void {
  const threshold = parseThreshold((event.target as HTMLSelectElement).value);
  if (threshold === undefined) return;
  const r = state.route;
  navigate({ ...r, compare: { ...r.compare, threshold } }, "replace");
}

function tableView(s: State, c: Comparison, p: Profile): TemplateResult {
  const r = s.route;
  const t = s.compare;
  const edges = r.view !== "functions";
  const n = edges ? t.edges.length : t.rows.length;
  const span = COLUMNS.length + 3;
  const { start, end } = renderRange(t, n);
  const items: { row: number; edge: ComparedEdge | null }[] = [];
  for (let i = start; i < end; i++) {
    items.push(
      edges
        ? { row: t.edges[i]!.row, edge: t.edges[i]! }
        : { row: t.rows[i]!, edge: null },
    );
  }
  return html`
    <div class="scroller" ${ref(list.setScroller)} @scroll=${list.onScroll}>
      <table
        class=${`compare ${r.view}`}
        aria-rowcount=${n + (r.fn === null ? 1 : 2)}
        @click=${list.onClick}
      >
        <caption class="sr-only">${_caption(s, c)}</caption>
        <thead>
          <tr>
            <th scope="col" class="kind">change</th>
            ${COLUMNS.map((col) => headerCellView(r, col, c.sampled))}
            <th scope="col" class="links">callers · callees</th>
            ${locationHeaderCell(
              r.compare.sort,
              r.compare.descending,
              sortBy,
            )}
          </tr>
          ${r.fn === null ? nothing : focalRowView(s, c, r.fn, span)}
        </thead>
        <tbody>
          ${start > 0 ? spacerRow(start, span) : nothing}
          ${repeat(
            items,
            (item) => item.row,
            (item, i) => rowView(s, c, p, item.row, item.edge, start + i),
          )}
          ${end < n ? spacerRow(n - end, span) : nothing}
          ${n === 0 ? emptyView(s, span) : nothing}
        </tbody>
      </table>
    </div>
  `;
}

function _caption(s: State, c: Comparison): string {
  const r = s.route;
  if (r.fn === null) {
    return "Every function of both runs, with its numbers before and after and the change";
  }
  const { profile, id } = rowFunction(c, r.fn);
  const { name } = functionLocation(profile, id);
  return `${name} first, then the functions ${
    r.view === "callers" ? "that call it" : "it calls"
  }, with the numbers of those calls before and after`;
}

function headerCellView(
  r: Route,
  col: Column,
  sampled: boolean,
): TemplateResult {
  // A sampled profile counts samples where a traced one counts calls.
  const label = sampled && col.key === "calls" ? "samples" : col.label;
  return sortHeaderCell(
    { className: `num ${col.key}`, label, title: col.title },
    r.compare.sort === col.sort,
    r.compare.descending,
    () => sortBy(col.sort),
  );
}

function focalRowView(
  s: State,
  c: Comparison,
  row: number,
  span: number,
): TemplateResult {
  const { profile, id } = rowFunction(c, row);
  const { name } = functionLocation(profile, id);
  const caption = s.route.view === "callers"
    ? `Functions that call ${name}, with the numbers of those calls only, before and after`
    : `Functions that ${name} calls, with the numbers of those calls only, before and after`;
  return html`
    <tr class="focal" aria-rowindex="2">
      ${kindCellView(rowChange(c, row, s.route.compare.threshold))}
      ${COLUMNS.map((col) => numberCellView(col, rowNumbers(c, row), c))}
      ${linksCellView(s.route, row)}
      ${locationCellView(c, row)}
    </tr>
    ${captionRow(s.route.view, caption, span)}
  `;
}

function rowView(
  s: State,
  c: Comparison,
  _p: Profile,
  row: number,
  edge: ComparedEdge | null,
  index: number,
): TemplateResult {
  const r = s.route;
  const numbers = edge ? edgeNumbers(c, edge) : rowNumbers(c, row);
  const threshold = r.compare.threshold;
  const kind = edge
    ? edgeChange(c, edge, threshold)
    : rowChange(c, row, threshold);
  const active = index === s.compare.highlight;
  return html`
    <tr
      class=${`row ${kind}${active ? " active" : ""}`}
      data-index=${index}
      aria-rowindex=${index + (r.fn === null ? 2 : 3)}
      aria-current=${active ? "true" : nothing}
    >
      ${kindCellView(kind)}
      ${COLUMNS.map((col) => numberCellView(col, numbers, c))}
      ${linksCellView(r, row)}
      ${locationCellView(c, row)}
    </tr>
  `;
}

function kindCellView(kind: ChangeKind): TemplateResult {
  const [word, sign] = KIND_LABELS[kind];
  return html`
    <td class=${`kind ${kind}`}><span class="badge"><span
          class="sign"
          aria-hidden="true"
        >${sign}</span> ${word}</span></td>
  `;
}

function numberCellView(
  col: Column,
  n: ComparedNumbers,
  c: Comparison,
): TemplateResult {
  return html`<td class=${`num ${col.key}`}>${col.cell(n, c.sampled)}</td>`;
}

function linksCellView(r: Route, row: number): TemplateResult {
  return edgeLinksCell((view) =>
    edgeLinkView(view, href(_edgeRoute(r, row, view)))
  );
}

function locationCellView(c: Comparison, row: number): TemplateResult {
  const { profile, id } = rowFunction(c, row);
  const { location: shown, name } = functionLocation(profile, id);
  // Files as the runs are matched by: two checkouts' paths without the
  // directory that holds each (the full path is in the title).
  const location = shown === ""
    ? ""
    : `${_fileForms(profile)[id]}:${profile.functions.line[id]}`;
  const b = c.baseIds[row]!;
  const moved = b >= 0 && c.currentIds[row]! >= 0 &&
      c.base.functions.line[b] !== profile.functions.line[id]
    ? c.base.functions.line[b]!
    : null;
  return html`
    <td class="location">
      <div class="location-inner">
        <span class="label" title=${fullLabel(profile, id)}>${location === ""
          ? html`<span class="name builtin">${name}</span>`
          : html`<span class="path">${location}</span> <span class="name">${name}</span>`}</span>
        ${moved === null ? nothing : html`
          <span class="moved" title=${`Line ${moved} in the run before`}
          >was line ${moved}</span>
        `}
      </div>
    </td>
  `;
}

function emptyView(s: State, span: number): TemplateResult {
  const r = s.route;
  const message = r.q !== "" || r.compare.only.length > 0
    ? "Nothing matches the filter."
    : r.view === "callers"
    ? "Nothing calls this function in either run."
    : r.view === "callees"
    ? "This function calls nothing that was profiled, in either run."
    : "Both profiles are empty.";
  return emptyRow(message, span);
}

// ---------------------------------------------------------------- updates

/** Recomputes the rows or edges from the route. */
function queryCompare(): void {
  const c = state.comparison;
  const t = state.compare;
  if (c === null) {
    t.rows = new Uint32Array(0);
    t.edges = [];
    return;
  }
  const r = state.route;
  const options: CompareQueryOptions = {
    filter: r.q,
    sort: r.compare.sort,
    descending: r.compare.descending,
    changes: r.compare.only,
    threshold: r.compare.threshold,
  };
  if (r.fn === null) {
    t.rows = queryComparison(c, options).rows;
    t.edges = [];
  } else {
    t.rows = new Uint32Array(0);
    t.edges = r.fn >= c.size
      ? []
      : r.view === "callers"
      ? compareCallers(c, r.fn, options).edges
      : compareCallees(c, r.fn, options).edges;
  }
}

function _length(): number {
  const t = state.compare;
  return state.route.view === "functions" ? t.rows.length : t.edges.length;
}

function sortBy(column: CompareSortColumn): void {
  const r = state.route;
  const descending = r.compare.sort === column
    ? !r.compare.descending
    : isCompareDescendingByDefault(column, r.compare.only);
  navigate({
    ...r,
    compare: { ...r.compare, sort: column, descending },
  }, "replace");
}

function toggleKind(kind: ChangeKind): void {
  const only = state.route.compare.only;
  setKinds(
    only.includes(kind) ? only.filter((k) => k !== kind) : [...only, kind],
  );
}

function setKinds(kinds: readonly ChangeKind[]): void {
  const r = state.route;
  const { sort, descending } = r.compare;
  const only = CHANGE_KINDS.filter((k) => kinds.includes(k));
  // A sort in its natural direction stays natural for the kinds shown: the
  // largest speedup first when only faster functions are.
  const natural =
    descending === isCompareDescendingByDefault(sort, r.compare.only);
  navigate({
    ...r,
    compare: {
      ...r.compare,
      only,
      descending: natural
        ? isCompareDescendingByDefault(sort, only)
        : descending,
    },
  }, "replace");
}

/** The comparison row of the highlighted item. */
function _highlightedRow(): number | undefined {
  const t = state.compare;
  return state.route.view === "functions"
    ? t.rows[t.highlight]
    : t.edges[t.highlight]?.row;
}

/** The current run's function of the highlighted row, if it has one. */
function highlightedFunction(): number | undefined {
  const row = _highlightedRow();
  const c = state.comparison;
  if (row === undefined || c === null) return undefined;
  const id = c.currentIds[row]!;
  // A sampled run's functions are folded lines: the row of its smallest line.
  return id >= 0 ? unfoldedRow(c.current, id) : undefined;
}

// ---------------------------------------------------------------- helpers

function _edgeRoute(r: Route, row: number, view: EdgeView): Route {
  return { ...r, tab: "compare", view, fn: row, q: "" };
}

function _homeRoute(r: Route): Route {
  return { ...r, tab: "compare", view: "functions", fn: null, q: "" };
}

const _forms = new WeakMap<Profile, string[]>();

function _fileForms(profile: Profile): string[] {
  let forms = _forms.get(profile);
  if (forms === undefined) {
    forms = matchFileForms(profile);
    _forms.set(profile, forms);
  }
  return forms;
}

/** How many rows of each kind of change the comparison has (cached per threshold). */
const _counts = new WeakMap<
  Comparison,
  Map<string, Record<ChangeKind, number>>
>();

function _kindCounts(
  c: Comparison,
  threshold: NoiseThreshold,
): Record<ChangeKind, number> {
  let known = _counts.get(c);
  if (known === undefined) _counts.set(c, known = new Map());
  const key = thresholdText(threshold);
  let counts = known.get(key);
  if (counts === undefined) {
    counts = { slower: 0, faster: 0, unchanged: 0, added: 0, removed: 0 };
    for (let row = 0; row < c.size; row++) {
      counts[rowChange(c, row, threshold)]++;
    }
    known.set(key, counts);
  }
  return counts;
}
