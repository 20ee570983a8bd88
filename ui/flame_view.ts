/// <reference lib="dom" />
/**
 * The flame view: the call tree that `lib/call_tree.ts` estimates from the
 * profile's edges, drawn as an icicle on a canvas (`ui/flame_canvas.ts`).
 *
 * Without a function in the route it shows the whole profile: click a frame
 * to zoom into it (the zoom is in the URL, so Back zooms out), hover for its
 * numbers. With one (`fn`) it shows that function's "sandwich": who calls it,
 * up to the roots (inverted, above), and what it calls (below), every path
 * through it merged. The filter box highlights the matching frames and says
 * what share of the total they hold. Arrow keys move a cursor over the
 * frames; the details bar says in text what the cursor is on, with links to
 * the function's callers and callees tables. The route's transforms
 * (`ui/transform_view.ts`) apply to every graph: the whole tree (every
 * branch, up to the frame cap) is transformed, then cut by the threshold,
 * and a function's graphs are cut from the transformed tree
 * (`ui/flame_trees.ts` picks the tree each graph shows).
 *
 * @module
 */

import { html, nothing, type TemplateResult } from "lit-html";
import { ref } from "lit-html/directives/ref.js";
import {
  ALL,
  type CallTree,
  collapsedGroup,
  DEFAULT_MIN_SHARE,
  isMadeUp,
  madeUpMeaning,
  treeFunction,
  treeNotes,
} from "../lib/call_tree.ts";
import { SANDWICH_MAX_FRAMES, sandwichSource } from "../lib/call_sandwich.ts";
import { callModel, callModelStep } from "../lib/call_model.ts";
import { formatCount, formatMs, formatPercent } from "../lib/format.ts";
import { functionLocation, type Profile } from "../lib/profile.ts";
import {
  drawFlame,
  type FlameScene,
  type FlameWindow,
  FRAME_HEIGHT,
  frameAt,
  frameBox,
  frameName,
  sceneRows,
} from "./flame_canvas.ts";
import {
  colourGroup,
  packageColour,
  warmPackageHues,
} from "./package_colours.ts";
import { styleProperties } from "./directives.ts";
import {
  filterMatches,
  growMainTree,
  isPartial,
  MAX_FRAMES,
  onTreeGrown,
} from "./call_trees.ts";
import {
  graphTree,
  nodeAt,
  pathOf,
  transformedTree,
  treeRow,
  zoomNode,
} from "./flame_trees.ts";
import { isMissing } from "./header_view.ts";
import { whenIdle } from "./idle.ts";
import { fullLabel } from "./labels.ts";
import { busyView, missingView } from "./message_view.ts";
import {
  closeFrameMenu,
  frameButtons,
  frameMenuView,
  isFrameMenuOpen,
  openFrameMenu,
  transformKey,
  transformsBar,
} from "./transform_view.ts";
import { edgeRoute, flameRoute, href, navigate } from "./navigation.ts";
import {
  type FlameGraph,
  type HistoryState,
  type KeyContext,
  type PageView,
  type State,
  state,
  update,
} from "./state.ts";

/** The thresholds offered, as shares of the total. */
const THRESHOLDS: readonly [number, string][] = [
  [0.01, "1%"],
  [0.001, "0.1%"],
  [0.0001, "0.01%"],
  [0, "nothing"],
];

/**
 * One drawn graph: its canvas, the element as tall as all its rows that
 * holds it (the canvas shows only the rows in view, at `top` of it), what
 * is on it, and its rows.
 */
interface _Graph {
  canvas: HTMLCanvasElement | undefined;
  rowsBox: HTMLElement | undefined;
  scene: FlameScene | null;
  rows: number;
  top: number;
}

const _graphs: Record<FlameGraph, _Graph> = {
  main: _graph(),
  callers: _graph(),
  callees: _graph(),
};

function _graph(): _Graph {
  return {
    canvas: undefined,
    rowsBox: undefined,
    scene: null,
    rows: 0,
    top: 0,
  };
}

/** Rows drawn above and below those in view, in CSS pixels. */
const _MARGIN = 2 * FRAME_HEIGHT;

let _scroller: HTMLElement | undefined;
let _tip: HTMLElement | undefined;
let _drawQueued = false;
let _paintQueued = false;

