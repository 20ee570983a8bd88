/**
 * Work whose cost can grow faster than the profile, run off the thread
 * that answers requests, with a time limit.
 *
 * The folded stacks of `/api/collapsed` grow with the call tree, not the
 * profile: a dense call graph (a thousand functions that all call each
 * other, 10 MB) makes a tree of a million nodes that takes tens of seconds
 * to work out. Worked out on the server's own thread, that would hold every
 * other request for as long. {@linkcode HeavyWork} runs it in a worker
 * (`heavy_worker.ts`) that holds a copy of the profile (sent once, in the
 * form of `wire.ts`), one job at a time, a few waiting, each stopped after
 * a time limit; the server's thread stays free.
 *
 * @module
 */

import { buildCallTree, pathsThrough, treeFunction } from "./call_tree.ts";
import { calleeTree, callerTree, sandwichSource } from "./call_sandwich.ts";
import { collapsedStacks } from "./folded_stacks.ts";
import { type Transform, transformCallTree } from "./call_transform.ts";
import type { Profile } from "./profile.ts";
import { queryFunctions } from "./query.ts";
import { encodeProfile } from "./wire.ts";

/** What `/api/collapsed` asks for, checked. */
export interface CollapsedQuery {
  /** Cut branches under this share of the total, 0 to 1. */
  readonly minShare: number;
  /** The function (a row of the profile) whose tree is wanted; the whole
   * profile's without it. */
  readonly fn?: number;
  /** With `fn`: the tree of its callees or of its callers. */
  readonly direction: "callees" | "callers";
  /** Only the paths through functions matching these filter terms. */
  readonly filter: string;
  /**
   * Transforms of the call tree, in order (`lib/call_transform.ts`): the
   * tree of every branch (up to the frame cap) transformed, then cut by
   * `minShare` of what is left; a function's tree cut from it.
   */
  readonly transforms?: readonly Transform[];
}

/**
 * The folded stacks of a query, as `/api/collapsed` answers them.
 *
 * @example
 * ```ts
 * import { collapsedText } from "./heavy_work.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const profile = buildProfile([statsFile("run.pstats", [
 *   { key: ["app.py", 1, "main"], calls: 1, primitiveCalls: 1,
 *     internalTime: 0.25, cumulativeTime: 1 },
 *   { key: ["app.py", 9, "load"], calls: 1, primitiveCalls: 1,
 *     internalTime: 0.75, cumulativeTime: 0.75,
 *     callers: [{ key: ["app.py", 1, "main"], calls: 1, primitiveCalls: 1,
 *       internalTime: 0.75, cumulativeTime: 0.75 }] },
 * ])]);
 * const text = collapsedText(profile, {
 *   minShare: 0,
 *   direction: "callees",
 *   filter: "",
 * });
 * assertEquals(text.split("\n").length, 3);
 * ```
 *
 * @param profile The profile.
 * @param query What is wanted.
 * @returns The folded stacks.
 */
export function collapsedText(profile: Profile, query: CollapsedQuery): string {
  const options = { minShare: query.minShare };
  const transforms = query.transforms ?? [];
  const source = () =>
    transforms.length === 0
      ? sandwichSource(profile)
      : transformCallTree(sandwichSource(profile), transforms);
  const tree = query.fn === undefined
    ? transforms.length === 0
      ? buildCallTree(profile, options)
      : transformCallTree(source(), [], options)
    : query.direction === "callers"
    ? callerTree(source(), treeFunction(profile, query.fn), options)
    : calleeTree(source(), treeFunction(profile, query.fn), options);
  const keep = query.filter.trim() === "" ? undefined : pathsThrough(
    tree,
    queryFunctions(tree.profile, { filter: query.filter }).ids,
  ).marked;
  return [...collapsedStacks(tree, keep === undefined ? {} : { keep })]
    .join("");
}

