/**
 * Builds the release executables: `deno compile` for every target in
 * `TARGETS` (see `scripts/compile.ts`) into
 * `dist/profiling-explorer-VERSION-TARGET[.exe]`, then writes
 * `dist/SHA256SUMS` in the format `sha256sum --check` reads. The version
 * comes from `deno.json`.
 *
 * Like `deno task compile`, it needs network access to download the Deno
 * runtime for each target (cached afterwards).
 *
 * Usage: deno task release
 *
 * @module
 */

import denoJson from "../deno.json" with { type: "json" };
import {
  assertUiBuilt,
  compile,
  DIST,
  executableName,
  makeDist,
  TARGETS,
} from "./compile.ts";

/** The version being released, from deno.json. */
export const VERSION: string = denoJson.version;

const _ROOT = new URL("../", import.meta.url);

/** The SHA-256 of some bytes, in lowercase hex. */
export async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(
    new Uint8Array(digest),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}

/**
 * The text of a `SHA256SUMS` file: one `HASH  NAME` line per file, sorted by
 * name, as `sha256sum` writes it.
 */
export function sha256sums(sums: ReadonlyMap<string, string>): string {
  return [...sums.keys()].sort()
    .map((name) => `${sums.get(name)}  ${name}\n`)
    .join("");
}

async function main(): Promise<void> {
  await assertUiBuilt();
  await makeDist();
  const sums = new Map<string, string>();
  for (const target of TARGETS) {
    const name = executableName(target, { version: VERSION });
    console.log(`Compiling main.ts for ${target} into ${DIST}/${name}`);
    await compile(target, `${DIST}/${name}`);
    const bytes = await Deno.readFile(new URL(`${DIST}/${name}`, _ROOT));
    sums.set(name, await sha256(bytes));
  }
  await Deno.writeTextFile(
    new URL(`${DIST}/SHA256SUMS`, _ROOT),
    sha256sums(sums),
  );
  console.log(`Wrote ${DIST}/SHA256SUMS for ${sums.size} executables`);
}

if (import.meta.main) {
  try {
    await main();
  } catch (error) {
    console.error(
      `release: ${error instanceof Error ? error.message : error}`,
    );
    Deno.exit(1);
  }
}
