/// <reference lib="dom" />
/**
 * The flame graph's transforms of the call tree (`lib/call_transform.ts`)
 * on the page: a bar of the route's transforms as chips, in order, each
 * removable, with quick presets ("hide the standard library", "hide
 * built-ins", "collapse site-packages by package"); and what a frame offers
 * (merge, focus on, drop its function; collapse its package), from its menu
 * (right-click, or the context-menu key), the details bar's buttons or the
 * keys `m`, `f`, `d` and `p`. Each change is a new history entry, so Back
 * (or Backspace) undoes it; the transforms are in the URL (`t=`).
 *
 * @module
 */

import { html, nothing, type TemplateResult } from "lit-html";
import { ref } from "lit-html/directives/ref.js";
import type { CallTree } from "../lib/call_tree.ts";
import type { Transform, TransformKind } from "../lib/call_transform.ts";
import { pathParts } from "../lib/group.ts";
import { isBuiltin, isStdlibFile, sitePackage } from "../lib/location.ts";
import { functionTarget, parseTarget } from "../lib/transform_target.ts";
import { styleProperties } from "./directives.ts";
import { flameRoute, navigate } from "./navigation.ts";
import type { Route } from "./route.ts";
import { state, update } from "./state.ts";

/** The presets: one click each, when not applied already. */
const _PRESETS: readonly [Transform, string][] = [
  [{ kind: "merge", target: "stdlib" }, "Hide the standard library"],
  [{ kind: "merge", target: "builtins" }, "Hide built-ins"],
  [
    { kind: "collapse", target: "site-packages" },
    "Collapse site-packages by package",
  ],
];

/** The key of each action on a frame. */
export const TRANSFORM_KEYS: Readonly<Record<TransformKind, string>> = {
  merge: "m",
  focus: "f",
  drop: "d",
  collapse: "p",
};

const _VERBS: Readonly<Record<TransformKind, string>> = {
  merge: "Merge",
  collapse: "Collapse",
  focus: "Focus on",
  drop: "Drop",
};

/**
 * A transform in a few words for its chip: the verb and what it acts on, a
 * location by its function's name.
 */
export function transformLabel(transform: Transform): string {
  let what = transform.target;
  if (transform.kind !== "collapse") {
    try {
      const target = parseTarget(transform.target);
      if (target.kind === "location") {
        what = target.name ?? `${target.file}:${target.line}`;
      }
    } catch {
      // Checked already: a route holds only transforms that parse.
    }
  }
  return `${_VERBS[transform.kind]} ${what}`;
}

/** The bar of the route's transforms and the presets not applied yet. */
export function transformsBar(route: Route): TemplateResult {
  const applied = new Set(
    route.transforms.map((t) => `${t.kind}:${t.target}`),
  );
  const presets = _PRESETS.filter(([t]) =>
    !applied.has(`${t.kind}:${t.target}`)
  );
  return html`
    <div class="transforms" role="toolbar" aria-label="Transforms of the call tree">
      <span class="chips-label">Transforms:</span>
      ${route.transforms.length === 0
        ? html`<span class="muted">none</span>`
        : route.transforms.map((t, i) =>
          html`
            ${i > 0
              ? html`<span class="sep" aria-hidden="true">›</span>`
              : nothing}
            <span class="chip transform" title=${`${t.kind}:${t.target}`}>
              ${transformLabel(t)}
              <button
                class="remove"
                aria-label=${`Remove: ${transformLabel(t)}`}
                title="Remove this transform"
                @click=${() => removeTransform(i)}
              >×</button>
            </span>
          `
        )}
      ${presets.map(([t, label]) =>
        html`
          <button
            class="chip preset"
            title=${`${t.kind}:${t.target}`}
            @click=${() => addTransform(t)}
          >+ ${label}</button>
        `
      )}
    </div>
  `;
}