/** The flame view. */
export const FLAME_VIEW: PageView = {
  tab: "flame",
  label: "Flame graph",
  query() {
    state.flame.cursor = -1;
    state.flame.pointer = false;
    closeFrameMenu();
  },
  template: (p) =>
    isMissing(state, p) ? missingView(state) : flameView(state, p),
  crumbs: (p) => crumbsView(state, p),
  placeholder: () => "Highlight frames by name, path or line",
  status: (p) => statusText(state, p),
  keyHints: () =>
    html`
      <kbd>↑</kbd><kbd>↓</kbd><kbd>←</kbd><kbd>→</kbd> move <kbd>⏎</kbd> zoom
      <kbd>⇧⏎</kbd> function <kbd>m</kbd> merge <kbd>f</kbd> focus
      <kbd>d</kbd> drop <kbd>⌫</kbd> back
    `,
  show({ scrollTop }: HistoryState) {
    update();
    if (_scroller) _scroller.scrollTop = scrollTop;
  },
  saved: () => ({ scrollTop: _scroller?.scrollTop ?? 0, highlight: 0 }),
  resized: () => _draw(),
  key: flameKey,
  highlightedFunction() {
    const tree = graphTree(state.flame.graph);
    const fn = tree?.fn[state.flame.cursor];
    return tree && fn !== undefined && fn >= 0 ? treeRow(tree, fn) : undefined;
  },
  warm(p) {
    // The model of the call graph a step at a time while the page is idle
    // (each step a pass over the functions or the edges), then the tree
    // the route asks for, a few thousand frames at a time, then the tree
    // at the defaults (which sandwiches are cut from), so that the first
    // opening only draws; then the legend's: the packages' hues (a pass
    // over every function, 20 ms at a time) and each tree's largest
    // packages.
    const legend = (tree: CallTree) => {
      const hues = () => {
        if (state.profile !== p) return;
        if (!warmPackageHues(tree.profile, 20)) whenIdle(hues);
        else _largestGroups(tree);
      };
      whenIdle(hues);
    };
    const step = () => {
      if (state.profile !== p || state.edgesLoading) return;
      const start = performance.now();
      while (!callModelStep(p)) {
        if (performance.now() - start > 20) {
          whenIdle(step);
          return;
        }
      }
      growMainTree(p, state.route.minShare, (tree) => {
        legend(tree);
        growMainTree(p, DEFAULT_MIN_SHARE, legend);
      });
    };
    step();
  },
};

// ---------------------------------------------------------------- trees

/**
 * A partial tree of the main graph has grown: the whole one is shown, the
 * cursor on the same frame.
 */
onTreeGrown((partial, tree) => {
  if (graphTree("main") !== tree) return;
  const f = state.flame;
  if (f.graph === "main" && f.cursor >= 0 && f.cursor < partial.size) {
    f.cursor = nodeAt(tree, pathOf(partial, f.cursor));
  }
  if (state.route.tab === "flame") {
    update();
    _draw();
  }
});

// ---------------------------------------------------------------- views

function crumbsView(s: State, p: Profile): TemplateResult {
  const r = s.route;
  if (r.fn !== null) {
    return html`
      <a href=${href(flameRoute(r, null, []))}>Flame graph</a>
      <span class="sep" aria-hidden="true">›</span>
      ${isMissing(s, p) ? html`<h2>Unknown function</h2>` : html`
        <h2 class="focal-name" title=${fullLabel(p, r.fn)}>${functionLocation(
          p,
          r.fn,
        ).name}</h2>
        <span class="muted">callers and callees</span>
      `}
    `;
  }
  const tree = graphTree("main");
  const zoom = tree === null ? 0 : zoomNode(tree, r.zoom);
  if (tree === null || zoom === 0) return html`<h2>Flame graph</h2>`;
  const chain: number[] = [];
  for (let n = zoom; n > 0; n = tree.parent[n]!) chain.push(n);
  chain.reverse();
  const last = chain.pop()!;
  return html`
    <a href=${href(flameRoute(r, null, []))}>Flame graph</a>
    ${chain.map((n) =>
      html`
        <span class="sep" aria-hidden="true">›</span>
        <a
          class="crumb"
          href=${href(flameRoute(r, null, pathOf(tree, n)))}
          title=${_frameTitle(tree, tree.fn[n]!)}
        >${frameName(tree.profile, tree.fn[n]!, tree.groups)}</a>
      `
    )}
    <span class="sep" aria-hidden="true">›</span>
    <h2 class="focal-name" title=${_frameTitle(
      tree,
      tree.fn[last]!,
    )}>${frameName(
      tree.profile,
      tree.fn[last]!,
      tree.groups,
    )}</h2>
  `;
}

