/**
 * Reads a profiled program's source file from disk by the rules of
 * `lib/source_access.ts`: the only part of the source view that touches the
 * file system.
 *
 * For each path the rules allow for a name, in order: resolve its real path
 * (a missing file tries the next path); check the real path's suffix and
 * that it is a regular file within the size cap, before opening anything
 * (a FIFO or a device is never opened); open the real path once; check the
 * open handle is a regular file within the cap with the same device and
 * inode as the path checked (a file or link swapped in meanwhile is
 * refused); read at most one byte more than the cap; decode. An open that
 * does not finish in 2 s (a FIFO swapped in after the check, which blocks
 * until a writer comes) is given up, so it cannot hang the server.
 *
 * @module
 */

import {
  changedSinceProfiling,
  decideName,
  decideOpened,
  decodeSource,
  isRefusal,
  MAX_SOURCE_BYTES,
  refusal,
  type SourceCatalog,
  type SourceRefusal,
} from "./source_access.ts";

/** A source file read and decoded. */
export interface SourceText {
  /** The file as the profile names it. */
  readonly name: string;
  /** The path read: the real path, every link followed. */
  readonly path: string;
  /** The lines (line 1 is `lines[0]`). */
  readonly lines: string[];
  /** The encoding it was decoded with. */
  readonly encoding: string;
  /** How many byte sequences did not decode (shown as U+FFFD). */
  readonly undecodable: number;
  /** Its modification time in ms since the epoch, `null` if unknown. */
  readonly mtime: number | null;
  /** Whether it was modified after the profile was made. */
  readonly changed: boolean;
}

/** Options for {@linkcode readSource}. */
export interface ReadSourceOptions {
  /** The profile's modification time (ms), to tell changed files. */
  readonly profileMtime?: number | null;
  /** The size cap; {@linkcode MAX_SOURCE_BYTES} by default. */
  readonly maxBytes?: number;
}

/**
 * Reads the source file a profile names, or says why not.
 *
 * @example
 * ```ts
 * import { readSource } from "./source_read.ts";
 * import { isRefusal, sourceCatalog } from "./source_access.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/app.py`, "def main():\n    pass\n");
 * const catalog = sourceCatalog(["app.py", "notes.txt"], { cwd: dir });
 * const text = await readSource(catalog, "app.py");
 * assertEquals(isRefusal(text) ? text : text.lines, ["def main():", "    pass", ""]);
 * const refused = await readSource(catalog, "notes.txt");
 * assertEquals(isRefusal(refused) && refused.status, 403);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @param catalog The files of the loaded profiles.
 * @param name The file, exactly as a profile names it.
 * @param options The profile's time and the size cap.
 * @returns The text, or the refusal.
 */
export async function readSource(
  catalog: SourceCatalog,
  name: string,
  options: ReadSourceOptions = {},
): Promise<SourceText | SourceRefusal> {
  const decided = decideName(catalog, name);
  if (isRefusal(decided)) return decided;
  for (const path of decided.places) {
    const read = await _readOne(name, path, options);
    if (read !== "missing") return read;
  }
  return _missing(name, decided.places);
}

/**
 * Finds the file a profile names by the same rules as
 * {@linkcode readSource}, without reading it: for opening it in an editor.
 *
 * @example
 * ```ts
 * import { locateSource } from "./source_read.ts";
 * import { isRefusal, sourceCatalog } from "./source_access.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const dir = await Deno.realPath(await Deno.makeTempDir());
 * await Deno.writeTextFile(`${dir}/app.py`, "x = 1\n");
 * const catalog = sourceCatalog(["app.py"], { cwd: dir });
 * const found = await locateSource(catalog, "app.py");
 * assertEquals(isRefusal(found) ? found : found.path, `${dir}/app.py`);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @param catalog The files of the loaded profiles.
 * @param name The file, exactly as a profile names it.
 * @param options The size cap.
 * @returns The real path, or the refusal.
 */
export async function locateSource(
  catalog: SourceCatalog,
  name: string,
  options: ReadSourceOptions = {},
): Promise<{ readonly path: string } | SourceRefusal> {
  const decided = decideName(catalog, name);
  if (isRefusal(decided)) return decided;
  for (const path of decided.places) {
    const opened = await _open(path, options.maxBytes ?? MAX_SOURCE_BYTES);
    if (opened === "missing") continue;
    if (isRefusal(opened)) return opened;
    opened.handle.close();
    return { path: opened.real };
  }
  return _missing(name, decided.places);
}

