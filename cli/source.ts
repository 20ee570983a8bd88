/**
 * The command line's part of the source view and the editor: reading
 * `--map-path`, `--editor` and `--editor-url`, and setting up what the
 * server's source routes need for the loaded profile.
 *
 * @module
 */

import { dirname, resolve } from "../lib/path.ts";
import { escapeControls } from "../lib/escape.ts";
import { formatCount } from "../lib/format.ts";
import { checkEditorUrl, chooseEditor } from "../lib/editor.ts";
import { EditorLauncher } from "../lib/editor_launch.ts";
import { parsePathMapping, type PathMapping } from "../lib/path_map.ts";
import type { Profile } from "../lib/profile.ts";
import { isRefusal, sourceCatalog } from "../lib/source_access.ts";
import { readSource } from "../lib/source_read.ts";
import type { PageMeta, SourceServing } from "../lib/source_routes.ts";

/** The source and editor options of the command line. */
export interface SourceOptions {
  /** The `--map-path` rules, in the order given. */
  readonly mapPath: readonly PathMapping[];
  /** The editor command from `--editor` or the environment, split. */
  readonly editor: readonly string[] | null;
  /** The `--editor-url` template. */
  readonly editorUrl: string | null;
}

/**
 * Reads the source and editor options; the editor falls back to
 * `PROFILING_EXPLORER_EDITOR`, `VISUAL` and `EDITOR`.
 *
 * @param values The raw values: every `--map-path`, `--editor`, `--editor-url`.
 * @param env Reads an environment variable.
 * @returns The options.
 * @throws {SyntaxError} With the message for a bad value.
 */
export function parseSourceOptions(
  values: {
    readonly mapPath: readonly string[];
    readonly editor: string | undefined;
    readonly editorUrl: string | undefined;
  },
  env: (name: string) => string | undefined,
): SourceOptions {
  const mapPath = values.mapPath.map((text) => {
    try {
      return parsePathMapping(text);
    } catch (error) {
      throw new SyntaxError(
        `Invalid --map-path "${text}": give FROM=TO, such as /app=/home/me/app`,
        { cause: error },
      );
    }
  });
  if (values.editorUrl !== undefined) checkEditorUrl(values.editorUrl);
  let editor: readonly string[] | null = null;
  try {
    editor = chooseEditor(values.editor, env)?.command ?? null;
  } catch (error) {
    if (values.editor !== undefined) {
      throw new SyntaxError(
        `Invalid --editor: ${(error as Error).message}`,
      );
    }
    // A malformed $EDITOR is not the command line's fault: no editor.
  }
  return { mapPath, editor, editorUrl: values.editorUrl ?? null };
}

/**
 * What the server needs to serve the sources of a loaded profile (and of
 * the base when comparing): the catalog of the files they name, their
 * newest modification time, and the editor.
 *
 * @param profiles The loaded profiles.
 * @param options The source and editor options.
 * @param secret The run's secret for opening the editor.
 * @returns The serving.
 */
export async function sourceServing(
  profiles: readonly Profile[],
  options: SourceOptions,
  secret: string,
): Promise<SourceServing> {
  const cwd = Deno.cwd();
  const names = new Set<string>();
  const inputs = new Set<string>();
  for (const profile of profiles) {
    for (const file of profile.functions.file) names.add(file);
    for (const source of profile.sources) inputs.add(resolve(cwd, source));
  }
  let profileMtime: number | null = null;
  for (const input of inputs) {
    try {
      const mtime = (await Deno.stat(input)).mtime?.getTime();
      if (
        mtime !== undefined && (profileMtime === null || mtime > profileMtime)
      ) {
        profileMtime = mtime;
      }
    } catch {
      // A profile read from a stream or since removed has no time.
    }
  }
  const env = grantedEnv;
  const hasDisplay = Deno.build.os === "darwin" ||
    Deno.build.os === "windows" ||
    env("DISPLAY") !== undefined || env("WAYLAND_DISPLAY") !== undefined;
  return {
    catalog: sourceCatalog(names, {
      cwd,
      rules: options.mapPath,
      bases: [...new Set([...inputs].map((input) => dirname(input)))],
    }),
    profileMtime,
    cwd,
    secret,
    editor: options.editor,
    editorUrl: options.editorUrl,
    hasDisplay,
    launcher: new EditorLauncher({
      hasTerminal: Deno.stdin.isTerminal() && Deno.stdout.isTerminal(),
    }),
  };
}

/**
 * What the page is told about opening files.
 *
 * @param options The source and editor options.
 * @param secret The run's secret.
 * @returns The page's meta.
 */
export function pageSourceMeta(
  options: SourceOptions,
  secret: string,
): PageMeta {
  return {
    secret,
    canOpen: options.editor !== null || options.editorUrl !== null,
    editorUrl: options.editorUrl,
  };
}