function statusText(s: State, _p: Profile): string {
  if (s.edgesLoading) return "Loading the call graph…";
  const graph = s.route.fn === null ? "main" : "callees";
  const tree = graphTree(graph);
  if (tree === null) return "";
  const match = filterMatches(tree, s.route.q);
  const shown = _shownText(s);
  if (match === null) {
    return `${formatCount(tree.size)} ${tree.size === 1 ? "frame" : "frames"}${
      isPartial(tree) ? " so far" : ""
    }${shown}`;
  }
  const frames = match.marked.reduce((a, b) => a + b, 0);
  return `${formatCount(frames)} ${
    frames === 1 ? "frame matches" : "frames match"
  }${isPartial(tree) ? " so far" : ""}: ${
    formatPercent(match.value, tree.total)
  } of the total, counted once${shown}`;
}

/**
 * What the transforms left of the profile, for the status line: the share
 * shown and what drops removed (`""` without transforms).
 */
function _shownText(s: State): string {
  if (s.route.transforms.length === 0 || s.profile === null) return "";
  const source = transformedTree(s.profile);
  if (source === undefined) return "";
  const whole = callModel(s.profile).total;
  const parts: string[] = [];
  if (source.total < whole * (1 - 1e-9)) {
    parts.push(`${formatPercent(source.total, whole)} of the profile shown`);
  }
  if (source.dropped > 0) {
    parts.push(
      `${_amount(source, source.dropped)} dropped (${
        formatPercent(source.dropped, whole)
      })`,
    );
  }
  return parts.length === 0 ? "" : ` · ${parts.join(", ")}`;
}

/**
 * Why a tree has nothing to draw, as it is: an empty profile, one without
 * time, transforms that leave none, a function without time, or one whose
 * every frame is too small for the tree of the whole profile that its
 * callers and callees are cut from.
 */
function _nothingToDraw(p: Profile, tree: CallTree): string {
  if (p.size === 0) return "The profile is empty.";
  const r = state.route;
  const transformed = r.transforms.length > 0;
  if (transformed && r.fn === null && p.totals.time > 0) {
    return "Nothing to draw: the transforms leave no time (remove one above).";
  }
  if (r.fn === null) {
    return tree.profile.totals.time > 0
      ? "Nothing to draw: the call tree places none of this profile's time."
      : "Nothing to draw: no function of this profile took any time.";
  }
  const fn = treeFunction(p, r.fn);
  const f = tree.profile.functions;
  const time = fn >= 0 ? f.cumulativeTime[fn]! : 0;
  if (!(time > 0)) return "Nothing to draw: this function took no time.";
  if (transformed) {
    return "Nothing to draw: the transforms leave none of this function's frames (remove one above).";
  }
  const source = sandwichSource(p);
  return source.capped
    ? `Nothing to draw: this function's ${
      formatMs(time)
    } ms are in frames smaller than the ${
      formatCount(SANDWICH_MAX_FRAMES)
    } largest of the whole profile, which its callers and callees are cut from. The table has its numbers.`
    : `Nothing to draw: the call tree places none of this function's ${
      formatMs(time)
    } ms (its calls are reached from no root; see [unattributed]). The table has its numbers.`;
}

function flameView(s: State, p: Profile): TemplateResult {
  if (s.edgesLoading) return busyView("Loading the call graph…");
  const r = s.route;
  const tree = graphTree(r.fn === null ? "main" : "callees");
  if (tree !== null && !(tree.total > 0)) {
    return html`
      ${r.transforms.length > 0 ? transformsBar(r) : nothing}
      <div class="state">
        <p>${_nothingToDraw(p, tree)}</p>
      </div>
    `;
  }
  _queueDraw();
  return html`
    <div class="flame">
      <div class="flame-bar">${detailsView(s)} ${thresholdView(s)}</div>
      ${transformsBar(r)}
      ${tree === null ? nothing : legendView(s, tree)}
      <div class="flame-scroll" ${ref(_setScroller)} @scroll=${onScroll}>
        ${r.fn === null ? graphView("main", "") : html`
          <h3 class="flame-heading">
            <span aria-hidden="true">↑</span> Who calls ${functionLocation(
              p,
              r.fn,
            )
              .name}, up to the roots
          </h3>
          ${graphView("callers", "callers")}
          <h3 class="flame-heading">
            <span aria-hidden="true">↓</span> What ${functionLocation(p, r.fn)
              .name} calls, every path through it merged
          </h3>
          ${graphView("callees", "callees")}
        `}
      </div>
      <div class="flame-tip" role="presentation" ${ref(_setTip)} hidden></div>
      ${frameMenuView()}
    </div>
  `;
}