/** One thing a frame offers: a transform, its words and its key. */
export interface FrameAction {
  readonly transform: Transform;
  readonly label: string;
  readonly key: string;
}

/**
 * What a frame of a tree offers: merge, focus on and drop its function,
 * and collapse its package (`builtins`, `stdlib`, its site-package, or its
 * top folder). Nothing for the root, made-up or collapsed frames.
 */
export function frameActions(tree: CallTree, node: number): FrameAction[] {
  const fn = tree.fn[node];
  if (fn === undefined || fn < 0) return [];
  const p = tree.profile;
  const target = functionTarget(p, fn);
  const name = p.functions.name[fn]!;
  const out: FrameAction[] = (["merge", "focus", "drop"] as const).map((
    kind,
  ) => ({
    transform: { kind, target },
    label: `${_VERBS[kind]} ${name}`,
    key: TRANSFORM_KEYS[kind],
  }));
  const group = _packageOf(tree, fn);
  if (group !== "") {
    out.push({
      transform: { kind: "collapse", target: group },
      label: `Collapse ${group}`,
      key: TRANSFORM_KEYS.collapse,
    });
  }
  return out;
}

/** What collapsing a function's package collapses. */
function _packageOf(tree: CallTree, fn: number): string {
  const f = tree.profile.functions;
  const file = f.file[fn]!;
  if (isBuiltin(file, f.line[fn]!)) return "builtins";
  if (isStdlibFile(file)) return "stdlib";
  const site = sitePackage(file);
  if (site !== undefined) return site;
  const parts = pathParts(f.shortFile[fn]!);
  return parts.length > 1 ? parts[0]! : f.shortFile[fn]!;
}

/** Adds a transform to the route's, as a new history entry. */
export function addTransform(transform: Transform): void {
  closeFrameMenu();
  const r = state.route;
  if (
    r.transforms.some((t) =>
      t.kind === transform.kind && t.target === transform.target
    )
  ) return;
  const transforms = [...r.transforms, transform];
  // A focus re-roots the tree: the whole graph, unzoomed. A function's
  // own graph stays, unless its function is the one merged or dropped.
  const own = r.fn !== null &&
    transform.kind !== "collapse" && transform.kind !== "focus" &&
    state.profile !== null &&
    transform.target === functionTarget(state.profile, r.fn);
  const whole = transform.kind === "focus" || own;
  const base = whole ? flameRoute(r, null, []) : flameRoute(r, r.fn, r.zoom);
  navigate({ ...base, transforms }, "push");
}

/** Removes the route's `index`th transform, as a new history entry. */
export function removeTransform(index: number): void {
  const r = state.route;
  const transforms = r.transforms.filter((_, i) => i !== index);
  navigate({ ...flameRoute(r, r.fn, r.zoom), transforms }, "push");
}

/**
 * Applies the action of a key (`m`, `f`, `d`, `p`) to a frame; answers
 * whether the key was one.
 */
export function transformKey(
  event: KeyboardEvent,
  tree: CallTree,
  node: number,
): boolean {
  if (event.ctrlKey || event.metaKey || event.altKey) return false;
  const action = frameActions(tree, node).find((a) => a.key === event.key);
  if (action === undefined) return false;
  event.preventDefault();
  addTransform(action.transform);
  return true;
}

/** The details bar's buttons for the frame under the cursor. */
export function frameButtons(
  tree: CallTree,
  node: number,
): TemplateResult | typeof nothing {
  const actions = frameActions(tree, node);
  if (actions.length === 0) return nothing;
  const name = tree.profile.functions.name[tree.fn[node]!]!;
  return html`
    <span class="frame-actions" role="group" aria-label=${`Transforms of ${name}`}>
      ${actions.map((a) =>
        html`
          <button
            class="frame-action"
            title=${`${a.label} (key ${a.key})`}
            @click=${() => addTransform(a.transform)}
          >${a.transform.kind === "collapse"
            ? a.label.toLowerCase()
            : a.transform.kind}</button>
        `
      )}
    </span>
  `;
}

