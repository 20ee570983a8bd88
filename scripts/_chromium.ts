/**
 * Headless Chromium for the browser tests and benchmarks, driven by
 * playwright-core. Which browser, first match wins:
 *
 * 1. `CHROMIUM=/path/to/chrome`: that one.
 * 2. A system Chromium or Chrome on `PATH`.
 * 3. The headless Chromium that the npm package `@sparticuz/chromium` ships:
 *    it unpacks itself (with the NSS libraries it needs) into the temporary
 *    folder the first time, so the tests need nothing but what Deno fetches
 *    from npm. `CHROMIUM=npm` picks it even where there is a system one.
 */
import { type Browser, chromium } from "playwright-core";
import { join } from "@std/path";

/** The flags every launch gets: root needs no sandbox, and a closed network
 * refuses the connections Chromium makes in the background. */
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const SYSTEM_NAMES = [
  "chromium",
  "chromium-browser",
  "google-chrome",
  "google-chrome-stable",
];

/** A browser to start: its path and what its process needs in addition. */
export interface ChromiumBinary {
  /** The executable. */
  path: string;
  /** Where it came from, for messages: `CHROMIUM`, `system` or `npm`. */
  origin: "CHROMIUM" | "system" | "npm";
  /** Environment variables the process needs on top of ours. */
  env: Record<string, string>;
  /** Flags this binary needs on top of {@linkcode FLAGS}. */
  args: string[];
}

async function _isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

async function _systemChromium(): Promise<string | undefined> {
  const dirs = (Deno.env.get("PATH") ?? "").split(":").filter((d) => d);
  for (const name of SYSTEM_NAMES) {
    for (const dir of dirs) {
      const path = join(dir, name);
      if (await _isFile(path)) return path;
    }
  }
  return undefined;
}

async function _npmChromium(): Promise<ChromiumBinary> {
  // Test-only dependency: loaded only when no other browser is there.
  const { default: Sparticuz, inflate } = await import("@sparticuz/chromium");
  const bin = new URL("../bin/", import.meta.resolve("@sparticuz/chromium"));
  const path = await Sparticuz.executablePath();
  // The binary links NSS and expat; a fresh machine without a system
  // browser lacks them, so use the copies the package carries for Amazon
  // Linux (same glibc ABI).
  const libs = await inflate(join(bin.pathname, "al2023.tar.br"));
  const tmp = join(path, "..");
  return {
    path,
    origin: "npm",
    env: {
      LD_LIBRARY_PATH: join(libs, "lib"),
      FONTCONFIG_PATH: join(tmp, "fonts"),
    },
    args: ["--no-zygote"],
  };
}

/**
 * Finds the browser to use (see the module doc for the order).
 *
 * @returns The browser's path and what it needs to start.
 * @throws {Error} When `CHROMIUM` names a file that is not there.
 */
export async function findChromium(): Promise<ChromiumBinary> {
  const chosen = Deno.env.get("CHROMIUM");
  if (chosen === "npm") return await _npmChromium();
  if (chosen) {
    if (!await _isFile(chosen)) {
      throw new Error(
        `No Chromium at ${chosen}: set CHROMIUM to a browser's path, or unset it to use a system Chromium or the one from npm`,
      );
    }
    return { path: chosen, origin: "CHROMIUM", env: {}, args: [] };
  }
  const system = await _systemChromium();
  if (system) return { path: system, origin: "system", env: {}, args: [] };
  return await _npmChromium();
}

/**
 * Starts Chromium headless with the flags this sandbox needs: no sandbox
 * (root), and none of the background connections a closed network refuses.
 *
 * @returns The browser; close it in a `finally`.
 * @throws {Error} When `CHROMIUM` names a missing file.
 */
export async function launchChromium(): Promise<Browser> {
  let binary = await findChromium();
  const launch = (b: ChromiumBinary) =>
    chromium.launch({
      executablePath: b.path,
      args: [...FLAGS, ...b.args],
      env: { ...Deno.env.toObject(), ...b.env },
    });
  try {
    return await launch(binary);
  } catch (error) {
    if (binary.origin !== "npm") throw error;
    // An unpacking cut short (a killed run) leaves a broken browser that
    // the package would reuse: unpack it again, once.
    const tmp = join(binary.path, "..");
    for (const name of ["chromium", "al2023"]) {
      await Deno.remove(join(tmp, name), { recursive: true }).catch(() => {});
    }
    binary = await _npmChromium();
    return await launch(binary);
  }
}

/** CPU time (ms) used so far by every Chromium process on this machine, or
 * null where there is no `/proc` to read it from. */
function _chromiumCpuMs(): number | null {
  let ticks = 0;
  try {
    for (const entry of Deno.readDirSync("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      try {
        const argv0 = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`)
          .split("\0")[0]!;
        if (!/chrom|headless_shell/i.test(argv0.split("/").pop()!)) continue;
        const fields = Deno.readTextFileSync(`/proc/${entry.name}/stat`)
          .split(") ")[1]!.split(" ");
        ticks += Number(fields[11]) + Number(fields[12]);
      } catch {
        // The process ended while being read.
      }
    }
  } catch {
    return null;
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}

/**
 * Waits until the browser has settled after its launch and new pages: a
 * benchmark times what a user's already-running browser does, not the tail
 * of starting one (a new page keeps Chromium busy for up to a second on two
 * cores). Settled means under 20 ms of CPU over 300 ms; gives up after 10 s.
 * Without `/proc`, waits two seconds.
 */
export async function chromiumSettled(): Promise<void> {
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => setTimeout(resolve, ms));
  let before = _chromiumCpuMs();
  if (before === null) return await sleep(2000);
  const giveUp = performance.now() + 10_000;
  while (performance.now() < giveUp) {
    await sleep(300);
    const now = _chromiumCpuMs() ?? 0;
    if (now - before < 20) return;
    before = now;
  }
}
