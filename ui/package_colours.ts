/**
 * The colour of each package, one rule for the page: the flame graph fills
 * a function's frames with a shade of its package's hue, its legend shows
 * the package's colour, and the groups view marks each package with the
 * same colour.
 *
 * A package is the first folder of a function's short path (`django`, or a
 * top-level module's name; built-ins and frozen modules have theirs), as
 * the groups view's package level (`packageKey()` in `lib/group.ts`).
 * Packages get hues a golden angle apart in the order of their own time in
 * the profile, largest first, so that the largest look least alike and a
 * package keeps its colour whatever is drawn first.
 *
 * @module
 */

import { collapsedGroup } from "../lib/call_tree.ts";
import { fileKey, packageKey } from "../lib/group.ts";
import type { Profile } from "../lib/profile.ts";

/**
 * What a frame's colour is chosen by: its function's package; a collapsed
 * group takes its first folder's (`django` for `django/db`, given the
 * tree's `groups`); other made-up frames none (`""`).
 *
 * @param profile The profile.
 * @param fn A tree's frame function (a function id, or below 0 made up).
 * @param groups The tree's collapsed groups.
 */
export function colourGroup(
  profile: Profile,
  fn: number,
  groups: readonly string[] = [],
): string {
  const group = collapsedGroup(fn);
  if (group >= 0) return packageKey(groups[group] ?? "");
  if (fn < 0) return "";
  let known = _groups.get(profile);
  if (known === undefined) {
    known = {
      code: new Int32Array(profile.size).fill(-1),
      names: [],
      byName: new Map(),
    };
    _groups.set(profile, known);
  }
  const code = known.code[fn];
  if (code === undefined) return packageKey(fileKey(profile, fn));
  if (code >= 0) return known.names[code]!;
  const name = packageKey(fileKey(profile, fn));
  // Numbered by name (a package has many functions): a text per function
  // would be 200,000 of them, and a sparse array filled in any order slow.
  let at = known.byName.get(name);
  if (at === undefined) {
    at = known.names.push(name) - 1;
    known.byName.set(name, at);
  }
  known.code[fn] = at;
  return name;
}

/** Each function's colour group, worked out once per profile. */
const _groups = new WeakMap<
  Profile,
  { code: Int32Array; names: string[]; byName: Map<string, number> }
>();

const _hues = new WeakMap<Profile, Map<string, number>>();

/**
 * A package's hue, from 0 to 359: every function of it has a shade of
 * this one.
 *
 * @param profile The profile.
 * @param group The package (see {@linkcode colourGroup}).
 */
export function packageHue(profile: Profile, group: string): number {
  if (!_hues.has(profile)) warmPackageHues(profile, Infinity);
  const hues = _hues.get(profile)!;
  let hue = hues.get(group);
  if (hue === undefined) {
    hue = _hue(hues.size);
    hues.set(group, hue);
  }
  return hue;
}

/** The packages' own times summed so far, while their hues are worked out. */
const _huesSoFar = new WeakMap<
  Profile,
  { next: number; own: Map<string, number> }
>();

/**
 * Works out the packages' hues (a pass over every function: 50 ms or more
 * at 200,000) for up to `ms` at a time, so that a page idle after loading
 * can do it before the first drawing asks.
 *
 * @param profile The profile.
 * @param ms How long to work before returning.
 * @returns `true` once the hues are known.
 */
export function warmPackageHues(profile: Profile, ms: number): boolean {
  if (_hues.has(profile)) return true;
  let work = _huesSoFar.get(profile);
  if (work === undefined) {
    _huesSoFar.set(profile, work = { next: 0, own: new Map() });
  }
  const own = work.own;
  const time = profile.functions.internalTime;
  const start = performance.now();
  while (work.next < profile.size) {
    const end = Math.min(profile.size, work.next + 4_096);
    for (let fn = work.next; fn < end; fn++) {
      const key = colourGroup(profile, fn);
      own.set(key, (own.get(key) ?? 0) + time[fn]!);
    }
    work.next = end;
    if (end < profile.size && performance.now() - start > ms) return false;
  }
  const order = [...own].sort((a, b) =>
    b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)
  );
  _hues.set(profile, new Map(order.map(([key], rank) => [key, _hue(rank)])));
  _huesSoFar.delete(profile);
  return true;
}

function _hue(rank: number): number {
  return Math.round((200 + rank * 137.508) % 360);
}

/**
 * A package's colour (its middle shade), for legends and swatches.
 *
 * @param profile The profile drawn.
 * @param group The package (see {@linkcode colourGroup}).
 * @param dark Whether the page is dark.
 */
export function packageColour(
  profile: Profile,
  group: string,
  dark: boolean,
): string {
  if (group === "builtins") return dark ? "#4b4163" : "#ddd4ee";
  const h = packageHue(profile, group);
  return dark ? `hsl(${h} 45% 32%)` : `hsl(${h} 65% 79%)`;
}
