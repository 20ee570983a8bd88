/**
 * Loads and sorts pstats files the way the command line does (each file
 * merged before the next, small ones read 16 ahead, a large one decoded as it
 * is read),
 * and prints what it took as JSON: used
 * by scripts/bench.ts, one process per run.
 *
 * Usage: deno run --allow-all scripts/bench_load.ts FILE...
 */
import { loadProfileAsync } from "../lib/pstats/read.ts";
import { queryFunctions } from "../lib/query.ts";

const paths = Deno.args;
if (paths.length === 0) throw new Error("usage: bench_load.ts FILE...");
const start = performance.now();
/** Files smaller than this cli/inputs.ts reads in one go. */
const WHOLE_READ_BYTES = 1024 * 1024;

/** Reads a file into a buffer of its size, as cli/inputs.ts does. */
async function readAll(path: string): Promise<Uint8Array<ArrayBuffer>> {
  if ((await Deno.stat(path)).size < WHOLE_READ_BYTES) {
    return await Deno.readFile(path);
  }
  using file = await Deno.open(path);
  const bytes = new Uint8Array((await file.stat()).size);
  let at = 0;
  while (at < bytes.length) {
    const n = await file.read(bytes.subarray(at));
    if (n === null) break;
    at += n;
  }
  return bytes.subarray(0, at);
}

/** From this size on, cli/inputs.ts decodes a file as it reads it. */
const STREAM_BYTES = 16 * 1024 * 1024;

/** How many small files cli/inputs.ts reads ahead of the one being merged. */
const READ_AHEAD = 16;

async function* files() {
  const sizes = new Map<string, number>();
  for (const source of paths) sizes.set(source, (await Deno.stat(source)).size);
  // Small files are read a few ahead, as cli/inputs.ts reads them.
  const ahead: Promise<Uint8Array<ArrayBuffer>>[] = [];
  let next = 0;
  const readNext = () => {
    while (next < paths.length && ahead.length < READ_AHEAD) {
      const source = paths[next++]!;
      ahead.push(
        sizes.get(source)! >= STREAM_BYTES
          ? Promise.resolve(new Uint8Array(0))
          : readAll(source),
      );
    }
  };
  for (const source of paths) {
    readNext();
    const small = ahead.shift()!;
    const size = sizes.get(source)!;
    if (size >= STREAM_BYTES) {
      using file = await Deno.open(source);
      const read = (into: Uint8Array) => file.read(into);
      yield { source, stream: { size, read, readAll: () => readAll(source) } };
      continue;
    }
    const bytes = await small;
    yield { source, bytes };
    bytes.buffer.transfer(0); // merged: free it at once, as cli/inputs.ts does
  }
}
const profile = await loadProfileAsync(files(), { cwd: Deno.cwd() });
const loaded = performance.now();
queryFunctions(profile, { sort: "cumulative", limit: 1 });
const sorted = performance.now();
const status = await Deno.readTextFile("/proc/self/status").catch(() => "");
const peakKb = Number(status.match(/VmHWM:\s+(\d+)/)?.[1] ?? NaN);
console.log(JSON.stringify({
  functions: profile.size,
  seconds: (sorted - start) / 1000,
  load_seconds: (loaded - start) / 1000,
  sort_seconds: (sorted - loaded) / 1000,
  peak_mb: peakKb / 1024,
}));