function _missing(name: string, places: readonly string[]): SourceRefusal {
  return refusal(
    "missing",
    places.length === 1 && places[0] === name
      ? `${JSON.stringify(name)} is not there`
      : `${JSON.stringify(name)} is not there (looked for ${
        places.map((p) => JSON.stringify(p)).join(", ")
      }): map it with --map-path FROM=TO`,
  );
}

interface _Opened {
  readonly handle: Deno.FsFile;
  readonly real: string;
  readonly size: number;
  readonly mtime: number | null;
}

/** How long opening a file may take before it is taken for a FIFO. */
const _OPEN_MS = 2000;

/**
 * Resolves, checks and opens one path: the open handle of a regular Python
 * file within the cap, a refusal, or "missing".
 */
async function _open(
  path: string,
  maxBytes: number,
): Promise<_Opened | SourceRefusal | "missing"> {
  let real: string;
  try {
    real = await Deno.realPath(path);
  } catch (error) {
    if (
      error instanceof Deno.errors.NotFound ||
      error instanceof Deno.errors.NotADirectory
    ) return "missing";
    return _unreadable(path, error);
  }
  // Decide on the real path before opening it: a FIFO or a device is never
  // opened, and a link to a file that is not Python source never read.
  let before: Deno.FileInfo;
  try {
    before = await Deno.lstat(real);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "missing";
    return _unreadable(path, error);
  }
  const early = decideOpened(
    { path, realPath: real, isFile: before.isFile, size: before.size },
    maxBytes,
  );
  if (early !== null) return early;
  // Something swapped in since (a FIFO, which blocks an open for reading
  // until a writer comes) must not hang the server: the open is given up
  // after a while, and the handle closed whenever it comes.
  const opening = Deno.open(real, { read: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let handle: Deno.FsFile | null;
  try {
    handle = await Promise.race([
      opening,
      new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), _OPEN_MS);
      }),
    ]);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "missing";
    return _unreadable(path, error);
  } finally {
    clearTimeout(timer);
  }
  if (handle === null) {
    opening.then((late) => late.close(), () => {});
    return refusal(
      "not-regular",
      `${JSON.stringify(path)} did not open: it is not a regular file`,
    );
  }
  try {
    // The handle itself: a regular file, the very one checked (a link or
    // another file swapped in has another inode).
    const info = await handle.stat();
    const decided = decideOpened(
      { path, realPath: real, isFile: info.isFile, size: info.size },
      maxBytes,
    );
    const replaced = info.ino !== before.ino || info.dev !== before.dev
      ? refusal(
        "unreadable",
        `${JSON.stringify(path)} was replaced while being read`,
      )
      : null;
    if (decided !== null || replaced !== null) {
      handle.close();
      return (decided ?? replaced)!;
    }
    return {
      handle,
      real,
      size: info.size,
      mtime: info.mtime?.getTime() ?? null,
    };
  } catch (error) {
    handle.close();
    return _unreadable(path, error);
  }
}

async function _readOne(
  name: string,
  path: string,
  options: ReadSourceOptions,
): Promise<SourceText | SourceRefusal | "missing"> {
  const maxBytes = options.maxBytes ?? MAX_SOURCE_BYTES;
  const opened = await _open(path, maxBytes);
  if (opened === "missing" || isRefusal(opened)) return opened;
  const { handle, real } = opened;
  try {
    const buffer = new Uint8Array(Math.min(opened.size, maxBytes) + 1);
    let length = 0;
    while (length < buffer.length) {
      const n = await handle.read(buffer.subarray(length));
      if (n === null || n === 0) break;
      length += n;
    }
    if (length > maxBytes) {
      return decideOpened(
        { path, realPath: real, isFile: true, size: length },
        maxBytes,
      )!;
    }
    return {
      name,
      path: real,
      ...decodeSource(buffer.subarray(0, length)),
      mtime: opened.mtime,
      changed: changedSinceProfiling(
        opened.mtime,
        options.profileMtime ?? null,
      ),
    };
  } catch (error) {
    return _unreadable(path, error);
  } finally {
    handle.close();
  }
}

function _unreadable(path: string, error: unknown): SourceRefusal {
  const why = error instanceof Deno.errors.PermissionDenied
    ? "permission denied"
    : error instanceof Deno.errors.IsADirectory
    ? "it is a directory"
    : error instanceof Error
    ? error.message
    : String(error);
  return refusal(
    "unreadable",
    `${JSON.stringify(path)} cannot be read: ${why}`,
  );
}
