/// <reference lib="dom" />
/**
 * The groups view: the profile rolled up by package, directory, file,
 * function or line (`lib/group.ts`), chosen with the "group by" control and
 * kept in the URL (`by`). The directory level is a tree whose rows open into
 * sub-directories, files and functions; the other levels are flat, except
 * that a sampled function opens into its lines. A sampled function's
 * callers and callees are folded by function (`fn` and `view` in the URL).
 *
 * The view only draws: every number comes from `lib/group.ts`, and the rows'
 * order from `lib/group_rows.ts`; its columns and cells are
 * `ui/group_columns.ts`.
 *
 * @module
 */

import { html, nothing, type TemplateResult } from "lit-html";
import { ref } from "lit-html/directives/ref.js";
import { repeat } from "lit-html/directives/repeat.js";
import { formatCalls, formatCount, formatPercent } from "../lib/format.ts";
import {
  DIRECTORY,
  FILE,
  type FoldedEdges,
  foldedEdges,
  FUNCTION,
  GROUP_LEVELS,
  type GroupLevel,
  type GroupNumbers,
  groupNumbers,
  type GroupTree,
  groupTree,
  LINE,
  nodeKey,
  nodeName,
  PACKAGE,
} from "../lib/group.ts";
import { GroupRows, nodeOpens, sortFoldedEdges } from "../lib/group_rows.ts";
import { functionLocation, type Profile } from "../lib/profile.ts";
import {
  filterMatches,
  growMainTree,
  hasMainTree,
  mainTree,
} from "./call_trees.ts";
import { copyLocation } from "./clipboard.ts";
import { packageColour } from "./package_colours.ts";
import { styleProperties } from "./directives.ts";
import { fullLabel, isolated, shown, shownLocation } from "./labels.ts";
import { whenIdle } from "./idle.ts";
import {
  edgeLinksCell,
  edgeLinkView,
  edgeTabsView,
  type EdgeView,
  emptyRow,
  listMembers,
} from "./list_view.ts";
import { edgeRoute, href, navigate } from "./navigation.ts";
import type { Route } from "./route.ts";
import { type KeyContext, type PageView, state, update } from "./state.ts";
import {
  anyPassesTotal,
  cellView,
  edgeCell,
  type GroupColumn,
  groupColumns,
  headerCellView,
  nameHeaderView,
  nodeCell,
  REENTERED_MARK,
  REENTERED_NOTE,
} from "./group_columns.ts";
import { renderRange, spacerRow, VirtualRows } from "./virtual_list.ts";

const _PLURALS: Record<GroupLevel, [string, string]> = {
  line: ["line", "lines"],
  function: ["function", "functions"],
  file: ["file", "files"],
  directory: ["directory or file", "directories and files"],
  package: ["package", "packages"],
};

/** The levels offered: `line` only where it differs from `function`. */
function _levels(p: Profile): GroupLevel[] {
  return [...GROUP_LEVELS].reverse().filter((l) => l !== "line" || p.sampled);
}

// ---------------------------------------------------------------- data

/** Each level's numbers for the filter `_numbersFilter`. */
const _numbers = new Map<GroupNumbers["tree"], GroupNumbers>();
let _numbersFilter = "";
/** The rows of each level's numbers, for the last sort asked. */
const _rows = new WeakMap<GroupNumbers, GroupRows>();
let _edges: { key: string; edges: FoldedEdges; tree: GroupTree } | null = null;

/** The numbers of the route's level and filter, computed once for each. */
function _groupNumbers(p: Profile, r: Route): GroupNumbers {
  return _levelNumbers(p, r.by, r.q);
}

function _levelNumbers(
  p: Profile,
  level: GroupLevel,
  q: string,
): GroupNumbers {
  const tree = groupTree(p, level);
  if (_numbersFilter !== q) {
    _numbers.clear();
    _numbersFilter = q;
  }
  let numbers = _numbers.get(tree);
  if (numbers === undefined) {
    numbers = groupNumbers(tree, q);
    _numbers.set(tree, numbers);
  }
  return numbers;
}