function graphView(
  graph: FlameGraph,
  className: string,
): TemplateResult {
  const tree = graphTree(graph);
  const label = tree === null
    ? ""
    : graph === "main"
    ? `Flame graph of ${
      formatCount(tree.size)
    } frames. Use the arrow keys to move between frames and Enter to zoom.`
    : `${graph === "callers" ? "Callers" : "Callees"} of ${
      functionLocation(tree.profile, tree.fn[0]!).name
    }: ${
      formatCount(tree.size)
    } frames. Use the arrow keys to move and Enter to open a function.`;
  return html`
    <div class="flame-rows" ${ref((el) => _setRowsBox(graph, el))}>
      <canvas
        class=${`flame-canvas ${className}`}
        tabindex="0"
        role="img"
        aria-label=${label}
        data-graph=${graph}
        ${ref((el) => _setCanvas(graph, el))}
        @mousemove=${onMouseMove}
        @mouseleave=${onMouseLeave}
        @click=${onCanvasClick}
        @contextmenu=${onContextMenu}
        @focus=${onCanvasFocus}
      ></canvas>
    </div>
  `;
}

/** The details bar: the frame under the cursor, in text, with links. */
function detailsView(s: State): TemplateResult {
  const f = s.flame;
  const tree = graphTree(f.graph);
  const node = f.cursor;
  if (tree === null || node < 0 || node >= tree.size) {
    return html`
      <div class="flame-details muted" aria-live="polite">
        ${tree?.unit === "samples"
          ? "Estimated from the samples on each caller→callee edge"
          : "Estimated from the caller→callee edges"}: frames are exact where
        their function has one caller, finely striped where estimated,
        hatched where made up. Hover or move with the arrow keys for
        details; click to ${s.route.fn === null ? "zoom" : "open a function"}.
      </div>
    `;
  }
  const fn = tree.fn[node]!;
  const { location } = fn >= 0
    ? functionLocation(tree.profile, fn)
    : { location: "" };
  const row = fn >= 0 ? treeRow(tree, fn) : -1;
  return html`
    <div class="flame-details" aria-live="polite">
      <span class="name">${frameName(tree.profile, fn, tree.groups)}</span>
      ${location === "" ? nothing : html`<span class="path">${location}</span>`}
      <span class="numbers">${_numbersText(tree, node)}</span>
      ${fn < 0 ? nothing : html`
        <span class="links">
          <a href=${href(edgeRoute(s.route, row, "callers"))}>callers ↑</a>
          <a href=${href(edgeRoute(s.route, row, "callees"))}>callees ↓</a>
          ${s.route.fn !== null && treeFunction(s.profile!, s.route.fn) === fn
            ? nothing
            : html`
              <a href=${href(
                flameRoute(s.route, row, []),
              )}>flame of this function</a>
            `}
        </span>
        ${frameButtons(tree, node)}
      `}
    </div>
  `;
}

/** The largest packages drawn, and what stripes and hatching mean. */
function legendView(s: State, tree: CallTree): TemplateResult {
  const dark = _isDark();
  const groups = _largestGroups(tree);
  const growing = isPartial(tree);
  const notes = treeNotes(tree).map((note) =>
    !note.startsWith("the tree reached its frame cap")
      ? `${note[0]!.toUpperCase()}${note.slice(1)}.`
      : growing
      ? "Growing: the largest frames so far are drawn, the rest together in [other] frames until the tree has grown."
      : `Only the ${
        formatCount(MAX_FRAMES)
      } largest frames are drawn: the smaller ones are together in [other] frames.`
  );
  return html`
    <div class="flame-legend">
      <span class="legend-title">Colours by package:</span>
      ${groups.map(([group, value]) =>
        html`
          <span class="legend-item" title=${`${group}: ${
            formatPercent(value, tree.total)
          } of the total in its own time`}>
            <span
              class="swatch"
              style=${styleProperties({
                background: packageColour(tree.profile, group, dark),
              })}
            ></span>${group}
          </span>
        `
      )}
      <span
        class="legend-item made-up"
        title=${`${
          formatPercent(tree.madeUp, tree.total)
        } of the total is on made-up frames: [other] (cut by the threshold or the cap), [unattributed] (time the recorded calls do not place), [deeper] (past the depth bound).`}
      ><span class="swatch hatched"></span>made up (${formatPercent(
        tree.madeUp,
        tree.total,
      )})</span>
      <label class="legend-item" title="Frames whose value or own time the edges do not tell exactly">
        <input
          type="checkbox"
          .checked=${s.flame.markEstimates}
          @change=${onMarkEstimates}
        /><span class="swatch striped"></span>mark estimates
      </label>
      ${notes.map((note) =>
        html`<p class="flame-note" role="note">${note}</p>`
      )}
    </div>
  `;
}

