/**
 * The explorer's server under load (Linux): `deno run -A
 * scripts/bench_server.ts`.
 *
 * - Connections: the explorer started under `ulimit -n 1024`, the files it
 *   holds a connection (100 kept-alive requests), then floods of 1,500
 *   connections sending half a request line, and 1,500 whole requests held
 *   open: the answer to a request during each flood and after it.
 * - Heavy work: the explorer on a dense call graph (1,000 functions that
 *   all call each other: 1,000,000 edges, 10 MB), `/api/collapsed?min=0`
 *   requested, and 10 light requests (`/api/functions?limit=1`) sent every
 *   0.5 s meanwhile: their latencies, min, median and max.
 *
 * @module
 */

import { explorerUrl } from "./_bench_tools.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const FIXTURE =
  new URL("../tests/fixtures/cprofile-3.12.pstats", import.meta.url).pathname;

/** The explorer on `file` (under `ulimit -n LIMIT` with one), and its port. */
async function start(file: string, limit?: number) {
  const command = `${
    limit === undefined ? "" : `ulimit -n ${limit} && `
  }exec "$0" run --allow-all "$1" --no-open --port 0 "$2"`;
  const child = new Deno.Command("bash", {
    args: ["-c", command, Deno.execPath(), MAIN, file],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const started = await explorerUrl(
    child.stdout,
    "The explorer did not start",
  );
  const { reader } = started;
  const url = new URL(started.url);
  return {
    url,
    port: Number(url.port),
    pid: child.pid,
    async stop() {
      child.kill("SIGKILL");
      await child.status;
      await reader.cancel();
    },
  };
}

function openFiles(pid: number): number {
  return [...Deno.readDirSync(`/proc/${pid}/fd`)].length;
}

/** One request's answer and its time, or that none came within 10 s. */
async function timed(url: URL): Promise<string> {
  const start = performance.now();
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    await response.arrayBuffer();
    return `${response.status} in ${(performance.now() - start).toFixed(0)} ms`;
  } catch (error) {
    return `no answer (${(error as Error).name})`;
  }
}

async function flood(port: number, count: number, text: string) {
  const conns: Deno.Conn[] = [];
  for (let i = 0; i < count; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, async () => {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port });
        conns.push(conn);
        await conn.write(new TextEncoder().encode(text));
      }),
    );
  }
  return conns;
}

async function connections(): Promise<void> {
  console.log("Connections, under ulimit -n 1024:");
  const shapes = [
    ["kept-alive whole requests", 100, "whole"],
    ["half request lines", 1500, "GET / HTTP/1.1\r\nHo"],
    ["whole requests held open", 1500, "whole"],
  ] as const;
  for (const [shape, count, text] of shapes) {
    const server = await start(FIXTURE, 1024);
    const api = new URL("/api/functions?limit=1", server.url);
    const before = openFiles(server.pid);
    const conns = await flood(
      server.port,
      count,
      text === "whole"
        ? `GET /api/functions?limit=1 HTTP/1.1\r\nHost: ${server.url.host}\r\n\r\n`
        : text,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const during = openFiles(server.pid);
    const answer = await timed(api);
    for (const conn of conns) conn.close();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = await timed(api);
    const files = during - before;
    console.log(
      `  ${count} ${shape}: ${files} more files open (${
        files < count
          ? "the cap on connections"
          : `${(files / count).toFixed(2)} a connection`
      }); a request during: ${answer}; after: ${after}`,
    );
    await server.stop();
  }
}

/** `n` functions that all call each other, and a root calling them all. */
function densePstats(n: number): Uint8Array {
  const out = new Uint8Array(n * n * 60 + n * 200);
  const view = new DataView(out.buffer);
  let at = 0;
  const byte = (b: number) => out[at++] = b;
  const int = (v: number) => {
    byte(0x69);
    view.setInt32(at, v, true);
    at += 4;
  };
  const float = (v: number) => {
    byte(0x67);
    view.setFloat64(at, v, true);
    at += 8;
  };
  const text = (s: string) => {
    byte(0x7a);
    byte(s.length);
    for (let i = 0; i < s.length; i++) byte(s.charCodeAt(i));
  };
  const key = (file: string, name: string) => {
    byte(0x29);
    byte(3);
    text(file);
    int(1);
    text(name);
  };
  const numbers = (calls: number, tt: number, ct: number) => {
    int(calls);
    int(calls);
    float(tt);
    float(ct);
  };
  byte(0x7b);
  key("main.py", "main");
  byte(0x29);
  byte(5);
  numbers(1, 0.001, 1000);
  byte(0x7b);
  byte(0x30);
  for (let i = 0; i < n; i++) {
    key(`m${i}.py`, `f${i}`);
    byte(0x29);
    byte(5);
    numbers(n + 1, 0.001, 1);
    byte(0x7b);
    key("main.py", "main");
    byte(0x29);
    byte(4);
    numbers(1, 0.001, 0.001);
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      key(`m${j}.py`, `f${j}`);
      byte(0x29);
      byte(4);
      numbers(1, 1e-6, 1e-6);
    }
    byte(0x30);
  }
  byte(0x30);
  return out.subarray(0, at);
}

async function heavyWork(): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "bench-server-" });
  try {
    const file = `${dir}/dense.pstats`;
    const bytes = densePstats(1000);
    await Deno.writeFile(file, bytes);
    const server = await start(file);
    const api = new URL("/api/functions?limit=1", server.url);
    // Loaded once the data routes answer.
    await (await fetch(api)).arrayBuffer();
    const start0 = performance.now();
    const heavy = fetch(new URL("/api/collapsed?min=0", server.url)).then(
      async (response) => {
        await response.arrayBuffer();
        return `${response.status} in ${
          ((performance.now() - start0) / 1000).toFixed(1)
        } s`;
      },
    );
    const light: Promise<number>[] = [];
    for (let i = 0; i < 10; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const start = performance.now();
      light.push(
        fetch(api).then(async (response) => {
          await response.arrayBuffer();
          return performance.now() - start;
        }),
      );
    }
    const ms = (await Promise.all(light)).sort((a, b) => a - b);
    console.log(
      `Heavy work: a dense call graph (${
        (bytes.length / 1e6).toFixed(1)
      } MB, 1,000,000 edges), /api/collapsed?min=0 answered ${await heavy}`,
    );
    console.log(
      `  10 light requests meanwhile: min ${ms[0]!.toFixed(0)} ms, median ${
        ((ms[4]! + ms[5]!) / 2).toFixed(0)
      } ms, max ${ms[9]!.toFixed(0)} ms`,
    );
    await server.stop();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  if (Deno.build.os !== "linux") {
    console.error("bench_server: Linux only (ulimit, /proc)");
    Deno.exit(2);
  }
  await connections();
  await heavyWork();
}