/** The most source text a report carries, in bytes of JSON: 16 MiB. */
export const MAX_EMBEDDED_SOURCES = 16 * 1024 * 1024;

/** The sources a report carries, and what it could not. */
export interface EmbeddedSources {
  /**
   * The JSON the page reads: the files (`{name, path, lines, …}`), and for
   * those not carried, why (`{name, error}`).
   */
  readonly json: string;
  /** The files carried, as the profile names them, with their size. */
  readonly embedded: readonly { name: string; bytes: number }[];
  /** The files not carried, with why. */
  readonly skipped: readonly { name: string; reason: string }[];
}

/**
 * Reads the sources of the files the profiles name, by the rules of the
 * server (`lib/source_access.ts`), for `--html-source`: the report carries
 * them, up to {@linkcode MAX_EMBEDDED_SOURCES} in all (the hottest files
 * first, by internal time); a file that cannot be read is listed with why.
 *
 * @param profiles The loaded profiles.
 * @param options The source options (`--map-path`).
 * @param maxBytes The most JSON carried.
 * @returns The JSON and the lists.
 */
export async function embedSources(
  profiles: readonly Profile[],
  options: SourceOptions,
  maxBytes: number = MAX_EMBEDDED_SOURCES,
): Promise<EmbeddedSources> {
  const serving = await sourceServing(profiles, options, "");
  // The files by the time spent in them, hottest first.
  const time = new Map<string, number>();
  for (const profile of profiles) {
    const f = profile.functions;
    for (let i = 0; i < profile.size; i++) {
      const file = f.file[i]!;
      if (serving.catalog.places.has(file)) {
        time.set(file, (time.get(file) ?? 0) + f.internalTime[i]!);
      }
    }
  }
  const names = [...time.keys()].sort((a, b) =>
    time.get(b)! - time.get(a)! || (a < b ? -1 : 1)
  );
  const files: unknown[] = [];
  const embedded: { name: string; bytes: number }[] = [];
  const skipped: { name: string; reason: string }[] = [];
  let total = 2;
  for (const name of names) {
    const read = await readSource(serving.catalog, name, {
      profileMtime: serving.profileMtime,
    });
    if (isRefusal(read)) {
      // Built-ins and the like are no files: not worth a line.
      if (read.kind !== "no-file") {
        skipped.push({ name, reason: read.message });
        // The page says why it has no source of this file.
        files.push({ name, error: read.message });
      }
      continue;
    }
    const entry = {
      name: read.name,
      path: read.path,
      lines: read.lines,
      encoding: read.encoding,
      undecodable: read.undecodable,
      changed: read.changed,
    };
    const json = JSON.stringify(entry);
    if (total + json.length + 1 > maxBytes) {
      const reason = `over the ${
        maxBytes / 1024 / 1024
      } MiB of sources a report carries`;
      skipped.push({ name, reason });
      files.push({ name, error: `${JSON.stringify(name)} is ${reason}` });
      continue;
    }
    total += json.length + 1;
    files.push(entry);
    embedded.push({ name, bytes: json.length });
  }
  return { json: JSON.stringify(files), embedded, skipped };
}

/**
 * Reads the sources an `--html-source` report carries, listing on the
 * terminal what it embeds and what it leaves out.
 *
 * @returns What the report embeds.
 */
export async function embedReportSources(
  profiles: readonly Profile[],
  options: SourceOptions,
): Promise<{ json: string; editorUrl: string | null }> {
  const embedded = await embedSources(profiles, options);
  const kib = embedded.embedded.reduce((n, e) => n + e.bytes, 0) / 1024;
  console.log(
    `Embedding ${formatCount(embedded.embedded.length)} source file${
      embedded.embedded.length === 1 ? "" : "s"
    } (${kib.toFixed(0)} KiB) in the report:`,
  );
  for (const e of embedded.embedded) console.log(`  ${escapeControls(e.name)}`);
  for (const e of embedded.skipped) {
    console.log(`  not embedded: ${escapeControls(e.reason)}`);
  }
  return { json: embedded.json, editorUrl: options.editorUrl };
}

/**
 * An environment variable's value where Deno already allows reading it, so
 * that looking for an editor or a display never stops at a permission
 * prompt (the permissions `deno task start` and the executables have name
 * these variables).
 *
 * @param name The variable.
 * @returns Its value, or `undefined` where unset or not allowed.
 */
export function grantedEnv(name: string): string | undefined {
  try {
    const status = Deno.permissions.querySync({ name: "env", variable: name });
    return status.state === "granted" ? Deno.env.get(name) : undefined;
  } catch {
    return undefined;
  }
}
