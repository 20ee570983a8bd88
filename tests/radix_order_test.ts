/**
 * `radixOrder()` (lib/query.ts), which every numeric sort of the table,
 * compare and group views goes through, against a plain stable sort.
 */
import { assertEquals } from "@std/assert";
import { radixOrder, topOrder } from "../lib/query.ts";

/** The reference: ids by number (largest first when descending), NaN last,
 * -0 equal to 0, ties in id order. */
function reference(key: Float64Array, descending: boolean): number[] {
  const ids = [...key.keys()];
  return ids.sort((a, b) => {
    const x = key[a]!;
    const y = key[b]!;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      return Number(Number.isNaN(x)) - Number(Number.isNaN(y)) || a - b;
    }
    return (descending ? y - x : x - y) || a - b;
  });
}

Deno.test("radixOrder() orders numbers as a stable sort does, ties in id order, and topOrder() gives its first ones", () => {
  let a = 11;
  const next = () => {
    a = (Math.imul(a, 1103515245) + 12345) >>> 0;
    return a / 4294967296;
  };
  // Numbers whose high 32 bits are equal and low ones differ (they differ
  // only far into the fraction), in runs short and long.
  const close = (base: number) => {
    const bits = new Float64Array([base]);
    const words = new Uint32Array(bits.buffer);
    words[0] = Math.floor(next() * 4) >>> 0;
    return bits[0]!;
  };
  const special = [0, -0, 1, -1, Infinity, -Infinity, NaN, 1e-300, 2 ** 53];
  for (let round = 0; round < 202; round++) {
    // The last two: one long run of equal high words (over 16,384).
    const n = round >= 200
      ? 40_000
      : Math.floor(next() * (round < 150 ? 40 : 3000));
    const key = Float64Array.from({ length: n }, () => {
      const r = next();
      if (round >= 200) return close(0.5);
      if (r < 0.2) return special[Math.floor(next() * special.length)]!;
      if (r < 0.6) return close(round % 2 ? 0.125 : 1234.5);
      return (next() - 0.3) * 10 ** Math.floor(next() * 12);
    });
    for (const descending of [false, true]) {
      const expected = reference(key, descending);
      assertEquals(
        [...radixOrder(key, descending)],
        expected,
        `${descending ? "descending" : "ascending"}: ${[...key]}`,
      );
      const k = Math.floor(next() * (n + 2));
      assertEquals(
        [...topOrder(key, descending, k)],
        expected.slice(0, k),
        `first ${k}, ${descending ? "descending" : "ascending"}: ${[...key]}`,
      );
    }
  }
});
