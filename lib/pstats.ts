/**
 * Reads pstats files: the `marshal` dump of
 * `{(file, line, function): (cc, nc, tt, ct, callers)}` that cProfile
 * (`profiling.tracing`), the pure-Python `profile` module, yappi and Python
 * 3.15's sampling profiler (`profiling.sampling`) write.
 *
 * @module
 */

import {
  decodeMarshal,
  MarshalCode,
  MarshalDict,
  type MarshalValue,
} from "./marshal.ts";
import {
  buildProfile,
  type BuildProfileOptions,
  type FunctionKey,
  type Profile,
  type StatsEntry,
  type StatsFile,
} from "./profile.ts";

/** Which profiler wrote a pstats file, as far as its contents tell. */
export type PstatsKind = "cprofile" | "profile" | "yappi" | "sampled";

/** A pstats file's contents with the profiler that wrote it. */
export interface PstatsFile extends StatsFile {
  /** The profiler that wrote it. */
  readonly kind: PstatsKind;
}

/** Options for {@linkcode readPstats}. */
export interface ReadPstatsOptions {
  /** The file's name, kept as the source of the data. Defaults to `""`. */
  source?: string;
  /** Called while decoding with the functions read and the byte offset reached. */
  onProgress?: (functions: number, offset: number) => void;
}

const _UTF8 = new TextDecoder("utf-8");

/**
 * Reads the bytes of a pstats file.
 *
 * The variants are told apart by their contents: a `("__sampled__",)` key
 * marks Python 3.15's sampling profiler (its counts are samples); callers
 * given as plain counts mark the `profile` module; and a function whose first
 * count exceeds its second marks yappi, which stores `(ncall, nactualcall)`
 * where cProfile stores `(cc, nc)` — those are swapped back so that the
 * numbers mean what their names say.
 *
 * @example
 * ```ts
 * import { readPstats } from "./pstats.ts";
 * import { assertEquals } from "@std/assert";
 *
 * // marshal.dumps({("app.py", 1, "main"): (1, 1, 0.5, 0.5, {})})
 * const bytes = Uint8Array.from(
 *   atob("e6kD+gZhcHAucHnpAQAAANoEbWFpbikFcgIAAAByAgAAAOcAAAAAAADgP3IEAAAAezAw"),
 *   (c) => c.charCodeAt(0),
 * );
 * const file = readPstats(bytes, { source: "run.pstats" });
 * assertEquals(file.kind, "cprofile");
 * assertEquals(file.entries[0]?.key, ["app.py", 1, "main"]);
 * assertEquals(file.entries[0]?.calls, 1);
 * ```
 *
 * @param bytes The file's bytes.
 * @param options The file's name and a progress callback.
 * @returns The functions with their numbers and callers.
 * @throws {SyntaxError | RangeError} When the bytes are not a pstats file;
 * the message says why and, where it helps, at which byte.
 */
export function readPstats(
  bytes: Uint8Array,
  options: ReadPstatsOptions = {},
): PstatsFile {
  _rejectKnownFormats(bytes);
  const value = decodeMarshal(
    bytes,
    options.onProgress ? { onProgress: options.onProgress } : {},
  );
  if (!(value instanceof MarshalDict)) {
    throw new SyntaxError(
      `Not a pstats file: it holds ${
        _describe(value)
      }, not a dict of functions`,
    );
  }
  return _fromDict(value, options.source ?? "");
}

/** An input file for {@linkcode loadProfile}. */
export interface ProfileInput {
  /** The file's name. */
  readonly source: string;
  /** The file's bytes. */
  readonly bytes: Uint8Array;
}

/**
 * Reads one or more pstats files and merges them into one profile, as
 * `pstats.Stats(a, b, ...)` does.
 *
 * @param inputs The files' names and bytes.
 * @param options Where paths are shown relative to.
 * @returns The profile.
 * @throws {SyntaxError | RangeError} When a file is not a pstats file; the
 * message starts with the file's name.
 */
export function loadProfile(
  inputs: readonly ProfileInput[],
  options: BuildProfileOptions & {
    onProgress?: (source: string, functions: number, offset: number) => void;
  } = {},
): Profile {
  const files = inputs.map(({ source, bytes }) => {
    const onProgress = options.onProgress;
    try {
      return readPstats(
        bytes,
        onProgress
          ? { source, onProgress: (n, at) => onProgress(source, n, at) }
          : { source },
      );
    } catch (error) {
      if (error instanceof Error) error.message = `${source}: ${error.message}`;
      throw error;
    }
  });
  const { cwd } = options;
  return buildProfile(files, cwd === undefined ? {} : { cwd });
}

function _rejectKnownFormats(bytes: Uint8Array): void {
  if (bytes.length === 0) {
    throw new SyntaxError("Not a pstats file: it is empty");
  }
  // .pyc: a 2-byte magic number followed by "\r\n".
  if (bytes.length >= 16 && bytes[2] === 0x0d && bytes[3] === 0x0a) {
    throw new SyntaxError(
      "Not a pstats file: it looks like compiled Python bytecode (.pyc)",
    );
  }
  const first = bytes[0]! & 0x7f;
  if (first !== 0x7b) {
    const head = _UTF8.decode(bytes.subarray(0, 64));
    const printable = /^[\t\n\r\x20-\x7e\u00a0-\uffff]*$/.test(head);
    throw new SyntaxError(
      printable
        ? "Not a pstats file: it is text, not marshalled data"
        : `Not a pstats file: marshalled data starting at byte 0 with type code 0x${
          bytes[0]!.toString(16).padStart(2, "0")
        }, not a dict`,
    );
  }
}