const _legends = new WeakMap<CallTree, [string, number][]>();

/** The 8 packages with the most own time in a tree, largest first. */
function _largestGroups(tree: CallTree): [string, number][] {
  let groups = _legends.get(tree);
  if (groups === undefined) {
    const byGroup = new Map<string, number>();
    for (let i = 0; i < tree.size; i++) {
      const fn = tree.fn[i]!;
      if (fn < 0 && collapsedGroup(fn) < 0) continue;
      const group = colourGroup(tree.profile, fn, tree.groups);
      byGroup.set(group, (byGroup.get(group) ?? 0) + tree.self[i]!);
    }
    groups = [...byGroup].sort((a, b) => b[1] - a[1]).slice(0, 8);
    _legends.set(tree, groups);
  }
  return groups;
}

function onMarkEstimates(event: Event): void {
  state.flame.markEstimates = (event.target as HTMLInputElement).checked;
  update();
  _draw();
}

function _amount(tree: CallTree, value: number): string {
  if (tree.unit === "seconds") return `${formatMs(value)} ms`;
  const samples = Math.round(value);
  return `${formatCount(samples)} ${samples === 1 ? "sample" : "samples"}`;
}

function _numbersText(tree: CallTree, node: number): string {
  const value = tree.value[node]!;
  const parent = tree.parent[node]!;
  const parts = [
    `${_amount(tree, value)} on this path`,
    `${formatPercent(value, tree.total)} of ${
      tree.fn[0] === ALL ? "the total" : "the function"
    }`,
  ];
  if (parent >= 0) {
    parts.push(
      `${formatPercent(value, tree.value[parent]!)} of its ${
        tree.direction === "callers" ? "callee" : "caller"
      }`,
    );
  }
  const fn = tree.fn[node]!;
  const group = collapsedGroup(fn) >= 0;
  const self = tree.self[node]!;
  const merged = tree.merged[node]!;
  if (self > 0 && (fn >= 0 || group)) {
    // Time merged in from merged functions is told apart from the
    // function's own.
    parts.push(
      tree.direction === "callers"
        ? `${_amount(tree, self)} as a root`
        : merged > 0
        ? `own ${_amount(tree, self - merged)} + ${
          _amount(tree, merged)
        } merged in`
        : `own ${_amount(tree, self)}`,
    );
  }
  if (group) {
    parts.push("Collapsed: consecutive frames of the group, as one");
  }
  if (isMadeUp(fn)) parts.push(madeUpMeaning(fn));
  else if (fn !== ALL && tree.estimated[node] === 1) parts.push("estimated");
  return parts.join(" · ");
}

function _frameTitle(tree: CallTree, fn: number): string {
  return fn >= 0
    ? fullLabel(tree.profile, fn)
    : frameName(tree.profile, fn, tree.groups);
}

// ---------------------------------------------------------------- drawing

function _setScroller(element: Element | undefined): void {
  _scroller = element instanceof HTMLElement ? element : undefined;
}

function _setTip(element: Element | undefined): void {
  _tip = element instanceof HTMLElement ? element : undefined;
}

function _setRowsBox(graph: FlameGraph, element: Element | undefined): void {
  _graphs[graph].rowsBox = element instanceof HTMLElement ? element : undefined;
}

function _setCanvas(graph: FlameGraph, element: Element | undefined): void {
  _graphs[graph].canvas = element instanceof HTMLCanvasElement
    ? element
    : undefined;
}

