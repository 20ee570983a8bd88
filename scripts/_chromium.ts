/**
 * Headless Chromium for the browser tests and benchmarks, driven by
 * playwright-core. CHROMIUM points at the browser (default /usr/bin/chromium).
 */
import { type Browser, chromium } from "playwright-core";

/** Where the browser is. */
export const CHROMIUM: string = Deno.env.get("CHROMIUM") ?? "/usr/bin/chromium";

/**
 * Starts Chromium headless with the flags this sandbox needs: no sandbox
 * (root), and none of the background connections a closed network refuses.
 *
 * @returns The browser; close it in a `finally`.
 * @throws {Error} When there is no Chromium at {@linkcode CHROMIUM}.
 */
export async function launchChromium(): Promise<Browser> {
  try {
    await Deno.stat(CHROMIUM);
  } catch {
    throw new Error(
      `No Chromium at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM to its path`,
    );
  }
  return await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