// ---------------------------------------------------------------- the menu

interface _Menu {
  readonly actions: readonly FrameAction[];
  readonly title: string;
  readonly x: number;
  readonly y: number;
}

let _menu: _Menu | null = null;
let _returnFocus: HTMLElement | null = null;

/**
 * Opens a frame's menu at a point of the window (the pointer, or the
 * frame's box for the context-menu key); nothing for a frame that offers
 * nothing. Answers whether it opened.
 */
export function openFrameMenu(
  tree: CallTree,
  node: number,
  title: string,
  x: number,
  y: number,
): boolean {
  const actions = frameActions(tree, node);
  if (actions.length === 0) return false;
  _returnFocus = document.activeElement instanceof HTMLElement
    ? document.activeElement
    : null;
  _menu = { actions, title, x, y };
  update();
  return true;
}

/** Closes the frame's menu, if open. */
export function closeFrameMenu(): void {
  if (_menu === null) return;
  _menu = null;
  update();
  _returnFocus?.focus();
  _returnFocus = null;
}

/** Whether the frame's menu is open. */
export function isFrameMenuOpen(): boolean {
  return _menu !== null;
}

/** The frame's menu, when open. */
export function frameMenuView(): TemplateResult | typeof nothing {
  const menu = _menu;
  if (menu === null) return nothing;
  const left = Math.max(4, Math.min(menu.x, globalThis.innerWidth - 260));
  const top = Math.max(4, Math.min(menu.y, globalThis.innerHeight - 170));
  return html`
    <div
      class="frame-menu"
      role="menu"
      aria-label=${menu.title}
      style=${styleProperties({ left: `${left}px`, top: `${top}px` })}
      @keydown=${_onMenuKey}
      @focusout=${_onMenuFocusOut}
      ${ref(_focusFirst)}
    >
      <div class="frame-menu-title" aria-hidden="true">${menu.title}</div>
      ${menu.actions.map((a) =>
        html`
          <button
            role="menuitem"
            tabindex="-1"
            @click=${() => addTransform(a.transform)}
          >
            <span>${a.label}</span><kbd>${a.key}</kbd>
          </button>
        `
      )}
    </div>
  `;
}

function _focusFirst(element: Element | undefined): void {
  if (!(element instanceof HTMLElement)) return;
  queueMicrotask(() => {
    if (!element.contains(document.activeElement)) {
      element.querySelector<HTMLElement>("[role=menuitem]")?.focus();
    }
  });
}

function _onMenuKey(event: KeyboardEvent): void {
  const items = [
    ...(event.currentTarget as HTMLElement).querySelectorAll<HTMLElement>(
      "[role=menuitem]",
    ),
  ];
  const at = items.indexOf(document.activeElement as HTMLElement);
  const move = (to: number) => {
    event.preventDefault();
    event.stopPropagation();
    items[(to + items.length) % items.length]?.focus();
  };
  switch (event.key) {
    case "ArrowDown":
      return move(at + 1);
    case "ArrowUp":
      return move(at - 1);
    case "Home":
      return move(0);
    case "End":
      return move(items.length - 1);
    case "Escape":
    case "Tab":
      event.preventDefault();
      event.stopPropagation();
      closeFrameMenu();
      return;
  }
  // The actions' keys work in the menu too.
  const action = _menu?.actions.find((a) => a.key === event.key);
  if (action !== undefined) {
    event.preventDefault();
    event.stopPropagation();
    addTransform(action.transform);
  }
}

function _onMenuFocusOut(event: FocusEvent): void {
  const menu = event.currentTarget as HTMLElement;
  const next = event.relatedTarget;
  if (next instanceof Node && menu.contains(next)) return;
  // Clicked or tabbed away: closed, focus where it went.
  _returnFocus = null;
  closeFrameMenu();
}