/**
 * Computes, while the page is idle, every level's groups, so that switching
 * level shows at once.
 */
export function prepareGroups(profile: Profile): void {
  // The level in view first, then the likeliest ones.
  const levels = [
    ...new Set<GroupLevel>([
      state.route.by,
      "directory",
      "package",
      "file",
      "function",
      "line",
    ]),
  ];
  const next = () => {
    const level = levels.shift();
    if (level === undefined) return;
    whenIdle(
      () => {
        if (state.profile !== profile || state.edgesLoading) return;
        const numbers = _levelNumbers(profile, level, state.route.q);
        _groupRows(numbers, state.route).children(-1);
        next();
      },
      5000,
      100,
    );
  };
  next();
}

/** The rows of a level's numbers in the route's order, kept while it holds. */
function _groupRows(numbers: GroupNumbers, r: Route): GroupRows {
  let rows = _rows.get(numbers);
  if (rows?.sort !== r.sort || rows.descending !== r.descending) {
    rows = new GroupRows(numbers, r.sort, r.descending);
    _rows.set(numbers, rows);
  }
  return rows;
}

function _expanded(level: GroupLevel): Set<number> {
  const all = state.groups.expanded;
  let open = all.get(level);
  if (open === undefined) {
    open = new Set();
    all.set(level, open);
  }
  return open;
}

/** The folded callers or callees of the route's function, filtered and sorted. */
function _queryEdges(p: Profile, r: Route): Uint32Array {
  const tree = groupTree(p, "function");
  const node = tree.functionNode[r.fn!]!;
  const view = r.view === "callers" ? "callers" : "callees";
  const key = `${node}:${view}`;
  if (_edges?.key !== key || _edges.tree !== tree) {
    _edges = { key, edges: foldedEdges(tree, node, view), tree };
  }
  return sortFoldedEdges(tree, _edges.edges, {
    filter: r.q,
    sort: r.sort,
    descending: r.descending,
  });
}

/** Recomputes the rows from the route. */
function queryGroups(): void {
  const p = state.profile;
  if (p === null) return;
  const r = state.route;
  if (state.edgesLoading) {
    // Groups count time entering them along the edges, still on their way.
    state.groups.rows = new Uint32Array(0);
    return;
  }
  if (r.fn !== null) {
    state.groups.rows = r.fn < p.size ? _queryEdges(p, r) : new Uint32Array(0);
    return;
  }
  state.groups.rows = _groupRows(_groupNumbers(p, r), r).rows(_expanded(r.by));
}

// ---------------------------------------------------------------- view

const list = new VirtualRows(
  () => state.groups,
  () => state.groups.rows.length,
  update,
);

/** The groups view. */
export const GROUP_VIEW: PageView = {
  tab: "groups",
  label: "Groups",
  warm: prepareGroups,
  query: queryGroups,
  template: (p) => groupsView(p),
  crumbs: (p) => crumbsView(p),
  placeholder: () =>
    state.route.fn === null
      ? "Filter functions by name, path or line"
      : `Filter ${state.route.view} by name or path`,
  status: (p) => statusText(p),
  keyHints: () =>
    html`
      <kbd>↑</kbd><kbd>↓</kbd> select <kbd>→</kbd><kbd>←</kbd> open/close
      <kbd>⏎</kbd> callees <kbd>⇧⏎</kbd> callers
    `,
  ...listMembers(list),
  key: groupsKey,
  highlightedFunction,
};

function crumbsView(p: Profile): TemplateResult {
  const r = state.route;
  const control = html`
    <label class="group-by">
      Group by
      <select id="group-by" @change=${onLevelChange}>
        ${_levels(p).map((level) =>
          html`
            <option value=${level} ?selected=${level === r.by}>${level}</option>
          `
        )}
      </select>
    </label>
  `;
  if (r.fn === null) return control;
  const fnName = r.fn < p.size ? functionLocation(p, r.fn).name : "Unknown";
  const counts = r.fn < p.size && !state.edgesLoading
    ? _edgeCounts(p, r.fn)
    : null;
  return html`
    ${control}
    <span class="sep" aria-hidden="true">›</span>
    <h2 class="focal-name folded-name">${fnName}</h2>
    <span class="tabs">
      ${edgeTabsView(
        r.view,
        (view) => href(_foldedRoute(r, r.fn!, view)),
        (view) => counts === null ? "…" : formatCount(counts[view]),
      )}
    </span>
  `;
}

