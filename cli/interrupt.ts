/**
 * Ctrl+C while a large profile loads: {@linkcode InterruptGuard} notices it
 * during the synchronous decoding, and {@linkcode Interrupted} ends the
 * load.
 *
 * @module
 */

/** Ctrl+C was pressed while loading. */
export class Interrupted extends Error {
  /** Makes the error. */
  constructor() {
    super("Interrupted");
    this.name = "Interrupted";
  }
}

/**
 * Lets Ctrl+C stop a long load cleanly. Parsing a large file is one
 * synchronous run that a signal listener on this thread could not
 * interrupt; a worker's listener can, and sets a shared flag that the
 * load checks at every progress step, so the progress line is ended and
 * the program exits 130 at once. Started only for a large file on a
 * terminal; elsewhere Ctrl+C keeps its default (the process just ends).
 */
export class InterruptGuard {
  #flag = new Int32Array(new SharedArrayBuffer(4));
  #worker: Worker | undefined;
  #started: Promise<void> | undefined;

  /** Listens for Ctrl+C from now on (every caller waits until it does). */
  start(): Promise<void> {
    return this.#started ??= this.#start();
  }

  async #start(): Promise<void> {
    const code = `self.onmessage = (event) => {
      const flag = event.data;
      Deno.addSignalListener("SIGINT", () => Atomics.store(flag, 0, 1));
      self.postMessage("ready");
    };`;
    const url = URL.createObjectURL(
      new Blob([code], { type: "text/javascript" }),
    );
    const worker = new Worker(url, { type: "module" });
    this.#worker = worker;
    const ready = new Promise((resolve) => (worker.onmessage = resolve));
    worker.postMessage(this.#flag);
    await ready;
    URL.revokeObjectURL(url);
  }

  /** Throws `Interrupted` once Ctrl+C has been pressed. */
  check(): void {
    if (Atomics.load(this.#flag, 0) === 1) throw new Interrupted();
  }

  /** Stops listening: Ctrl+C has its default again. */
  stop(): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    this.#started = undefined;
  }
}
