/// <reference lib="dom" />
/**
 * The virtualised table the table, compare and groups views share: only the
 * rows in view (and {@linkcode OVERSCAN} more each side, from the page's
 * second frame on: the first table is drawn sooner without) are in the DOM,
 * with spacer rows standing in for the rest; a highlighted row moves with
 * the keyboard and is kept in view.
 *
 * @module
 */

import { html, type TemplateResult } from "lit-html";
import { styleProperties } from "./directives.ts";
import type { KeyContext } from "./state.ts";

/** A table row's height in pixels; `--row-height` in ui/styles/base.css matches. */
export const ROW_HEIGHT = 28;
/** Rows rendered beyond each edge of the viewport. */
export const OVERSCAN = 16;

/** The rows drawn beyond each edge now: none until the first table is on
 * screen (it only needs the rows in view), then {@linkcode OVERSCAN}. */
let _overscan = 0;

/** The part of a view's state that says which rows are in view. */
export interface RowWindow {
  /** The highlighted row's index. */
  highlight: number;
  /** The first row in the viewport. */
  first: number;
  /** How many rows fit in the viewport. */
  visible: number;
}

/**
 * How many rows a viewport as tall as the window holds: what a list assumes
 * before its first render has been measured (more than fit, rather than
 * fewer, so that it is not drawn twice).
 */
export function initialVisibleRows(): number {
  const height = globalThis.innerHeight;
  return Number.isFinite(height) && height > 0
    ? Math.ceil(height / ROW_HEIGHT) + 1
    : 40;
}

/** The rows to render, `start` to `end` (exclusive), of `length`. */
export function renderRange(
  window: RowWindow,
  length: number,
): { start: number; end: number } {
  return {
    start: Math.min(length, Math.max(0, window.first - _overscan)),
    end: Math.min(length, window.first + window.visible + _overscan),
  };
}

/** A row as tall as `rows` rows, across `span` columns, for rows not drawn. */
export function spacerRow(rows: number, span: number): TemplateResult {
  return html`
    <tr class="spacer" aria-hidden="true" style=${styleProperties({
      height: `${rows * ROW_HEIGHT}px`,
    })}>
      <td colspan=${span}></td>
    </tr>
  `;
}

/**
 * The scrolling of one virtualised table: which rows are in view, the
 * highlight, and the element that scrolls. Its handlers are bound, to be
 * used directly in templates (`${ref(list.setScroller)}`,
 * `@scroll=${list.onScroll}`, `@click=${list.onClick}`).
 */
export class VirtualRows {
  #scroller: HTMLElement | undefined;
  #frame = 0;
  readonly #window: () => RowWindow;
  readonly #length: () => number;
  readonly #update: () => void;

  /**
   * @param window The view's state of what is in view.
   * @param length How many rows the table has now.
   * @param update Renders the page again.
   */
  constructor(
    window: () => RowWindow,
    length: () => number,
    update: () => void,
  ) {
    this.#window = window;
    this.#length = length;
    this.#update = update;
  }

  /** How far the table is scrolled, in pixels (0 before it is drawn). */
  get scrollTop(): number {
    return this.#scroller?.scrollTop ?? 0;
  }

  /** The highlighted row's index. */
  get highlight(): number {
    return this.#window().highlight;
  }

  /** Keeps the element that scrolls (a `ref()` callback). */
  readonly setScroller = (element: Element | undefined): void => {
    this.#scroller = element instanceof HTMLElement ? element : undefined;
  };