/** Options for {@linkcode HeavyWork}. */
export interface HeavyWorkOptions {
  /** How long one job may run before it is stopped, in ms. Defaults to 30,000. */
  timeLimit?: number;
  /** How many jobs may wait while one runs. Defaults to 4. */
  queueLimit?: number;
}

/**
 * A job that could not be done: too many waiting, over the time limit, or
 * failed in the worker. `status` is the HTTP status to answer (503).
 */
export class HeavyWorkError extends Error {
  /** The HTTP status that says it: 503 Service Unavailable. */
  readonly status: number;

  /**
   * @param message One line that says what happened and what to do.
   * @param status The HTTP status.
   */
  constructor(message: string, status = 503) {
    super(message);
    this.name = "HeavyWorkError";
    this.status = status;
  }
}

/** A message to the worker. */
export type HeavyRequest =
  | { readonly type: "profile"; readonly bytes: Uint8Array }
  | {
    readonly type: "collapsed";
    readonly id: number;
    readonly query: CollapsedQuery;
  };

/**
 * A message from the worker: that it has loaded, a job's text, or why it
 * failed.
 */
export type HeavyReply =
  | { readonly ready: true }
  | { readonly id: number; readonly text: string }
  | { readonly id: number; readonly error: string };

interface _Job {
  readonly id: number;
  readonly profile: Profile;
  readonly query: CollapsedQuery;
  readonly resolve: (text: string) => void;
  readonly reject: (error: Error) => void;
}

const _WORKER_URL = new URL("./heavy_worker.ts", import.meta.url);

/**
 * Runs heavy jobs in a worker, one at a time, each within a time limit.
 * Where no worker can be started (the program bundled into one file has
 * no worker module beside it), the jobs run on the calling thread, without
 * the time limit. Close it when done.
 *
 * @example
 * ```ts
 * import { collapsedText, HeavyWork } from "./heavy_work.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const profile = buildProfile([statsFile("run.pstats", [
 *   { key: ["app.py", 1, "main"], calls: 1, primitiveCalls: 1,
 *     internalTime: 1, cumulativeTime: 1 },
 * ])]);
 * const query = { minShare: 0, direction: "callees", filter: "" } as const;
 * using work = new HeavyWork();
 * assertEquals(
 *   await work.collapsed(profile, query),
 *   collapsedText(profile, query),
 * );
 * ```
 */
export class HeavyWork implements Disposable {
  readonly #timeLimit: number;
  readonly #queueLimit: number;
  readonly #waiting: _Job[] = [];
  #running: _Job | undefined;
  #worker: Worker | undefined;
  /** The profile the worker holds. */
  #held: Profile | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #nextId = 0;
  #closed = false;
  /** Whether the worker has loaded its modules. */
  #ready = false;
  /**
   * Whether the jobs run on this thread: where no worker module is beside
   * this one (the one-file bundle), or the worker could not load it.
   */
  #inThread = !import.meta.url.endsWith("/heavy_work.ts");

  /**
   * Makes the queue of heavy jobs.
   *
   * @param options The time limit and how many jobs may wait.
   */
  constructor(options: HeavyWorkOptions = {}) {
    this.#timeLimit = options.timeLimit ?? 30_000;
    this.#queueLimit = options.queueLimit ?? 4;
  }

