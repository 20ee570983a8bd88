/**
 * What Python itself read from each fixture profile: the
 * `NAME.expected.json` files next to the fixtures, written by
 * scripts/ with the Python that made the profile.
 */

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
