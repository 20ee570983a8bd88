/**
 * What Python itself read from each fixture profile: the
 * `NAME.expected.json` files next to the fixtures, written by
 * scripts/ with the Python that made the profile, and the groups Python
 * computed from it (`NAME.groups.json`).
 */

import type { GroupLevel } from "../lib/group.ts";

/** A caller of a function, as Python read it. */
export interface ExpectedCaller {
  file: string;
  line: number;
  name: string;
  value: [number, number, number, number] | number;
}

/** One function, as Python read it. */
export interface ExpectedFunction {
  file: string;
  line: number;
  name: string;
  cc: number;
  nc: number;
  tt: number;
  ct: number;
  callers: ExpectedCaller[];
}

/** What Python read from a fixture (its `NAME.expected.json`). */
export interface Expected {
  python: string;
  kind: "cprofile" | "profile" | "yappi" | "sampled";
  total_calls: number;
  primitive_calls: number;
  total_time: number;
  functions: ExpectedFunction[];
  /** Set when `functions` is a sample of a large file. */
  function_count?: number;
}

/** Reads an expected-values file (`…expected.json`). */
export function readExpected(path: string): Expected {
  return JSON.parse(Deno.readTextFileSync(path)) as Expected;
}

/** One group's numbers as Python computed them. */
export interface ExpectedGroup {
  key: string;
  functions: number;
  lines?: number;
  calls: number;
  primitive_calls: number;
  internal_time: number;
  cumulative: number;
}

/** The groups Python computed from a fixture, at every level. */
export interface ExpectedGroups {
  sampled: boolean;
  cumulative_unit: "time" | "calls";
  levels: Record<GroupLevel, ExpectedGroup[]>;
}

/** Reads an expected-groups file (`…groups.json`). */
export function readExpectedGroups(path: string): ExpectedGroups {
  return JSON.parse(Deno.readTextFileSync(path)) as ExpectedGroups;
}