/** Draws once the render that asked for it is done. */
function _queueDraw(): void {
  if (_drawQueued) return;
  _drawQueued = true;
  queueMicrotask(() => {
    _drawQueued = false;
    _draw();
  });
}

const _darkQuery = globalThis.matchMedia?.("(prefers-color-scheme: dark)");
// The canvas has no CSS to follow the system's theme: redraw when it changes.
_darkQuery?.addEventListener("change", () => _draw());

function _isDark(): boolean {
  return _darkQuery?.matches ?? false;
}

/** Draws every graph of the view on its canvas. */
function _draw(): void {
  const p = state.profile;
  if (p === null || state.route.tab !== "flame") return;
  const dark = _isDark();
  for (const graph of ["main", "callers", "callees"] as const) {
    const g = _graphs[graph];
    const tree = graphTree(graph);
    if (g.canvas === undefined || !g.canvas.isConnected || tree === null) {
      g.scene = null;
      continue;
    }
    const match = filterMatches(tree, state.route.q);
    g.scene = {
      profile: tree.profile,
      tree,
      zoom: graph === "main" ? zoomNode(tree, state.route.zoom) : 0,
      inverted: graph === "callers",
      marked: match?.marked ?? null,
      cursor: state.flame.graph === graph ? state.flame.cursor : -1,
      dark,
      markEstimates: state.flame.markEstimates,
    };
    _paint(g);
  }
}

/**
 * Draws a graph's rows in view (and a margin) on its canvas, placed over
 * them in the element as tall as all its rows.
 */
function _paint(g: _Graph): void {
  const { canvas, rowsBox, scene } = g;
  if (canvas === undefined || rowsBox === undefined || scene === null) return;
  const rows = sceneRows(scene);
  const total = rows * FRAME_HEIGHT;
  rowsBox.style.height = `${total}px`;
  const view = _view(rowsBox, total);
  g.rows = rows;
  g.top = view.top;
  canvas.style.top = `${view.top}px`;
  drawFlame(canvas, scene, rowsBox.clientWidth || 800, view);
}

/** The part of a graph `total` pixels tall that the scroller shows. */
function _view(rowsBox: HTMLElement, total: number): FlameWindow {
  const scroller = _scroller;
  if (scroller === undefined || !scroller.contains(rowsBox)) {
    return { top: 0, height: total };
  }
  const seen = Math.max(scroller.clientHeight, FRAME_HEIGHT);
  const height = Math.min(total, seen + 2 * _MARGIN);
  const above = scroller.getBoundingClientRect().top + scroller.clientTop -
    rowsBox.getBoundingClientRect().top;
  const top = Math.max(
    0,
    Math.min(Math.floor(above) - _MARGIN, total - height),
  );
  return { top, height };
}

/** Scrolling: the rows now in view are drawn, once per frame. */
function onScroll(): void {
  if (_paintQueued) return;
  _paintQueued = true;
  requestAnimationFrame(() => {
    _paintQueued = false;
    if (state.route.tab !== "flame") return;
    for (const g of Object.values(_graphs)) {
      if (g.canvas?.isConnected) _paint(g);
    }
  });
}

// ---------------------------------------------------------------- events

function _graphOf(event: Event): FlameGraph | undefined {
  const canvas = event.currentTarget;
  if (!(canvas instanceof HTMLCanvasElement)) return undefined;
  const graph = canvas.dataset["graph"];
  return graph === "main" || graph === "callers" || graph === "callees"
    ? graph
    : undefined;
}

function _hit(event: MouseEvent): [FlameGraph, number] | undefined {
  const graph = _graphOf(event);
  if (graph === undefined) return undefined;
  const g = _graphs[graph];
  if (g.scene === null || g.canvas === undefined) return undefined;
  // The canvas shows the graph from its row at `top`.
  const box = g.canvas.getBoundingClientRect();
  const node = frameAt(
    g.scene,
    box.width,
    g.rows,
    event.clientX - box.left,
    event.clientY - box.top + g.top,
  );
  return [graph, node];
}

function onMouseMove(event: MouseEvent): void {
  const hit = _hit(event);
  if (hit === undefined) return;
  const [graph, node] = hit;
  const f = state.flame;
  if (node !== f.cursor || graph !== f.graph || !f.pointer) {
    f.cursor = node;
    f.graph = graph;
    f.pointer = true;
    update();
    _fillTip(node >= 0 ? graph : undefined, node);
  }
  _placeTip(event.clientX, event.clientY);
}