function _fromDict(dict: MarshalDict, source: string): PstatsFile {
  const { keys, values } = dict;
  const entries: StatsEntry[] = [];
  const keyCache = new Map<MarshalValue[], FunctionKey>();
  let sampled = false;
  let countsOnly = false;
  let yappi = false;
  for (let i = 0; i < keys.length; i++) {
    const rawKey = keys[i]!;
    if (
      Array.isArray(rawKey) && rawKey.length === 1 &&
      rawKey[0] === "__sampled__"
    ) {
      sampled = true;
      continue;
    }
    const key = _key(rawKey, keyCache, `function ${i + 1}`);
    const value = values[i]!;
    if (!Array.isArray(value) || value.length !== 5) {
      throw new SyntaxError(
        `Invalid pstats entry for ${
          _label(key)
        }: expected (cc, nc, tt, ct, callers), found ${_describe(value)}`,
      );
    }
    const cc = _number(value[0], key, "cc");
    const nc = _number(value[1], key, "nc");
    const tt = _number(value[2], key, "tt");
    const ct = _number(value[3], key, "ct");
    const callers = value[4];
    if (!(callers instanceof MarshalDict)) {
      throw new SyntaxError(
        `Invalid pstats entry for ${
          _label(key)
        }: callers should be a dict, found ${_describe(callers)}`,
      );
    }
    if (cc > nc) yappi = true;
    const callerKeys: FunctionKey[] = new Array(callers.keys.length);
    const callerStats: number[] = new Array(callers.keys.length * 4);
    for (let c = 0; c < callers.keys.length; c++) {
      const callerKey = _key(
        callers.keys[c]!,
        keyCache,
        `a caller of ${_label(key)}`,
      );
      callerKeys[c] = callerKey;
      const edge = callers.values[c]!;
      if (Array.isArray(edge) && edge.length === 4) {
        const what = `its caller ${_label(callerKey)}`;
        callerStats[c * 4] = _number(edge[0], key, what);
        callerStats[c * 4 + 1] = _number(edge[1], key, what);
        callerStats[c * 4 + 2] = _number(edge[2], key, what);
        callerStats[c * 4 + 3] = _number(edge[3], key, what);
      } else if (typeof edge === "number" || typeof edge === "bigint") {
        countsOnly = true;
        const n = Number(edge);
        callerStats[c * 4] = n;
        callerStats[c * 4 + 1] = n;
        callerStats[c * 4 + 2] = 0;
        callerStats[c * 4 + 3] = 0;
      } else {
        throw new SyntaxError(
          `Invalid pstats entry for ${_label(key)}: its caller ${
            _label(callerKey)
          } should have (nc, cc, tt, ct) or a count, found ${_describe(edge)}`,
        );
      }
    }
    entries.push({
      key,
      primitiveCalls: cc,
      calls: nc,
      internalTime: tt,
      cumulativeTime: ct,
      callerKeys,
      callerStats,
    });
  }
  if (sampled) yappi = false;
  if (yappi) {
    // yappi stores (ncall, nactualcall): total calls first.
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      entries[i] = { ...e, calls: e.primitiveCalls, primitiveCalls: e.calls };
    }
  }
  const kind: PstatsKind = sampled
    ? "sampled"
    : yappi
    ? "yappi"
    : countsOnly
    ? "profile"
    : "cprofile";
  return {
    source,
    kind,
    sampled,
    edgeDetail: !countsOnly,
    entries,
  };
}

function _key(
  raw: MarshalValue,
  cache: Map<MarshalValue[], FunctionKey>,
  what: string,
): FunctionKey {
  if (Array.isArray(raw)) {
    const known = cache.get(raw);
    if (known !== undefined) return known;
    if (raw.length === 3) {
      const [file, line, name] = raw;
      if (
        _isText(file) && typeof line === "number" &&
        (_isText(name) || name instanceof MarshalCode)
      ) {
        const key: FunctionKey = [_text(file), line, _text(name)];
        cache.set(raw, key);
        return key;
      }
    }
  }
  throw new SyntaxError(
    `Invalid pstats key for ${what}: expected (file, line, function), found ${
      _describe(raw)
    }`,
  );
}

function _isText(
  value: MarshalValue | undefined,
): value is string | Uint8Array {
  return typeof value === "string" || value instanceof Uint8Array;
}

function _text(value: string | Uint8Array | MarshalCode): string {
  if (typeof value === "string") return value;
  if (value instanceof MarshalCode) return value.toString();
  return _UTF8.decode(value);
}

function _number(
  value: MarshalValue | undefined,
  key: FunctionKey,
  what: string,
): number {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  throw new SyntaxError(
    `Invalid pstats entry for ${
      _label(key)
    }: ${what} should be a number, found ${_describe(value)}`,
  );
}

function _label([file, line, name]: FunctionKey): string {
  return `${file}:${line}(${name})`;
}

function _describe(value: MarshalValue | undefined): string {
  if (value === undefined) return "nothing";
  if (value === null) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number" || typeof value === "bigint") {
    return `the number ${value}`;
  }
  if (typeof value === "string") {
    return `the string "${
      value.length > 40 ? value.slice(0, 40) + "…" : value
    }"`;
  }
  if (value instanceof Uint8Array) return `bytes of length ${value.length}`;
  if (Array.isArray(value)) return `a tuple of ${value.length} items`;
  if (value instanceof MarshalDict) {
    return `a dict of ${value.keys.length} items`;
  }
  if (value instanceof MarshalCode) return "a code object";
  return `a ${value.constructor.name.replace("Marshal", "").toLowerCase()}`;
}
