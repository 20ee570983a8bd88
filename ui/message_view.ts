/// <reference lib="dom" />
/**
 * What the page shows instead of a view: while loading, when loading
 * failed, and for a function the profile lacks.
 *
 * @module
 */

import { html, nothing, type TemplateResult } from "lit-html";
import { megabytes } from "./labels.ts";
import { homeRoute, href } from "./navigation.ts";
import type { State } from "./state.ts";

/** The spinner and progress while the profile loads. */
export function loadingView(s: State): TemplateResult {
  const p = s.progress;
  const done = p !== null && p.total !== undefined && p.loaded >= p.total;
  return html`
    <div class="state" role="status">
      <div class="spinner" aria-hidden="true"></div>
      <p>${done ? "Reading the profile…" : "Loading the profile…"}</p>
      ${p === null ? nothing : html`
        <progress max=${p.total ?? nothing} value=${p.total === undefined
          ? nothing
          : p.loaded}></progress>
        <p class="muted">${megabytes(p.loaded)}${p.total === undefined
          ? ""
          : ` of ${megabytes(p.total)}`}</p>
      `}
    </div>
  `;
}

/** A spinner and what the page is busy with (a view working something out). */
export function busyView(message: string): TemplateResult {
  return html`
    <div class="state" role="status">
      <div class="spinner" aria-hidden="true"></div>
      <p>${message}</p>
    </div>
  `;
}

/** Why the profile could not be loaded, and a button to try again. */
export function errorView(s: State, retry: () => void): TemplateResult {
  return html`
    <div class="state failed" role="alert">
      <h2>Could not load the profile</h2>
      <p>${s.error}</p>
      <button type="button" @click=${retry}>Try again</button>
    </div>
  `;
}

/** The route names a function id the profile does not have. */
export function missingView(s: State): TemplateResult {
  return html`
    <div class="state">
      <p>This profile has no function with id ${s.route.fn}.</p>
      <p><a href=${href(homeRoute(s.route))}>Show all functions</a></p>
    </div>
  `;
}
