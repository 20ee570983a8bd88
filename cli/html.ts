/**
 * The HTML report (`--html FILE`): the explorer and the profile's data in
 * one file that opens in a browser without a server, written atomically and
 * never over an input or a file that is not such a report.
 *
 * @module
 */

import { basename, dirname, join, resolve } from "../lib/path.ts";
import { escapeControls } from "../lib/escape.ts";
import { formatCount } from "../lib/format.ts";
import {
  type EmbeddedData,
  htmlReport,
  REPORT_GENERATOR,
  type UiAssets,
} from "../lib/html_report.ts";
import type { Profile } from "../lib/profile.ts";
import { createHandler, PAGE_DATA_PATHS } from "../lib/server.ts";
import { fsReason, PROGRESS_BYTES } from "./inputs.ts";
import { fail, megabytes, type Progress } from "./terminal.ts";

/**
 * Writes the HTML report atomically (a temporary file in the same folder,
 * then renamed), never over an input, and only over a file that is itself
 * a report.
 */
export async function writeHtml(
  profile: Profile,
  base: Profile | undefined,
  start: string,
  out: string,
  inputs: string[],
  progress: Progress | undefined,
  assets: UiAssets,
  sources?: { json: string; editorUrl: string | null },
): Promise<number> {
  const target = resolve(out);
  const real = async (path: string) => {
    try {
      return await Deno.realPath(path);
    } catch {
      return resolve(path);
    }
  };
  const targetReal = await real(target);
  for (const input of inputs) {
    if (await real(input) === targetReal) {
      fail(`${out}: Won't write the report over an input file`);
      return 2;
    }
  }
  try {
    const info = await Deno.stat(target);
    if (info.isDirectory) {
      fail(`${out}: Is a directory: give the report's file name`);
      return 1;
    }
    // A FIFO, a device or a socket: opening it to look inside could wait
    // for ever, and a report is never one.
    if (!info.isFile) {
      fail(
        `${out}: Is not a regular file (a pipe, device or socket): give the report's file name`,
      );
      return 1;
    }
    if (!await _isReport(target)) {
      fail(
        `${out}: Exists and is not a profiling-explorer report: choose another name or remove it`,
      );
      return 1;
    }
  } catch (error) {
    if (
      !(error instanceof Deno.errors.NotFound) &&
      !(error instanceof Deno.errors.NotADirectory)
    ) {
      fail(`${out}: ${fsReason(error)}`);
      return 1;
    }
  }
  try {
    if (!(await Deno.stat(dirname(target))).isDirectory) throw new Error();
  } catch {
    fail(`${out}: No such folder to write the report in`);
    return 1;
  }
  const temp = join(
    dirname(target),
    `.${basename(target)}.${crypto.randomUUID().slice(0, 8)}.tmp`,
  );
  // From the temporary file's making to its renaming, Ctrl+C (or the end
  // of the terminal) removes it before exiting: nothing half written stays.
  using _cleanup = _removedOnSignal(temp);
  let file: Deno.FsFile | undefined;
  try {
    file = await Deno.open(temp, { write: true, createNew: true });
  } catch (error) {
    fail(`${out}: ${fsReason(error)}`);
    return 1;
  }
  let size = 0;
  try {
    // Each part is written before the next is made, in slices, so that
    // Ctrl+C is heard between them.
    for await (
      const part of _reportParts(
        profile,
        base,
        start,
        out,
        progress,
        assets,
        sources,
      )
    ) {
      for (let at = 0; at < part.length;) {
        at += await file.write(part.subarray(at, at + _SLICE));
      }
      size += part.length;
    }
    file.close();
    file = undefined;
    await Deno.rename(temp, target);
  } catch (error) {
    file?.close();
    await Deno.remove(temp).catch(() => {});
    if (!(error instanceof Deno.errors.NotFound) && !_isFsError(error)) {
      throw error;
    }
    fail(`${out}: ${fsReason(error)}`);
    return 1;
  }
  console.log(
    `Wrote ${escapeControls(out)} (${
      megabytes(size)
    } MB): open it in a browser, no server needed`,
  );
  return 0;
}