let _counts:
  | { p: Profile; fn: number; callers: number; callees: number }
  | null = null;

function _edgeCounts(p: Profile, fn: number) {
  if (_counts?.p !== p || _counts.fn !== fn) {
    const tree = groupTree(p, "function");
    const node = tree.functionNode[fn]!;
    _counts = {
      p,
      fn,
      callers: foldedEdges(tree, node, "callers").nodes.length,
      callees: foldedEdges(tree, node, "callees").nodes.length,
    };
  }
  return _counts;
}

const _unfiltered = new WeakMap<GroupTree, GroupNumbers>();

/** A level's numbers for all functions. */
function _allNumbers(p: Profile, level: GroupLevel): GroupNumbers {
  const tree = groupTree(p, level);
  let numbers = _unfiltered.get(tree);
  if (numbers === undefined) {
    numbers = groupNumbers(tree);
    _unfiltered.set(tree, numbers);
  }
  return numbers;
}

function statusText(p: Profile): string {
  const r = state.route;
  const g = state.groups;
  if (state.edgesLoading) return "Loading the call graph…";
  if (r.fn !== null) {
    const noun = g.rows.length === 1 ? r.view.slice(0, -1) : r.view;
    return `${formatCount(g.rows.length)} ${noun}, folded by function`;
  }
  const numbers = _groupNumbers(p, r);
  const tree = numbers.tree;
  const top = _groupRows(numbers, r).children(-1).length;
  const [one, many] = _PLURALS[r.by];
  const noun = `${formatCount(top)} ${top === 1 ? one : many}`;
  const lines = p.sampled && r.by === "function"
    ? ` (from ${formatCount(p.size)} lines)`
    : "";
  if (r.q === "") return `${noun}${lines}`;
  const all = tree.level === "directory"
    ? tree.roots.length
    : (r.by === "function" || r.by === "line")
    ? tree.roots.length
    : tree.listed.length;
  return `${noun} of ${formatCount(all)} with matches; ${_matchShare(p, r)}`;
}

/**
 * What share of the total the matching functions hold, nested calls
 * counted once: from the flame graph's tree, as its filter says it (the
 * groups' own column counts re-entries again). The tree is built when the
 * page is idle if it is not yet.
 */
function _matchShare(p: Profile, r: Route): string {
  if (!hasMainTree(p, r.minShare)) {
    _buildTreeLater(p, r.minShare);
    return "the matching functions: … of the total";
  }
  const tree = mainTree(p, r.minShare);
  const match = filterMatches(tree, r.q);
  return `the matching functions: ${
    formatPercent(match?.value ?? 0, tree.total)
  } of the total, counted once`;
}

let _treeAsked: { p: Profile; minShare: number } | null = null;

function _buildTreeLater(p: Profile, minShare: number): void {
  if (_treeAsked?.p === p && _treeAsked.minShare === minShare) return;
  _treeAsked = { p, minShare };
  whenIdle(() => {
    if (state.profile !== p || state.edgesLoading) return;
    growMainTree(p, minShare, () => update());
  });
}

