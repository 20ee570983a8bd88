/// <reference lib="dom" />
/**
 * The page's keyboard: keys that work in every view (`/` and Ctrl+K to
 * filter, Escape, Backspace to go back, `c` to copy, `o` to open the
 * highlighted function in the editor), then the active view's
 * own keys (`PageView.key()`).
 *
 * @module
 */

import { functionLocation } from "../lib/profile.ts";
import { copyLocation } from "./clipboard.ts";
import { back, navigate } from "./navigation.ts";
import { activeView, state } from "./state.ts";
import { openLine } from "./source_view.ts";

/** The keys that do one thing anywhere but in a text field. */
const _ANYWHERE: ReadonlyMap<string, () => void> = new Map([
  ["/", focusFilter],
  ["Backspace", back],
]);

/** Handles a key press anywhere on the page. */
export function onKeyDown(event: KeyboardEvent): void {
  if (state.phase !== "ready") return;
  const target = event.target instanceof HTMLElement ? event.target : null;
  const inFilter = target?.id === "filter";
  const editing = target !== null &&
    (target.isContentEditable ||
      ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
  const command = event.ctrlKey || event.metaKey;
  if (command && !event.altKey && event.key.toLowerCase() === "k") {
    event.preventDefault();
    focusFilter();
    return;
  }
  if (command || event.altKey) return;
  const onControl = target?.closest("a, button") != null;
  const action = _ANYWHERE.get(event.key);
  if (action !== undefined) {
    if (!editing) {
      event.preventDefault();
      action();
    }
    return;
  }
  switch (event.key) {
    case "c":
      if (!editing) {
        const fn = activeView().highlightedFunction();
        if (fn !== undefined && functionLocation(state.profile!, fn).location) {
          event.preventDefault();
          void copyLocation(fn);
        }
      }
      return;
    case "o":
      // The source view opens its own cursor line.
      if (!editing && activeView().tab !== "source") {
        const fn = activeView().highlightedFunction();
        const p = state.profile!;
        if (fn !== undefined && functionLocation(p, fn).location) {
          event.preventDefault();
          void openLine(p.functions.file[fn]!, p.functions.line[fn]!);
          return;
        }
      }
      break;
    case "Escape":
      if (inFilter && target instanceof HTMLInputElement) {
        event.preventDefault();
        if (target.value !== "") navigate({ ...state.route, q: "" }, "replace");
        else target.blur();
        return;
      }
  }
  activeView().key({ event, inFilter, editing, onControl });
}

/**
 * Focuses the filter box; text selected on the page becomes the filter, so
 * that selecting a name and pressing `/` filters by it.
 */
export function focusFilter(): void {
  const input = document.getElementById("filter");
  if (!(input instanceof HTMLInputElement)) return;
  const selection = globalThis.getSelection();
  const selected = document.activeElement === input || selection === null
    ? ""
    : selection.toString().replace(/\s+/g, " ").trim().slice(0, 200);
  if (selected !== "" && selected !== state.route.q) {
    navigate({ ...state.route, q: selected }, "replace");
    selection?.removeAllRanges();
  }
  input.focus();
  input.select();
}
