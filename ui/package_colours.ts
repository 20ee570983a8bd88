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
  if (known === undefined) _groups.set(profile, known = []);
  return known[fn] ??= packageKey(fileKey(profile, fn));
}

/** Each function's colour group, worked out once per profile. */
const _groups = new WeakMap<Profile, string[]>();

const _hues = new WeakMap<Profile, Map<string, number>>();

/**
 * A package's hue, from 0 to 359: every function of it has a shade of
 * this one.
 *
 * @param profile The profile.
 * @param group The package (see {@linkcode colourGroup}).
 */
export function packageHue(profile: Profile, group: string): number {
  let hues = _hues.get(profile);
  if (hues === undefined) {
    const own = new Map<string, number>();
    for (let fn = 0; fn < profile.size; fn++) {
      const key = colourGroup(profile, fn);
      own.set(key, (own.get(key) ?? 0) + profile.functions.internalTime[fn]!);
    }
    const order = [...own].sort((a, b) =>
      b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)
    );
    hues = new Map(order.map(([key], rank) => [key, _hue(rank)]));
    _hues.set(profile, hues);
  }
  let hue = hues.get(group);
  if (hue === undefined) {
    hue = _hue(hues.size);
    hues.set(group, hue);
  }
  return hue;
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
