/**
 * The columns of a call tree while it is built (`lib/call_tree.ts`,
 * `lib/call_sandwich.ts`), and their layout into a finished tree.
 *
 * @module
 */

import { type CallTree, isMadeUp } from "./call_tree.ts";

/**
 * What a finished tree says of itself besides its nodes (see
 * {@linkcode CallTree}); no collapsed groups and nothing dropped unless
 * given. A tree itself can be given for a tree like it.
 */
export type TreeFacts =
  & Pick<CallTree, "profile" | "unit" | "direction" | "capped" | "notes">
  & Partial<Pick<CallTree, "groups" | "dropped">>;

/**
 * Growable columns of a call tree under construction, and their layout
 * into a finished {@linkcode CallTree}: nodes in depth-first order, children
 * largest first (made-up frames after the functions), each laid out from its
 * parent's start.
 */
export class TreeColumns {
  size = 0;
  fn = new Int32Array(64);
  parent = new Int32Array(64);
  depth = new Int32Array(64);
  value = new Float64Array(64);
  self = new Float64Array(64);
  estimated = new Uint8Array(64);
  /** Each node's own part that merged functions gave it. */
  merged = new Float64Array(64);

  add(
    fn: number,
    parent: number,
    depth: number,
    value: number,
    self: number,
    estimated: number,
  ): number {
    if (this.size === this.fn.length) this.#grow();
    const id = this.size++;
    this.fn[id] = fn;
    this.parent[id] = parent;
    this.depth[id] = depth;
    this.value[id] = value;
    this.self[id] = self;
    this.estimated[id] = estimated;
    this.merged[id] = 0;
    return id;
  }

  #grow(): void {
    const n = this.fn.length * 2;
    const grow = <T extends Int32Array | Float64Array | Uint8Array>(
      a: T,
      b: T,
    ): T => {
      b.set(a);
      return b;
    };
    this.fn = grow(this.fn, new Int32Array(n));
    this.parent = grow(this.parent, new Int32Array(n));
    this.depth = grow(this.depth, new Int32Array(n));
    this.value = grow(this.value, new Float64Array(n));
    this.self = grow(this.self, new Float64Array(n));
    this.estimated = grow(this.estimated, new Uint8Array(n));
    this.merged = grow(this.merged, new Float64Array(n));
  }

  /**
   * The finished tree: nodes in depth-first order, children largest first
   * (made-up frames after the others), laid out from their parent's start.
   * `transformed` gives a transformed tree's collapsed groups and dropped
   * value.
   */
  finish(facts: TreeFacts): CallTree {
    const layout = this.layOut(facts);
    let next = layout.next();
    while (!next.done) next = layout.next();
    return next.value;
  }

  /**
   * {@linkcode finish} a part at a time: it pauses after each thousand
   * nodes of each pass, so that a page can lay a large tree out while idle.
   */
  *layOut(facts: TreeFacts): Generator<void, CallTree> {
    const n = this.size;
    const childCount = new Uint32Array(n + 1);
    for (let i = 1; i < n; i++) {
      childCount[this.parent[i]! + 1]!++;
      if ((i & _CHUNK) === _CHUNK) yield;
    }
    for (let i = 0; i < n; i++) childCount[i + 1]! += childCount[i]!;
    const firstChild = childCount.slice(0, n + 1);
    const children = new Int32Array(Math.max(0, n - 1));
    const fill = firstChild.slice(0, n);
    for (let i = 1; i < n; i++) {
      children[fill[this.parent[i]!]!++] = i;
      if ((i & _CHUNK) === _CHUNK) yield;
    }
    const value = this.value;
    const fnOf = this.fn;
    const order = (a: number, b: number) =>
      (isMadeUp(fnOf[a]!) ? 1 : 0) - (isMadeUp(fnOf[b]!) ? 1 : 0) ||
      value[b]! - value[a]! || fnOf[a]! - fnOf[b]! || a - b;
    for (let i = 0; i < n; i++) {
      const from = firstChild[i]!;
      const to = firstChild[i + 1]!;
      // A tree grown largest first mostly has its children in order.
      let sorted = true;
      for (let k = from + 1; k < to && sorted; k++) {
        sorted = order(children[k - 1]!, children[k]!) < 0;
      }
      if (!sorted) children.subarray(from, to).sort(order);
      if ((i & _CHUNK) === _CHUNK) yield;
    }
    const out = {
      fn: new Int32Array(n),
      parent: new Int32Array(n),
      depth: new Int32Array(n),
      end: new Int32Array(n),
      start: new Float64Array(n),
      value: new Float64Array(n),
      self: new Float64Array(n),
      estimated: new Uint8Array(n),
      merged: new Float64Array(n),
    };
    let maxDepth = 0;
    let madeUp = 0;
    if (n > 0) {
      // Each node's subtree size (a parent is added before its children).
      const size = new Int32Array(n).fill(1);
      for (let i = n - 1; i > 0; i--) {
        size[this.parent[i]!]! += size[i]!;
        if ((i & _CHUNK) === _CHUNK) yield;
      }
      // Depth-first, by old ids: each node's start is set by its parent.
      const start = new Float64Array(n);
      const newId = new Int32Array(n);
      const stack = new Int32Array(n);
      let top = 0;
      stack[top++] = 0;
      let next = 0;
      while (top > 0) {
        const old = stack[--top]!;
        const id = next++;
        newId[old] = id;
        const p = this.parent[old]!;
        out.fn[id] = fnOf[old]!;
        out.parent[id] = p < 0 ? -1 : newId[p]!;
        out.depth[id] = this.depth[old]!;
        out.end[id] = id + size[old]!;
        out.start[id] = start[old]!;
        out.value[id] = value[old]!;
        out.self[id] = this.self[old]!;
        out.estimated[id] = this.estimated[old]!;
        out.merged[id] = this.merged[old]!;
        if (out.depth[id]! > maxDepth) maxDepth = out.depth[id]!;
        if (isMadeUp(out.fn[id]!)) madeUp += out.value[id]!;
        const from = firstChild[old]!;
        const to = firstChild[old + 1]!;
        let at = start[old]!;
        for (let k = from; k < to; k++) {
          start[children[k]!] = at;
          at += value[children[k]!]!;
        }
        // Pushed in reverse so the largest child comes out first.
        for (let k = to - 1; k >= from; k--) stack[top++] = children[k]!;
        if ((id & _CHUNK) === _CHUNK) yield;
      }
    }
    return {
      profile: facts.profile,
      unit: facts.unit,
      direction: facts.direction,
      size: n,
      total: n > 0 ? out.value[0]! : 0,
      maxDepth,
      ...out,
      madeUp,
      capped: facts.capped,
      notes: facts.notes,
      groups: facts.groups ?? [],
      dropped: facts.dropped ?? 0,
    };
  }
}

/** Nodes between two pauses of a layout, less one (a mask). */
const _CHUNK = 1023;
