/**
 * The tests' one seeded random source, so that every generated case (fuzzed
 * bytes, made-up call graphs, search terms) is the same on every run.
 *
 * @module
 */

/** A small deterministic random source (mulberry32): numbers in [0, 1). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