  /** Follows the scrolling, once a frame. */
  readonly onScroll = (): void => {
    if (this.#frame === 0) {
      this.#frame = requestAnimationFrame(() => {
        this.#frame = 0;
        this.sync();
      });
    }
  };

  /** Highlights a clicked row (but not for clicks on its links or buttons). */
  readonly onClick = (event: MouseEvent): void => {
    const target = event.target instanceof Element ? event.target : null;
    if (target === null || target.closest("a, button") !== null) return;
    const row = target.closest("tr.row");
    if (row instanceof HTMLElement) {
      this.#window().highlight = Number(row.dataset["index"] ?? 0);
      this.#update();
    }
  };

  /**
   * Re-renders if rows came into view that are not drawn. Fewer rows in view
   * (such as on the first render, which assumes the whole window) need no
   * render of their own: those drawn cover them until the next one.
   */
  readonly sync = (): void => {
    const scroller = this.#scroller;
    if (!scroller) return;
    const w = this.#window();
    const first = Math.floor(scroller.scrollTop / ROW_HEIGHT);
    const visible = Math.ceil(scroller.clientHeight / ROW_HEIGHT) + 1;
    const grown = visible > w.visible;
    if (first !== w.first || grown) {
      w.first = first;
      w.visible = visible;
      this.#update();
    } else w.visible = visible;
  };

  /** Renders with the given scroll position and highlighted row. */
  show(scrollTop: number, highlight: number): void {
    const w = this.#window();
    w.highlight = Math.min(highlight, Math.max(0, this.#length() - 1));
    w.first = Math.floor(scrollTop / ROW_HEIGHT);
    this.#update();
    if (_overscan === 0) {
      // Once the first table is painted (after the page's own callbacks for
      // that frame), the rows beyond the edges too.
      requestAnimationFrame(() =>
        requestAnimationFrame(() =>
          setTimeout(() => {
            if (_overscan !== 0) return;
            _overscan = OVERSCAN;
            this.#update();
          }, 0)
        )
      );
    }
    if (this.#scroller) {
      this.#scroller.scrollTop = scrollTop;
      this.sync();
    }
  }

  /** Moves the highlight by `delta` rows and keeps it in view. */
  moveHighlight(delta: number): void {
    const w = this.#window();
    const n = this.#length();
    if (n === 0) return;
    w.highlight = Math.min(n - 1, Math.max(0, w.highlight + delta));
    this.#update();
    this.scrollIntoView(w.highlight);
  }

  /** Scrolls just enough for row `index` to be in view below the header. */
  scrollIntoView(index: number): void {
    const scroller = this.#scroller;
    if (!scroller) return;
    const head = scroller.querySelector("thead")?.getBoundingClientRect()
      .height ?? 0;
    const top = index * ROW_HEIGHT;
    const room = scroller.clientHeight - head;
    if (top < scroller.scrollTop) scroller.scrollTop = top;
    else if (top + ROW_HEIGHT > scroller.scrollTop + room) {
      scroller.scrollTop = top + ROW_HEIGHT - room;
    }
    this.sync();
  }

  /**
   * Moves the highlight for the keys that move it: ↑ ↓ Page Up and Page Down
   * (also in the filter box), j k Home and End (not while typing).
   *
   * @returns Whether the key was taken, or `undefined` for any other key.
   */
  moveByKey({ event, inFilter, editing }: KeyContext): boolean | undefined {
    const move = (delta: number) => {
      event.preventDefault();
      this.moveHighlight(delta);
      return true;
    };
    const page = Math.max(1, this.#window().visible - 2);
    switch (event.key) {
      case "ArrowDown":
        return (!editing || inFilter) && move(1);
      case "ArrowUp":
        return (!editing || inFilter) && move(-1);
      case "j":
        return !editing && move(1);
      case "k":
        return !editing && move(-1);
      case "PageDown":
        return (!editing || inFilter) && move(page);
      case "PageUp":
        return (!editing || inFilter) && move(-page);
      case "Home":
        return !editing && move(-this.#length());
      case "End":
        return !editing && move(this.#length());
      default:
        return undefined;
    }
  }

  /**
   * Handles Enter on the highlighted row: `open("callees")`, or with Shift
   * `open("callers")`. Answers whether the key was handled, or `undefined`
   * for any other key.
   */
  openByEnter(
    { event, inFilter, editing, onControl }: KeyContext,
    open: (view: "callers" | "callees") => void,
  ): boolean | undefined {
    if (event.key !== "Enter") return undefined;
    if (!(inFilter || (!editing && !onControl))) return false;
    event.preventDefault();
    open(event.shiftKey ? "callers" : "callees");
    return true;
  }
}
