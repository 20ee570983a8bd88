/// <reference lib="dom" />
/**
 * Draws a {@linkcode CallTree} on a canvas as an icicle (root on top) or,
 * inverted, as a flame (root at the bottom), and finds the frame under a
 * point. Knows nothing of the page: `ui/flame_view.ts` decides what to draw.
 *
 * A frame `i` of the zoomed frame `z`'s subtree spans
 * `(start[i] - start[z]) / value[z]` to `(start[i] + value[i] - start[z]) /
 * value[z]` of the width; `z`'s ancestors span the whole width. Frames
 * narrower than half a pixel are drawn together, a pixel at a time in the
 * colour of the largest, and what is below them is skipped; only the rows
 * in view are drawn, and a frame past them skips its subtree, so a drawing
 * costs what is visible, not the size of the tree.
 *
 * @module
 */

import {
  type CallTree,
  collapsedGroup,
  isMadeUp,
  madeUpName,
} from "../lib/call_tree.ts";
import { functionLocation, type Profile } from "../lib/profile.ts";
import { colourGroup, packageHue } from "./package_colours.ts";

/** A frame's height in CSS pixels. */
export const FRAME_HEIGHT = 20;

/** What to draw. */
export interface FlameScene {
  /** The profile the tree was built from. */
  readonly profile: Profile;
  /** The tree. */
  readonly tree: CallTree;
  /** The frame shown across the whole width. */
  readonly zoom: number;
  /** Whether the root is at the bottom (a tree of callers). */
  readonly inverted: boolean;
  /** Frames the filter matches (1 each), or null without a filter. */
  readonly marked: Uint8Array | null;
  /** The frame under the mouse or the keyboard cursor, -1 for none. */
  readonly cursor: number;
  /** Whether the page is dark. */
  readonly dark: boolean;
  /** Whether estimated frames are marked (a fine stripe). */
  readonly markEstimates: boolean;
}

/** The rows a scene needs: the zoomed frame's depth plus its subtree's. */
export function sceneRows(scene: FlameScene): number {
  const { tree, zoom } = scene;
  if (zoom === 0) return tree.maxDepth + 1;
  let deepest = tree.depth[zoom]!;
  const end = tree.end[zoom]!;
  for (let i = zoom; i < end; i++) {
    if (tree.depth[i]! > deepest) deepest = tree.depth[i]!;
  }
  return deepest + 1;
}

/** Where a frame is drawn, in CSS pixels, or null when it is not. */
export function frameBox(
  scene: FlameScene,
  width: number,
  rows: number,
  node: number,
): { x: number; y: number; w: number } | null {
  const { tree, zoom } = scene;
  const z0 = tree.start[zoom]!;
  const zv = tree.value[zoom]!;
  const d = tree.depth[node]!;
  const y = scene.inverted ? (rows - 1 - d) * FRAME_HEIGHT : d * FRAME_HEIGHT;
  if (node < zoom || node >= tree.end[zoom]!) {
    // An ancestor of the zoomed frame spans the width; others are hidden.
    return node <= zoom && tree.end[node]! > zoom
      ? { x: 0, y, w: width }
      : null;
  }
  if (!(zv > 0)) return null;
  const x = (tree.start[node]! - z0) / zv * width;
  const w = tree.value[node]! / zv * width;
  return { x, y, w };
}

/**
 * The frame at a point of the canvas, in CSS pixels, or -1.
 *
 * @param scene What is drawn.
 * @param width The canvas's width in CSS pixels.
 * @param rows The rows drawn (see {@linkcode sceneRows}).
 * @param x The point's x.
 * @param y The point's y.
 */
export function frameAt(
  scene: FlameScene,
  width: number,
  rows: number,
  x: number,
  y: number,
): number {
  const { tree, zoom } = scene;
  const row = Math.floor(y / FRAME_HEIGHT);
  const depth = scene.inverted ? rows - 1 - row : row;
  if (depth < 0 || depth >= rows || x < 0 || x >= width) return -1;
  // Walk down from the root: ancestors of the zoomed frame, then the child
  // under x at each depth.
  let node = zoom;
  while (tree.depth[node]! > depth) node = tree.parent[node]!;
  if (tree.depth[node]! === depth) return node;
  for (let d = tree.depth[node]!; d < depth; d++) {
    let found = -1;
    const end = tree.end[node]!;
    for (let c = node + 1; c < end; c = tree.end[c]!) {
      const box = frameBox(scene, width, rows, c)!;
      if (x >= box.x && x < box.x + box.w) {
        found = c;
        break;
      }
    }
    if (found < 0) return -1;
    node = found;
  }
  return node;
}

/**
 * A frame's label: the function's name, `all`, a made-up frame's, or a
 * collapsed group's (`django [collapsed]`, given the tree's `groups`).
 */
export function frameName(
  profile: Profile,
  fn: number,
  groups: readonly string[] = [],
): string {
  const group = collapsedGroup(fn);
  if (group >= 0) return `${groups[group] ?? "?"} [collapsed]`;
  if (fn < 0) return madeUpName(fn);
  return functionLocation(profile, fn).name;
}