function groupsView(p: Profile): TemplateResult {
  const r = state.route;
  const g = state.groups;
  const columns = groupColumns(p, r);
  const span = columns.length + 2;
  const n = g.rows.length;
  const { start, end } = renderRange(g, n);
  const visible = Array.from(g.rows.subarray(start, end));
  const edges = r.fn !== null;
  const numbers = edges || state.edgesLoading ? null : _groupNumbers(p, r);
  const treeTable = !edges && r.by === "directory";
  return html`
    ${numbers !== null && anyPassesTotal(numbers)
      ? html`
        <p class="groups-note" role="note"><span class="mark" aria-hidden="true"
          >${REENTERED_MARK}</span> ${REENTERED_NOTE} A call that leaves such a
          group and comes back in is counted twice. Filter by the group's path
          for its time counted once, as the flame graph estimates it.</p>
      `
      : nothing}
    <div class="scroller" ${ref(list.setScroller)} @scroll=${list.onScroll}>
      <table
        class=${`groups ${edges ? r.view : `by-${r.by}`}`}
        role=${treeTable ? "treegrid" : nothing}
        aria-rowcount=${n + 1}
        style=${styleProperties({
          "--calls-chars": String(_callsChars(p, numbers, visible, edges)),
        })}
        @click=${list.onClick}
      >
        <caption class="sr-only">${edges
          ? `The ${r.view} of the function, folded by function`
          : `The profile grouped by ${r.by}`}</caption>
        <thead>
          <tr>
            ${columns.map((c) => headerCellView(r, c))}
            <th scope="col" class="links">callers · callees</th>
            ${nameHeaderView(r)}
          </tr>
          ${edges && r.fn! < p.size ? focalRowView(p, columns, r.fn!) : nothing}
        </thead>
        <tbody>
          ${start > 0 ? spacerRow(start, span) : nothing}
          ${repeat(
            visible,
            (id) => id,
            (id, i) =>
              edges
                ? edgeRowView(p, columns, id, start + i)
                : nodeRowView(numbers!, columns, id, start + i),
          )}
          ${end < n ? spacerRow(n - end, span) : nothing}
          ${n === 0 ? emptyView(p, span) : nothing}
        </tbody>
      </table>
    </div>
  `;
}

/**
 * The characters of the widest calls cell among the rows drawn, so that the
 * calls column fits `15,159/15,100` without cutting it (as the table's).
 */
function _callsChars(
  p: Profile,
  numbers: GroupNumbers | null,
  visible: number[],
  edges: boolean,
): number {
  if (p.sampled) return 0;
  const source = edges ? _edges?.edges : numbers;
  if (source === undefined || source === null) return 0;
  let widest = 0;
  for (const i of visible) {
    const text = formatCalls(source.calls[i]!, source.primitiveCalls[i]!);
    if (text.length > widest) widest = text.length;
  }
  return widest;
}

function nodeRowView(
  numbers: GroupNumbers,
  columns: GroupColumn[],
  node: number,
  index: number,
): TemplateResult {
  const tree = numbers.tree;
  const r = state.route;
  const active = index === state.groups.highlight;
  const opens = nodeOpens(tree, node);
  const open = opens && _expanded(r.by).has(node);
  const fn = tree.row[node]!;
  return html`
    <tr
      class=${active ? "row active" : "row"}
      data-index=${index}
      data-node=${node}
      aria-rowindex=${index + 2}
      aria-level=${r.by === "directory" ? tree.depth[node]! + 1 : nothing}
      aria-expanded=${opens ? String(open) : nothing}
      aria-current=${active ? "true" : nothing}
    >
      ${columns.map((c) => cellView(c, nodeCell(numbers, c, node)))}
      ${_linksCell(tree, node, fn)}
      ${nodeNameView(tree, node, opens, open)}
    </tr>
  `;
}