function onMouseLeave(): void {
  // The details bar keeps the last frame, so its links can be clicked.
  if (_tip) _tip.hidden = true;
}

function onCanvasFocus(event: FocusEvent): void {
  const graph = _graphOf(event);
  if (graph === undefined) return;
  const f = state.flame;
  if (f.graph !== graph || f.cursor < 0) {
    f.graph = graph;
    const tree = graphTree(graph);
    f.cursor = tree === null
      ? -1
      : graph === "main"
      ? zoomNode(tree, state.route.zoom)
      : 0;
    f.pointer = false;
    update();
  }
}

/** Right-click: the frame's menu of transforms. */
function onContextMenu(event: MouseEvent): void {
  const hit = _hit(event);
  if (hit === undefined || hit[1] < 0) return;
  const [graph, node] = hit;
  const tree = graphTree(graph);
  if (tree === null) return;
  const f = state.flame;
  f.graph = graph;
  f.cursor = node;
  if (_tip) _tip.hidden = true;
  const title = frameName(tree.profile, tree.fn[node]!, tree.groups);
  if (openFrameMenu(tree, node, title, event.clientX, event.clientY)) {
    event.preventDefault();
  }
}

function onCanvasClick(event: MouseEvent): void {
  const hit = _hit(event);
  if (hit === undefined || hit[1] < 0) return;
  _open(hit[0], hit[1], event.shiftKey);
}

/**
 * Opens a frame: zooms into it in the whole profile's graph, or shows its
 * function's sandwich (always with `sandwich`).
 */
function _open(graph: FlameGraph, node: number, sandwich: boolean): void {
  const tree = graphTree(graph);
  if (tree === null) return;
  const fn = tree.fn[node]!;
  if (_tip) _tip.hidden = true;
  if (graph === "main" && !sandwich) {
    // A made-up frame has nothing below it, and no function to name in a
    // link: its caller is zoomed into.
    const path = pathOf(tree, fn < 0 ? tree.parent[node]! : node);
    const same = path.length === state.route.zoom.length &&
      path.every((f, i) => f === state.route.zoom[i]);
    if (!same) navigate(flameRoute(state.route, null, path), "push");
    return;
  }
  if (fn >= 0) {
    const row = treeRow(tree, fn);
    if (row !== state.route.fn) {
      navigate(flameRoute(state.route, row, []), "push");
    }
  }
}

function _fillTip(graph: FlameGraph | undefined, node: number): void {
  if (_tip === undefined) return;
  const p = state.profile;
  const tree = graph === undefined ? null : graphTree(graph);
  if (p === null || tree === null || node < 0) {
    _tip.hidden = true;
    return;
  }
  const fn = tree.fn[node]!;
  const title = document.createElement("strong");
  title.textContent = frameName(tree.profile, fn, tree.groups);
  const where = document.createElement("div");
  where.className = "path";
  where.textContent = fn >= 0
    ? functionLocation(tree.profile, fn).location
    : "";
  const numbers = document.createElement("div");
  numbers.textContent = _numbersText(tree, node);
  _tip.replaceChildren(title, where, numbers);
  _tip.hidden = false;
}

function _placeTip(x: number, y: number): void {
  if (_tip === undefined || _tip.hidden) return;
  const width = _tip.offsetWidth;
  const left = Math.min(x + 14, globalThis.innerWidth - width - 8);
  const top = y + 18 + _tip.offsetHeight > globalThis.innerHeight
    ? y - _tip.offsetHeight - 10
    : y + 18;
  _tip.style.setProperty("left", `${Math.max(4, left)}px`);
  _tip.style.setProperty("top", `${Math.max(4, top)}px`);
}