/** FNV-1a: a stable number for a text. */
function _hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  }
  return h >>> 0;
}

const _shades = new WeakMap<Profile, Map<string, number>>();

/** A function's shade within its package's hue, by its file. */
function _shade(profile: Profile, fn: number): number {
  let shades = _shades.get(profile);
  if (shades === undefined) _shades.set(profile, shades = new Map());
  // By file, each hashed once: a file may be shared by thousands of
  // functions, and long.
  const file = profile.functions.shortFile[fn]!;
  let shade = shades.get(file);
  if (shade === undefined) {
    shade = (_hash(file) % 9) - 4;
    shades.set(file, shade);
  }
  return shade;
}

const _fills = new WeakMap<Profile, Map<number, string>[]>();

/**
 * A frame's colour, worked out once per function, theme and dimming (a
 * collapsed group's each time: its id names another group in another
 * tree).
 */
function _fill(scene: FlameScene, fn: number, dim: boolean): string {
  if (collapsedGroup(fn) >= 0) return _colour(scene, fn, dim);
  let fills = _fills.get(scene.profile);
  if (fills === undefined) {
    _fills.set(
      scene.profile,
      fills = [new Map(), new Map(), new Map(), new Map()],
    );
  }
  const cache = fills[(scene.dark ? 2 : 0) + (dim ? 1 : 0)]!;
  let fill = cache.get(fn);
  if (fill === undefined) {
    fill = _colour(scene, fn, dim);
    cache.set(fn, fill);
  }
  return fill;
}

function _colour(scene: FlameScene, fn: number, dim: boolean): string {
  const dark = scene.dark;
  if (fn < 0 && collapsedGroup(fn) < 0) {
    return dim
      ? (dark ? "#1c2128" : "#f3f4f6")
      : (dark ? "#3d444d" : "#d1d9e0");
  }
  const group = colourGroup(scene.profile, fn, scene.tree.groups);
  if (group === "builtins") {
    return dim
      ? (dark ? "#1f1d2b" : "#f4f2f8")
      : (dark ? "#4b4163" : "#ddd4ee");
  }
  const h = packageHue(scene.profile, group);
  const shade = fn < 0 ? 0 : _shade(scene.profile, fn);
  if (dim) return dark ? `hsl(${h} 10% 18%)` : `hsl(${h} 15% 94%)`;
  return dark ? `hsl(${h} 45% ${32 + shade}%)` : `hsl(${h} 65% ${79 + shade}%)`;
}

/** Stripes for made-up frames (bold) and estimated ones (fine), per theme. */
const _patterns = new Map<string, CanvasPattern | null>();

function _stripes(
  ctx: CanvasRenderingContext2D,
  kind: "made-up" | "estimated",
  dark: boolean,
): CanvasPattern | null {
  const key = `${kind} ${dark}`;
  if (_patterns.has(key)) return _patterns.get(key)!;
  const tile = document.createElement("canvas");
  const size = kind === "made-up" ? 6 : 8;
  tile.width = tile.height = size;
  const t = tile.getContext("2d");
  let pattern: CanvasPattern | null = null;
  if (t !== null) {
    t.strokeStyle = kind === "made-up"
      ? (dark ? "rgba(255,255,255,0.28)" : "rgba(0,0,0,0.22)")
      : (dark ? "rgba(255,255,255,0.13)" : "rgba(0,0,0,0.09)");
    t.lineWidth = kind === "made-up" ? 1.5 : 1;
    t.beginPath();
    t.moveTo(0, size);
    t.lineTo(size, 0);
    t.moveTo(-size / 2, size / 2);
    t.lineTo(size / 2, -size / 2);
    t.moveTo(size / 2, size * 1.5);
    t.lineTo(size * 1.5, size / 2);
    t.stroke();
    pattern = ctx.createPattern(tile, "repeat");
  }
  _patterns.set(key, pattern);
  return pattern;
}

/**
 * The part of a scene a canvas shows: `height` CSS pixels from `top`, in
 * the scene's coordinates (row `r` at `r * FRAME_HEIGHT`).
 */
export interface FlameWindow {
  /** The first pixel shown. */
  readonly top: number;
  /** How many pixels are shown. */
  readonly height: number;
}

/**
 * Draws the scene, or the part of it in `view` (all of it without one).
 * Sizes the canvas to `width` CSS pixels and the view's height, at the
 * device's pixel ratio: a deep tree costs the rows in view, not a canvas
 * of all its rows (whose backing store alone takes tens of milliseconds).
 *
 * @returns The rows of the scene (see {@linkcode sceneRows}).
 */