function nodeNameView(
  tree: GroupTree,
  node: number,
  opens: boolean,
  open: boolean,
): TemplateResult {
  const p = tree.profile;
  const kind = tree.kind[node]!;
  const fn = tree.row[node]!;
  const indent = tree.level === "directory" ||
      (kind === LINE && tree.parent[node]! >= 0)
    ? tree.depth[node]!
    : 0;
  const opener = opens
    ? html`
      <button
        type="button"
        class="toggle"
        aria-label=${open ? "Close" : "Open"}
        @click=${() => toggleNode(node)}
      >${open ? "▾" : "▸"}</button>
    `
    : html`<span class="toggle" aria-hidden="true"></span>`;
  let label: TemplateResult;
  if (kind < FUNCTION) {
    const key = tree.level === "directory"
      ? nodeName(tree, node)
      : nodeKey(tree, node);
    const text = key === "~" ? "~ (built-ins)" : key;
    // A package shows the colour its functions have in the flame graph.
    const swatch = tree.level === "package" && kind === PACKAGE
      ? html`<span class="swatch" aria-hidden="true" style=${
        styleProperties({
          "--light": packageColour(p, key, false),
          "--dark": packageColour(p, key, true),
        })
      }></span>`
      : nothing;
    label = html`${swatch}<span class=${
      kind === DIRECTORY ? "name dir" : "name group"
    } title=${nodeKey(tree, node)}>${text}</span>`;
  } else if (kind === LINE && tree.parent[node]! >= 0) {
    label = html`<span class="name line" title=${fullLabel(p, fn)}>${
      nodeName(tree, node)
    }</span>`;
  } else {
    const { location, name } = functionLocation(p, fn);
    // Under its file in the tree, a function needs only its line.
    const parent = tree.parent[node]!;
    const inFile = parent >= 0 && tree.kind[parent] === FILE;
    const where = inFile
      ? (p.sampled || location === "" ? "" : `:${p.functions.line[fn]}`)
      : p.sampled && kind === FUNCTION
      ? shown(p.functions.shortFile[fn]!)
      : location;
    label = where === ""
      ? html`<span class=${
        location === "" ? "name builtin" : "name"
      }>${name}</span>`
      : html`<span class="path">${where}</span> <span class="name">${name}</span>`;
    label = html`<span class="label" title=${
      nodeKey(tree, node)
    }>${label}</span>`;
  }
  const copy = fn >= 0 && (kind === LINE || !p.sampled) &&
    functionLocation(p, fn).location !== "";
  return html`
    <td class="location">
      <div class="location-inner" style=${styleProperties({
        "--depth": String(indent),
      })}>
        ${opener}${label}
        ${copy
          ? html`
            <button
              type="button"
              class=${state.copied === fn ? "copy copied" : "copy"}
              title=${`Copy ${isolated(shownLocation(p, fn))}`}
              aria-label="Copy the file path and line"
              @click=${() => void copyLocation(fn)}
            >${state.copied === fn ? "Copied" : "Copy"}</button>
          `
          : nothing}
      </div>
    </td>
  `;
}

/** The route of a function's callers or callees folded by function. */
function _foldedRoute(r: Route, fn: number, view: EdgeView): Route {
  return { ...r, tab: "groups", fn, view, q: "" };
}

/**
 * The links to a node's function's callers and callees (none for a group):
 * folded by function for a sampled function, the stored rows' for the rest.
 */
function _linksCell(tree: GroupTree, node: number, fn: number) {
  if (fn < 0) return edgeLinksCell();
  const r = state.route;
  const folded = tree.profile.sampled && tree.kind[node] === FUNCTION;
  return edgeLinksCell((view) =>
    edgeLinkView(
      view,
      href(folded ? _foldedRoute(r, fn, view) : edgeRoute(r, fn, view)),
    )
  );
}

function edgeRowView(
  p: Profile,
  columns: GroupColumn[],
  index: number,
  at: number,
): TemplateResult {
  const e = _edges!.edges;
  const tree = _edges!.tree;
  const node = e.nodes[index]!;
  const fn = tree.row[node]!;
  const active = at === state.groups.highlight;
  return html`
    <tr
      class=${active ? "row active" : "row"}
      data-index=${at}
      aria-rowindex=${at + 2}
      aria-current=${active ? "true" : nothing}
    >
      ${columns.map((c) => cellView(c, edgeCell(p, e, c, index)))}
      ${_linksCell(tree, node, fn)}
      ${nodeNameView(tree, node, false, false)}
    </tr>
  `;
}