/** The flame view's keys: arrows move the cursor, Enter opens its frame. */
function flameKey({ event, editing }: KeyContext): boolean {
  if (editing) return false;
  const f = state.flame;
  const graph = f.graph;
  const tree = graphTree(graph);
  if (tree === null) return false;
  const zoom = graph === "main" ? zoomNode(tree, state.route.zoom) : 0;
  const cursor = f.cursor >= 0 && f.cursor < tree.size ? f.cursor : zoom;
  const inverted = graph === "callers";
  if (isFrameMenuOpen()) return false;
  if (transformKey(event, tree, cursor)) return true;
  if (event.key === "ContextMenu" || (event.shiftKey && event.key === "F10")) {
    // The frame's menu, below the frame.
    const g = _graphs[graph];
    const box = g.scene === null || g.canvas === undefined
      ? null
      : frameBox(g.scene, g.canvas.clientWidth, g.rows, cursor);
    const at = g.canvas?.getBoundingClientRect();
    if (box === null || at === undefined) return false;
    event.preventDefault();
    const title = frameName(tree.profile, tree.fn[cursor]!, tree.groups);
    openFrameMenu(
      tree,
      cursor,
      title,
      at.left + box.x + Math.min(box.w / 2, 40),
      at.top + box.y - g.top + FRAME_HEIGHT,
    );
    return true;
  }
  let next = -1;
  switch (event.key) {
    case "ArrowUp":
    case "ArrowDown": {
      const towardsRoot = (event.key === "ArrowUp") !== inverted;
      next = towardsRoot
        ? tree.parent[cursor]!
        : cursor + 1 < tree.end[cursor]!
        ? cursor + 1
        : -1;
      break;
    }
    case "ArrowLeft":
      next = _neighbour(tree, zoom, cursor, -1);
      break;
    case "ArrowRight":
      next = _neighbour(tree, zoom, cursor, 1);
      break;
    case "Enter":
      event.preventDefault();
      _open(graph, cursor, event.shiftKey);
      return true;
    case "Escape":
      // Zoom out one frame.
      if (graph !== "main" || state.route.zoom.length === 0) return false;
      event.preventDefault();
      navigate(
        flameRoute(state.route, null, state.route.zoom.slice(0, -1)),
        "push",
      );
      return true;
    default:
      return false;
  }
  event.preventDefault();
  if (f.cursor < 0) next = cursor;
  if (next >= 0) {
    f.cursor = next;
    f.pointer = false;
    if (_tip) _tip.hidden = true;
    update();
    _reveal(graph, next);
  }
  return true;
}

/** Scrolls a graph's frame into view. */
function _reveal(graph: FlameGraph, node: number): void {
  const g = _graphs[graph];
  if (_scroller === undefined || g.rowsBox === undefined || g.scene === null) {
    return;
  }
  const box = frameBox(g.scene, g.rowsBox.clientWidth, g.rows, node);
  if (box === null) return;
  const top = _scroller.getBoundingClientRect().top + _scroller.clientTop;
  const y = g.rowsBox.getBoundingClientRect().top + box.y - top;
  const below = y + FRAME_HEIGHT - _scroller.clientHeight;
  if (y < 0) _scroller.scrollTop += y;
  else if (below > 0) _scroller.scrollTop += below;
}

/** The frame beside a node at its depth, inside the zoomed subtree, or -1. */
function _neighbour(
  tree: CallTree,
  zoom: number,
  node: number,
  direction: 1 | -1,
): number {
  if (node <= zoom) return -1;
  const depth = tree.depth[node]!;
  const end = tree.end[zoom]!;
  if (direction === 1) {
    for (let i = tree.end[node]!; i < end; i++) {
      if (tree.depth[i] === depth) return i;
    }
    return -1;
  }
  for (let i = node - 1; i > zoom; i--) {
    if (tree.depth[i] === depth) return i;
  }
  return -1;
}

/** The threshold control. */
function thresholdView(s: State): TemplateResult {
  const share = s.route.minShare;
  // A threshold from a link that the menu does not offer is offered too.
  const options = THRESHOLDS.some(([t]) => Math.abs(t - share) < 1e-12)
    ? THRESHOLDS
    : [...THRESHOLDS, [share, `${Number((share * 100).toPrecision(6))}%`]]
      .sort((a, b) => Number(b[0]) - Number(a[0])) as [number, string][];
  return html`
    <label class="threshold">
      Hide frames under
      <select
        title="Branches under this share of the total are cut: they show, together, as a hatched [other] frame. The page draws at most the 100,000 largest frames."
        @change=${onThreshold}
      >
        ${options.map(([value, label]) =>
          html`
            <option
              value=${value}
              ?selected=${Math.abs(value - share) < 1e-12}
            >${label}</option>
          `
        )}
      </select>
    </label>
  `;
}

function onThreshold(event: Event): void {
  const minShare = Number((event.target as HTMLSelectElement).value);
  navigate({ ...state.route, minShare }, "replace");
}
