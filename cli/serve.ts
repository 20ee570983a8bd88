/**
 * The explorer: the page and its API served on the address asked for
 * (`--host`, `--port`), a web browser opened on it, until Ctrl+C.
 *
 * @module
 */

import { escapeControls } from "../lib/escape.ts";
import { HeavyWork } from "../lib/heavy_work.ts";
import { allowedHosts, createHandler, type UiAssets } from "../lib/server.ts";
import { newSecret } from "../lib/source_routes.ts";
import { pageSourceMeta, sourceServing } from "./source.ts";
import { type HttpServer, serveHttp } from "../lib/http_server.ts";
import { NAME } from "./help.ts";
import { Interrupted } from "./interrupt.ts";
import type { Loaded } from "./load.ts";
import type { Options } from "./options.ts";
import { fail } from "./terminal.ts";

/**
 * Serves the explorer until Ctrl+C. `loading` may still be on its way: the
 * page is served meanwhile, and a failed load ends the server with its
 * error (the answer of `failed`).
 */
export async function serve(
  loading: Promise<Loaded>,
  options: Options,
  search: string,
  failed: (error: unknown) => number,
  assets: UiAssets,
): Promise<number> {
  const controller = new AbortController();
  let server: HttpServer;
  const hostname = options.host.replace(/^\[|\]$/g, "");
  // The allowed Host headers depend on the port, known once listening.
  let isAllowedHost = allowedHosts(hostname, options.port);
  // Settled before the server stops: a failed load is said once, by main.
  let failure: number | undefined;
  let loaded = false;
  const settled = loading.then(
    () => {
      loaded = true;
    },
    (error) => {
      try {
        failure = failed(error);
      } finally {
        controller.abort();
      }
    },
  );
  const secret = newSecret();
  const sources = loading.then((loaded) =>
    sourceServing(
      loaded.comparison === undefined
        ? [loaded.profile]
        : [loaded.profile, loaded.comparison.base],
      options.source,
      secret,
    )
  );
  // A profile that fails to load is reported once, by main.
  sources.catch(() => {});
  // Folded stacks are worked out in a worker, within a time limit, so that
  // a dense call graph holds no other request (lib/heavy_work.ts).
  using heavyWork = new HeavyWork();
  // Stopping ends the work in progress: its request is answered 503.
  controller.signal.addEventListener("abort", () => heavyWork.close());
  const handler = createHandler({
    assets,
    profile: loading.then((loaded) => loaded.profile),
    base: loading.then((loaded) => loaded.comparison?.base),
    sources,
    page: pageSourceMeta(options.source, secret),
    heavyWork,
    comparing: options.base.length > 0,
    isAllowedHost: (host) => isAllowedHost(host),
    onError: (error) => {
      fail(
        `Internal error while answering a request: ${
          error instanceof Error ? error.message : error
        }`,
      );
      if (options.debug && error instanceof Error && error.stack) {
        console.error(error.stack);
      }
    },
  });
  try {
    // Not Deno.serve: a server that drops clients slow to send their
    // request head, or idle, and caps connections (lib/http_server.ts).
    server = serveHttp({
      hostname,
      port: options.port,
      signal: controller.signal,
      onError: () => new Response("Internal server error", { status: 500 }),
    }, handler);
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      fail(
        `Port ${options.port} is already in use on ${options.host}: choose another with --port (or --port 0 for any free port)`,
      );
      return 1;
    }
    if (
      error instanceof Deno.errors.AddrNotAvailable ||
      error instanceof Deno.errors.PermissionDenied
    ) {
      fail(
        `Cannot listen on ${options.host}:${options.port}: ${
          (error as Error).message
        }`,
      );
      return 1;
    }
    fail(
      `Cannot listen on ${options.host}:${options.port}: ${
        error instanceof Error ? error.message : error
      }`,
    );
    return 1;
  }
  const port = server.addr.port;
  const stop = () => {
    if (!loaded && failure === undefined) {
      // Ctrl+C while a large profile is still being read: nothing to wait for.
      Deno.exit(failed(new Interrupted()));
    }
    controller.abort();
  };
  Deno.addSignalListener("SIGINT", stop);
  if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", stop);
  isAllowedHost = allowedHosts(hostname, port);
  // With --by, --filter, --sort..., the page opens on that view.
  const url = `http://${_hostForUrl(options.host)}:${port}/${search}`;
  console.log(`${NAME} running at ${escapeControls(url)}`);
  if (_isWildcard(options.host)) {
    console.error(
      `Warning: listening on ${options.host}: anyone who can reach this machine on port ${port} can read the profile.`,
    );
  }
  console.log("Press CTRL+C to quit.");
  if (options.open) {
    console.log("Opening in web browser…");
    const [command, args] = _browserCommand(url);
    try {
      const child = new Deno.Command(command, {
        args,
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
      child.status.then((status) => {
        if (!status.success) {
          console.error(
            `Could not open a web browser (${command} failed); open ${url} yourself.`,
          );
        }
      });
      child.unref();
    } catch {
      console.error(
        `Could not open a web browser (no ${command}); open ${url} yourself.`,
      );
    }
  }
  await server.finished;
  Deno.removeSignalListener("SIGINT", stop);
  if (Deno.build.os !== "windows") Deno.removeSignalListener("SIGTERM", stop);
  await settled;
  if (failure !== undefined) return failure;
  console.log("Stopped.");
  return 0;
}

function _browserCommand(url: string): [string, string[]] {
  switch (Deno.build.os) {
    case "darwin":
      return ["open", [url]];
    case "windows":
      return ["cmd", ["/c", "start", "", url]];
    default:
      return ["xdg-open", [url]];
  }
}

function _isWildcard(host: string): boolean {
  return host === "0.0.0.0" || host === "::" || host === "[::]";
}

function _hostForUrl(host: string): string {
  const bare = host.replace(/^\[|\]$/g, "");
  if (_isWildcard(host)) return "127.0.0.1";
  return bare.includes(":") ? `[${bare}]` : bare;
}
