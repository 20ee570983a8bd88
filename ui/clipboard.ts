/// <reference lib="dom" />
/**
 * Copying a function's file and line to the clipboard.
 *
 * @module
 */

import { fullLocation, isolated } from "./labels.ts";
import { state, update } from "./state.ts";

let _copyTimer: ReturnType<typeof setTimeout> | undefined;

/** Copies `path/file.py:12` of a function and says so for a moment. */
export async function copyLocation(fn: number): Promise<void> {
  const p = state.profile;
  if (p === null) return;
  const text = fullLocation(p, fn);
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    if (!_copyWithSelection(text)) {
      state.announcement = "Could not copy to the clipboard";
      update();
      return;
    }
  }
  state.copied = fn;
  state.announcement = `Copied ${isolated(text)}`;
  update();
  clearTimeout(_copyTimer);
  _copyTimer = setTimeout(() => {
    state.copied = null;
    update();
  }, 1500);
}

/** The old way to copy, for pages not served from a secure context. */
function _copyWithSelection(text: string): boolean {
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.append(area);
  area.select();
  let copied = false;
  try {
    copied = document.execCommand("copy");
  } catch {
    copied = false;
  }
  area.remove();
  return copied;
}
