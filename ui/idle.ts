/// <reference lib="dom" />
/**
 * Work the page does ahead, while it is idle: computing what a view would
 * otherwise compute when first shown, or growing a call tree.
 *
 * @module
 */

/**
 * Runs `task` when the page is idle, or after `timeout` ms at the latest;
 * where the browser cannot say when it is idle (Safari), after `delay` ms.
 */
export function whenIdle(task: () => void, timeout = 1000, delay = 50): void {
  if ("requestIdleCallback" in globalThis) {
    requestIdleCallback(task, { timeout });
  } else setTimeout(task, delay);
}
