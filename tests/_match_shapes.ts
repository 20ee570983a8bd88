/**
 * Pairs of runs whose matching used to take time in proportion to the
 * square of their size (issue 19): the matching test counts the work they
 * take and `scripts/bench_compare.ts --shapes` times them.
 */
import type { Profile } from "../lib/profile.ts";
import { buildProfile, statsFile } from "../lib/pstats/build.ts";
import type { FunctionKey } from "../lib/pstats/stats_table.ts";

/** A before and an after run of one shape. */
export interface MatchShape {
  /** What the shape is, in a few words. */
  readonly name: string;
  /** The run before. */
  readonly base: Profile;
  /** The run after. */
  readonly current: Profile;
  /** How many of the functions the rules pair (every other one is unmatched). */
  readonly matched: number;
}

type Node = { key: FunctionKey; callers?: FunctionKey[] };

function _run(nodes: Node[]): Profile {
  return buildProfile([statsFile(
    "run.pstats",
    nodes.map(({ key, callers = [] }) => ({
      key,
      calls: 1,
      primitiveCalls: 1,
      internalTime: 1e-6,
      cumulativeTime: 1e-6,
      callers: callers.map((caller) => ({ key: caller, calls: 1 })),
    })),
  )]);
}

/** A hexadecimal address that differs between the two runs. */
function _address(run: number, i: number): string {
  return `0x7f${run.toString(16)}${(0x10000000 + i * 48).toString(16)}`;
}

/**
 * The shapes at `size` functions a side:
 * - every folder renamed (`/srv/old/p{i}/m.py` → `/srv/new/q{i}/m.py`): no
 *   file is another's one best match, so nothing pairs;
 * - names differing only by an address (`handler at 0x…`, one file and
 *   line), each called by its own caller: the callers decide them all;
 * - a chain of such names, each called by the one before it: each pair
 *   decides the next.
 */
export function matchShapes(size: number): MatchShape[] {
  const renamed = (run: number) =>
    _run(Array.from({ length: size }, (_, i) => ({
      key: [
        run === 0 ? `/srv/old/p${i}/m.py` : `/srv/new/q${i}/m.py`,
        1,
        "f",
      ],
    })));
  const callers = size >> 1;
  const addressed = (run: number) =>
    _run(Array.from({ length: size }, (_, i) => {
      if (i < callers) return { key: ["/srv/app/caller.py", i + 1, `c${i}`] };
      const k = i - callers;
      return {
        key: ["/srv/app/m.py", 1, `handler at ${_address(run, k)}`],
        callers: [["/srv/app/caller.py", k + 1, `c${k}`]],
      };
    }));
  const chained = (run: number) =>
    _run(Array.from({ length: size }, (_, i) => {
      const key: FunctionKey = i === 0
        ? ["/srv/app/main.py", 1, "main"]
        : ["/srv/app/m.py", 1, `step at ${_address(run, i)}`];
      if (i === 0) return { key };
      const caller: FunctionKey = i === 1
        ? ["/srv/app/main.py", 1, "main"]
        : ["/srv/app/m.py", 1, `step at ${_address(run, i - 1)}`];
      return { key, callers: [caller] };
    }));
  return [
    {
      name: "renamed folders",
      base: renamed(0),
      current: renamed(1),
      matched: 0,
    },
    {
      name: "names differing by address",
      base: addressed(0),
      current: addressed(1),
      matched: size,
    },
    {
      name: "a chain of such names",
      base: chained(0),
      current: chained(1),
      matched: size,
    },
  ];
}
