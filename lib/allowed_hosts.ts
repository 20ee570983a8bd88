/**
 * Which `Host` headers the explorer's server answers: the check against DNS
 * rebinding that `lib/server.ts` applies to every request.
 *
 * @module
 */

/**
 * Which `Host` headers a server bound to `hostname:port` answers, to stop
 * DNS rebinding: a page on another site whose name resolves to this machine
 * sends that name as its Host and is refused.
 *
 * Bound to a loopback address (`127.0.0.1`, `localhost`, `::1`), only
 * `127.0.0.1:PORT`, `localhost:PORT` and `[::1]:PORT` are allowed. Bound to
 * every interface (`0.0.0.0`, `::`), any IP literal and `localhost` are
 * allowed on any port (a container's port may be mapped to another), but no
 * other name. Bound to any other address, only that address and port.
 *
 * @example
 * ```ts
 * import { allowedHosts } from "./allowed_hosts.ts";
 * import { assert, assertFalse } from "@std/assert";
 *
 * const local = allowedHosts("127.0.0.1", 8000);
 * assert(local("localhost:8000"));
 * assertFalse(local("evil.example:8000"));
 * assertFalse(local("127.0.0.1:9000"));
 *
 * const any = allowedHosts("0.0.0.0", 8000);
 * assert(any("192.168.1.20:32768"));
 * assertFalse(any("evil.example:8000"));
 * ```
 *
 * @param hostname The address the server listens on.
 * @param port The port it listens on.
 * @returns A check for `HandlerOptions.isAllowedHost` (`lib/server.ts`).
 */
export function allowedHosts(
  hostname: string,
  port: number,
): (host: string) => boolean {
  const bound = hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (bound === "0.0.0.0" || bound === "::") {
    return (host) => {
      const parsed = _parseHost(host);
      return parsed !== undefined &&
        (parsed.name === "localhost" || _isIpLiteral(parsed.name));
    };
  }
  const names = bound === "127.0.0.1" || bound === "localhost" ||
      bound === "::1"
    ? ["127.0.0.1", "localhost", "[::1]"]
    : [bound.includes(":") ? `[${bound}]` : bound];
  return (host) => {
    const parsed = _parseHost(host);
    return parsed !== undefined && names.includes(parsed.name) &&
      (parsed.port ?? 80) === port;
  };
}

/** Splits a Host header into a lower-case name and an optional port. */
function _parseHost(
  host: string,
): { name: string; port: number | undefined } | undefined {
  const match = /^(\[[0-9a-f:.]+\]|[^:\[\]]+)(?::(\d{1,5}))?$/i.exec(host);
  if (match === null) return undefined;
  const port = match[2] === undefined ? undefined : Number(match[2]);
  if (port !== undefined && port > 65535) return undefined;
  return { name: match[1]!.toLowerCase(), port };
}

function _isIpLiteral(name: string): boolean {
  if (name.startsWith("[")) return name.includes(":");
  const parts = name.split(".");
  return parts.length === 4 &&
    parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}