export function drawFlame(
  canvas: HTMLCanvasElement,
  scene: FlameScene,
  width: number,
  view?: FlameWindow,
): number {
  const rows = sceneRows(scene);
  const top = view?.top ?? 0;
  const height = view?.height ?? rows * FRAME_HEIGHT;
  const bottom = top + height;
  const ratio = globalThis.devicePixelRatio || 1;
  const pixelsW = Math.max(1, Math.round(width * ratio));
  const pixelsH = Math.max(1, Math.round(height * ratio));
  if (canvas.width !== pixelsW) canvas.width = pixelsW;
  if (canvas.height !== pixelsH) canvas.height = pixelsH;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext("2d");
  if (ctx === null) return rows;
  // Scene coordinates: the view's top at the canvas's.
  ctx.setTransform(ratio, 0, 0, ratio, 0, -top * ratio);
  ctx.clearRect(0, top, width, height);
  ctx.font =
    `11.5px ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace`;
  ctx.textBaseline = "middle";
  const charWidth = ctx.measureText("0").width || 7;
  const { tree, zoom, marked, profile } = scene;
  const text = scene.dark ? "#e6edf3" : "#1f2328";
  const dimText = scene.dark ? "#656c76" : "#818b98";
  const madeUp = _stripes(ctx, "made-up", scene.dark);
  const estimated = _stripes(ctx, "estimated", scene.dark);
  const draw = (node: number, x: number, y: number, w: number) => {
    const fn = tree.fn[node]!;
    const dim = marked !== null && marked[node] !== 1;
    ctx.fillStyle = _fill(scene, fn, dim);
    const gap = w > 3 ? 1 : 0;
    ctx.fillRect(x, y, Math.max(w - gap, 0.5), FRAME_HEIGHT - 1);
    // Made-up frames are hatched; estimated ones, when asked, finely.
    const stripes = isMadeUp(fn)
      ? madeUp
      : scene.markEstimates && tree.estimated[node] === 1
      ? estimated
      : null;
    if (stripes !== null && w >= 2) {
      ctx.fillStyle = stripes;
      ctx.fillRect(x, y, Math.max(w - gap, 0.5), FRAME_HEIGHT - 1);
    }
    if (w < charWidth * 3 + 6) return;
    const name = frameName(profile, fn, tree.groups);
    const room = Math.floor((w - 6) / charWidth);
    const label = name.length <= room
      ? name
      : `${name.slice(0, Math.max(1, room - 1))}…`;
    ctx.fillStyle = dim ? dimText : text;
    ctx.fillText(label, x + 3, y + FRAME_HEIGHT / 2, w - 4);
  };
  // The zoomed frame's ancestors, across the width.
  for (let a = tree.parent[zoom]!; a >= 0; a = tree.parent[a]!) {
    const box = frameBox(scene, width, rows, a)!;
    if (box.y + FRAME_HEIGHT > top && box.y < bottom) {
      draw(a, box.x, box.y, box.w);
    }
  }
  // The zoomed frame's subtree. Frames under half a pixel are not drawn
  // one by one, nor is anything below them: side by side, they are drawn
  // a pixel at a time, each pixel in the colour of its largest frame.
  const end = tree.end[zoom]!;
  const z0 = tree.start[zoom]!;
  const scale = tree.value[zoom]! > 0 ? width / tree.value[zoom]! : 0;
  const rowY = (d: number) =>
    scene.inverted ? (rows - 1 - d) * FRAME_HEIGHT : d * FRAME_HEIGHT;
  let run = -1; // The first (largest) frame of a run of thin frames.
  let runX = 0;
  let runW = 0;
  let runMarked = false;
  const drawRun = () => {
    if (run >= 0 && runW >= 0.5) {
      const fn = tree.fn[run]!;
      ctx.fillStyle = _fill(scene, fn, marked !== null && !runMarked);
      ctx.fillRect(runX, rowY(tree.depth[run]!), runW, FRAME_HEIGHT - 1);
    }
    run = -1;
  };
  for (let i = zoom; i < end;) {
    // A frame past the window on its children's side (below it, or above
    // it inverted) has its whole subtree there too: skipped. One on the
    // other side is not drawn, but its children may be.
    const y = rowY(tree.depth[i]!);
    if (scene.inverted ? y + FRAME_HEIGHT <= top : y >= bottom) {
      drawRun();
      i = tree.end[i]!;
      continue;
    }
    const shown = y + FRAME_HEIGHT > top && y < bottom;
    const w = tree.value[i]! * scale;
    const x = (tree.start[i]! - z0) * scale;
    if (w < 0.5) {
      if (
        run < 0 || tree.depth[run] !== tree.depth[i] ||
        Math.abs(runX + runW - x) > 0.01
      ) {
        drawRun();
        run = i;
        runX = x;
        runW = 0;
        runMarked = false;
      }
      runW += w;
      runMarked ||= marked !== null && marked[i] === 1;
      if (runW >= 1) drawRun();
      i = tree.end[i]!;
      continue;
    }
    drawRun();
    if (shown) draw(i, x, y, w);
    i++;
  }
  drawRun();
  if (scene.cursor >= 0) {
    const box = frameBox(scene, width, rows, scene.cursor);
    if (box !== null) {
      ctx.strokeStyle = scene.dark ? "#e6edf3" : "#1f2328";
      ctx.lineWidth = 2;
      ctx.strokeRect(
        box.x + 1,
        box.y + 1,
        Math.max(box.w - 3, 1),
        FRAME_HEIGHT - 3,
      );
    }
  }
  return rows;
}