  /**
   * The folded stacks of a query, worked out in the worker.
   *
   * @param profile The profile.
   * @param query What is wanted.
   * @returns The text of {@linkcode collapsedText}.
   * @throws {HeavyWorkError} When too many jobs wait, the job takes over the
   * time limit, or it fails in the worker.
   */
  collapsed(profile: Profile, query: CollapsedQuery): Promise<string> {
    if (this.#closed) {
      return Promise.reject(new HeavyWorkError("The server is stopping"));
    }
    if (this.#inThread) {
      try {
        return Promise.resolve(collapsedText(profile, query));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    if (this.#waiting.length >= this.#queueLimit) {
      return Promise.reject(
        new HeavyWorkError(
          `Busy: ${this.#waiting.length} folded-stack requests are waiting for the one being worked out; try again shortly`,
        ),
      );
    }
    const { promise, resolve, reject } = Promise.withResolvers<string>();
    this.#waiting.push({ id: this.#nextId++, profile, query, resolve, reject });
    this.#next();
    return promise;
  }

  /** Stops the worker; jobs not done fail with {@linkcode HeavyWorkError}. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopWorker();
    const stopped = new HeavyWorkError("The server is stopping");
    this.#running?.reject(stopped);
    this.#running = undefined;
    for (const job of this.#waiting.splice(0)) job.reject(stopped);
  }

  /** The same as {@linkcode HeavyWork.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  #next(): void {
    if (this.#running !== undefined || this.#closed) return;
    const job = this.#waiting.shift();
    if (job === undefined) return;
    this.#running = job;
    const worker = this.#inThread ? undefined : this.#workerFor(job.profile);
    if (worker === undefined) {
      this.#finish(job, this.#here(job));
      return;
    }
    this.#timer = setTimeout(() => {
      this.#stopWorker();
      this.#finish(
        job,
        new HeavyWorkError(
          `The folded stacks took over ${
            this.#timeLimit / 1000
          } s and were stopped: raise min (branches under min% of the total are cut), or ask for one function's tree (fn)`,
        ),
      );
    }, this.#timeLimit);
    worker.postMessage(
      {
        type: "collapsed",
        id: job.id,
        query: job.query,
      } satisfies HeavyRequest,
    );
  }

  /**
   * The worker, started with `profile` if it does not hold it; `undefined`
   * when none can be started.
   */
  #workerFor(profile: Profile): Worker | undefined {
    if (this.#worker !== undefined && this.#held === profile) {
      return this.#worker;
    }
    this.#stopWorker();
    let worker: Worker;
    try {
      worker = new Worker(_WORKER_URL, {
        type: "module",
        name: "profiling-explorer heavy work",
      });
    } catch {
      this.#inThread = true;
      return undefined;
    }
    worker.onmessage = (event: MessageEvent<HeavyReply>) => {
      if (this.#worker !== worker) return; // stopped already
      const reply = event.data;
      if ("ready" in reply) {
        this.#ready = true;
        return;
      }
      const job = this.#running;
      if (job === undefined || job.id !== reply.id) return;
      this.#finish(
        job,
        "text" in reply ? reply.text : new HeavyWorkError(
          `The folded stacks could not be worked out: ${reply.error}`,
          500,
        ),
      );
    };
    worker.onerror = (event: ErrorEvent) => {
      // The worker failed as a whole (it catches its jobs' errors).
      event.preventDefault();
      if (this.#worker !== worker) return; // stopped already
      const loaded = this.#ready;
      this.#stopWorker();
      // A worker that could not even load its modules: the work is done
      // here from now on.
      if (!loaded) this.#inThread = true;
      const job = this.#running;
      if (job === undefined) return;
      this.#finish(
        job,
        loaded
          ? new HeavyWorkError(
            `The folded stacks could not be worked out: ${event.message}`,
            500,
          )
          : this.#here(job),
      );
    };
    const bytes = encodeProfile(profile);
    worker.postMessage(
      { type: "profile", bytes } satisfies HeavyRequest,
      [bytes.buffer as ArrayBuffer],
    );
    this.#worker = worker;
    this.#held = profile;
    return worker;
  }

  /** The job done on this thread: its text, or the error it threw. */
  #here(job: _Job): string | Error {
    try {
      return collapsedText(job.profile, job.query);
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  #finish(job: _Job, result: string | Error): void {
    if (this.#running !== job) return;
    clearTimeout(this.#timer);
    this.#running = undefined;
    if (typeof result === "string") job.resolve(result);
    else job.reject(result);
    this.#next();
  }

  #stopWorker(): void {
    clearTimeout(this.#timer);
    this.#worker?.terminate();
    this.#worker = undefined;
    this.#held = undefined;
    this.#ready = false;
  }
}
