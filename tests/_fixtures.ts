/**
 * Where the tests' fixtures are: tests/fixtures/, the profiles that the
 * scripts in scripts/ made with real Pythons, next to what Python itself
 * read from them. Every test finds a fixture through here.
 */
import { fromFileUrl } from "@std/path";
import type { Profile } from "../lib/profile.ts";
import { loadProfile } from "../lib/pstats/read.ts";

/** The fixtures' directory as a URL, ending in `/`. */
export const FIXTURES_URL: URL = new URL("./fixtures/", import.meta.url);

/** The fixtures' directory as a path, ending in `/`. */
export const FIXTURES: string = fromFileUrl(FIXTURES_URL);

/**
 * The path of a fixture.
 *
 * @param name Its name relative to tests/fixtures/, as
 * `cprofile-3.13.pstats` or `compare/before/run1.pstats`.
 */
export function fixturePath(name: string): string {
  return `${FIXTURES}${name}`;
}

/**
 * The names of every pstats fixture of tests/fixtures/ and its compare/
 * folder, sorted, as `cprofile-3.13.pstats` or `compare/after.pstats`.
 */
export function pstatsFixtures(): string[] {
  const names: string[] = [];
  for (const folder of ["", "compare/"]) {
    for (const entry of Deno.readDirSync(new URL(folder, FIXTURES_URL))) {
      if (entry.name.endsWith(".pstats")) names.push(folder + entry.name);
    }
  }
  return names.sort();
}

/**
 * Reads a fixture as a profile, its name as its source.
 *
 * @param name Its name relative to tests/fixtures/.
 */
export function fixtureProfile(name: string): Profile {
  const bytes = Deno.readFileSync(fixturePath(name));
  return loadProfile([{ source: name, bytes }]);
}
