/** A profile whose names and files are hard to sort, for the sort tests. */
import type { Profile } from "../lib/profile.ts";
import { buildProfile, statsFile } from "../lib/pstats/build.ts";

/**
 * Built-ins (shown by another name than stored), non-ASCII names (one
 * outside the Basic Multilingual Plane, which UTF-16 orders before U+FF61
 * though its code point is larger), the same name in different files, and
 * lines beyond 32 bits; every function called by the first.
 */
export function trickyProfile(): Profile {
  const keys: (readonly [string, number, string])[] = [
    ["app.py", 10, "main"],
    ["~", 0, "<built-in method builtins.len>"],
    ["~", 0, "<method 'append' of 'list' objects>"],
    ["~", 0, "<built-in method builtins.abs>"],
    ["ünïcode/ñandú.py", 3, "ñandú"],
    ["app.py", 2 ** 33, "main"],
    ["app.py", 2 ** 32 + 1, "main"],
    ["lib/app.py", 7, "main"],
    ["日本/模块.py", 1, "関数"],
    ["emoji.py", 1, "\u{1F600}"],
    ["emoji.py", 2, "\uFF61"],
    ["Zeta.py", 5, "Zebra"],
    ["zeta.py", 5, "apple"],
    ["app.py", 10, "len"],
  ];
  return buildProfile([statsFile(
    "tricky.pstats",
    keys.map((key, i) => ({
      key,
      calls: i + 1,
      primitiveCalls: i + 1,
      internalTime: (i % 3) / 10,
      cumulativeTime: (i % 5) / 10,
      callers: i === 0 ? [] : [{ key: keys[0]!, calls: 1 }],
    })),
  )]);
}

/**
 * Two runs made of {@linkcode trickyProfile}'s functions, some in both and
 * some in one only, to compare: each a function that makes a new copy.
 */
export function trickyRuns(): {
  before: () => Profile;
  after: () => Profile;
} {
  const tricky = trickyProfile();
  const f = tricky.functions;
  const all = f.name.map((name, i) => [f.file[i]!, f.line[i]!, name] as const);
  const run = (keys: (readonly [string, number, string])[], scale: number) =>
    buildProfile([statsFile(
      `run-${scale}.pstats`,
      keys.map((key, i) => ({
        key,
        calls: i + 1,
        primitiveCalls: i + 1,
        internalTime: scale * (i % 4),
        cumulativeTime: scale * (i % 3),
        callers: i === 0 ? [] : [{ key: keys[0]!, calls: 1 }],
      })),
    )]);
  return {
    before: () => run([...all.slice(0, 9), ["zeta.py", 1, "main"]], 1),
    after: () =>
      run([
        all[0]!,
        ...all.slice(5),
        ["app.py", 3, "ñandú"],
        ["b.py", 1, "b"],
      ], 2),
  };
}