/** How many bytes are written at a time. */
const _SLICE = 1 << 20;

/**
 * The report's bytes, a part at a time: the page's data exactly as the
 * server would send it, each body read as it is written (they are views of
 * the profile's columns), so that the report is never held whole.
 */
async function* _reportParts(
  profile: Profile,
  base: Profile | undefined,
  start: string,
  out: string,
  progress: Progress | undefined,
  assets: UiAssets,
  sources: { json: string; editorUrl: string | null } | undefined,
): AsyncGenerator<Uint8Array> {
  const handler = createHandler({
    profile,
    ...(base === undefined ? {} : { base }),
    isAllowedHost: () => true,
  });
  const data = new Map<string, EmbeddedData>();
  for (const path of PAGE_DATA_PATHS) {
    if (_RECOMPUTED.has(path)) continue;
    const response = await handler(new Request(`http://report${path}`));
    // Nothing there (no base when not comparing): nothing to embed.
    if (
      response.status === 404 || response.status === 204 ||
      response.body === null
    ) {
      await response.body?.cancel();
      continue;
    }
    if (!response.ok) throw new Error(`${path} answered ${response.status}`);
    const length = Number(response.headers.get("content-length"));
    if (!Number.isSafeInteger(length)) {
      throw new Error(`${path} answered without a length`);
    }
    data.set(path, { length, chunks: response.body });
  }
  const big = [...data.values()].some((d) => d.length >= PROGRESS_BYTES);
  const parts = htmlReport({
    assets,
    data,
    // With --by, --filter, --sort..., the report opens on that view, as the
    // server's page.
    ...(start === "" ? {} : { start }),
    ...(sources === undefined ? {} : { sources }),
    title: `${
      profile.sources.length === 1
        ? escapeControls(basename(profile.sources[0]!))
        : `${formatCount(profile.sources.length)} profiles`
    } · profiling-explorer`,
    ...(progress && big
      ? {
        onProgress: (done: number, total: number) =>
          progress(
            `Writing ${escapeControls(out)}: compressing ${
              megabytes(done)
            } of ${megabytes(total)} MB`,
          ),
      }
      : {}),
  });
  try {
    yield* parts;
  } finally {
    if (progress && big) progress("");
  }
}

/**
 * What the page works out itself, and the report so leaves out: the order
 * of names and files (worked out when first sorted by one, or while idle).
 */
const _RECOMPUTED = new Set(["/api/order", "/api/base/order"]);

/** Whether an error is the file system's (Deno's own error classes). */
function _isFsError(error: unknown): boolean {
  return Object.values(Deno.errors).some((kind) => error instanceof kind);
}

/** The signals that end the program from a terminal or a supervisor. */
const _SIGNALS: Deno.Signal[] = Deno.build.os === "windows"
  ? ["SIGINT", "SIGBREAK"]
  : ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * Until disposed of, removes `temp` and exits 130 (as Ctrl+C ends a load)
 * on any of {@linkcode _SIGNALS}.
 */
function _removedOnSignal(temp: string): Disposable {
  const handler = () => {
    try {
      Deno.removeSync(temp);
    } catch {
      // Not made yet, or gone already.
    }
    fail("Interrupted");
    Deno.exit(130);
  };
  const added: Deno.Signal[] = [];
  for (const signal of _SIGNALS) {
    try {
      Deno.addSignalListener(signal, handler);
      added.push(signal);
    } catch {
      // A signal this system does not let a program listen for.
    }
  }
  return {
    [Symbol.dispose]() {
      for (const signal of added) Deno.removeSignalListener(signal, handler);
    },
  };
}

/** Whether the file starts like a report this program wrote. */
async function _isReport(path: string): Promise<boolean> {
  using file = await Deno.open(path);
  const head = new Uint8Array(2048);
  const n = await file.read(head);
  return new TextDecoder().decode(head.subarray(0, n ?? 0)).includes(
    `<meta name="generator" content="${REPORT_GENERATOR}">`,
  );
}