/** The function whose callers or callees are listed, with its own numbers. */
function focalRowView(
  p: Profile,
  columns: GroupColumn[],
  fn: number,
): TemplateResult {
  const numbers = _allNumbers(p, "function");
  const tree = numbers.tree;
  const node = tree.functionNode[fn]!;
  return html`
    <tr class="focal" aria-rowindex="2">
      ${columns.map((c) => cellView(c, nodeCell(numbers, c, node)))}
      ${_linksCell(tree, node, fn)}
      ${nodeNameView(tree, node, false, false)}
    </tr>
  `;
}

function emptyView(p: Profile, span: number): TemplateResult {
  const r = state.route;
  let message: string;
  if (state.edgesLoading) message = "Loading the call graph…";
  else if (r.fn !== null && r.fn >= p.size) message = "Unknown function.";
  else if (r.q !== "") message = `No function matches “${r.q}”.`;
  else if (r.fn !== null) {
    message = r.view === "callers"
      ? "Nothing calls this function in the profile: it is a root."
      : "This function calls nothing that was profiled.";
  } else message = "The profile is empty.";
  return emptyRow(message, span);
}

// ---------------------------------------------------------------- updates

function onLevelChange(event: Event): void {
  const by = (event.target as HTMLSelectElement).value as GroupLevel;
  navigate({ ...state.route, tab: "groups", by, fn: null }, "push");
}

/** Opens or closes a node's row. */
function toggleNode(node: number, open?: boolean): void {
  const r = state.route;
  const set = _expanded(r.by);
  const now = open ?? !set.has(node);
  if (now === set.has(node)) return;
  if (now) set.add(node);
  else set.delete(node);
  const g = state.groups;
  const highlighted = g.rows[g.highlight];
  queryGroups();
  if (highlighted !== undefined) {
    const at = g.rows.indexOf(highlighted);
    if (at >= 0) g.highlight = at;
  }
  update();
}

/** The node of the highlighted row, in the groups (not the edges). */
function _highlightedNode(): number | undefined {
  const g = state.groups;
  const id = g.rows[g.highlight];
  if (id === undefined) return undefined;
  return state.route.fn === null ? id : _edges?.edges.nodes[id];
}

function highlightedFunction(): number | undefined {
  const p = state.profile;
  const node = _highlightedNode();
  if (p === null || node === undefined) return undefined;
  const tree = state.route.fn === null
    ? groupTree(p, state.route.by)
    : _edges!.tree;
  const fn = tree.row[node]!;
  return fn >= 0 ? fn : undefined;
}

function groupsKey(context: KeyContext) {
  const { event, inFilter, editing, onControl } = context;
  const move = (delta: number) => {
    event.preventDefault();
    list.moveHighlight(delta);
    return true;
  };
  const g = state.groups;
  const p = state.profile!;
  const r = state.route;
  const node = _highlightedNode();
  const tree = r.fn === null ? groupTree(p, r.by) : null;
  const moved = list.moveByKey(context);
  if (moved !== undefined) return moved;
  switch (event.key) {
    case "ArrowRight":
    case "ArrowLeft": {
      if (editing || tree === null || node === undefined) return false;
      event.preventDefault();
      const opening = event.key === "ArrowRight";
      if (nodeOpens(tree, node) && _expanded(r.by).has(node) !== opening) {
        toggleNode(node, opening);
      } else if (!opening && tree.parent[node]! >= 0) {
        const at = g.rows.indexOf(tree.parent[node]!);
        if (at >= 0) move(at - g.highlight);
      }
      return true;
    }
    case "Enter": {
      if (!(inFilter || (!editing && !onControl))) return false;
      event.preventDefault();
      if (tree !== null && node !== undefined && nodeOpens(tree, node)) {
        toggleNode(node);
        return true;
      }
      const fn = highlightedFunction();
      if (fn === undefined) return true;
      const view = event.shiftKey ? "callers" : "callees";
      const folded = p.sampled &&
        (tree === null || tree.kind[node!] === FUNCTION);
      navigate(
        folded ? _foldedRoute(r, fn, view) : edgeRoute(r, fn, view),
        "push",
      );
      return true;
    }
  }
  return false;
}
