/**
 * The command line's part of the source view and the editor: reading
 * `--map-path`, `--editor` and `--editor-url`, and setting up what the
 * server's source routes need for the loaded profile.
 *
 * @module
 */

import { dirname, resolve } from "@std/path";
import { checkEditorUrl, chooseEditor } from "../lib/editor.ts";
import { EditorLauncher } from "../lib/editor_launch.ts";
import { parsePathMapping, type PathMapping } from "../lib/path_map.ts";
import type { Profile } from "../lib/profile.ts";
import { sourceCatalog } from "../lib/source_access.ts";
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
  const env = (name: string) => {
    try {
      return Deno.env.get(name);
    } catch {
      return undefined;
    }
  };
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
