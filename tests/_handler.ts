/**
 * The program's handler as the server tests call it: made for one address
 * (127.0.0.1:8000), asked with a `Request` and never a port.
 */
import { assertEquals } from "@std/assert";
import {
  allowedHosts,
  createHandler,
  type HandlerOptions,
} from "../lib/server.ts";

/** The address the handlers of the tests are made for. */
export const ORIGIN = "http://127.0.0.1:8000";

/** A handler as {@linkcode createHandler} makes it. */
export type Handler = (request: Request) => Promise<Response>;

/** The program's handler with these options, served at {@linkcode ORIGIN}. */
export function handlerOf(
  options: Omit<HandlerOptions, "isAllowedHost">,
): Handler {
  return createHandler({
    ...options,
    isAllowedHost: allowedHosts("127.0.0.1", 8000),
  });
}

/** The handler's answer to `path` at {@linkcode ORIGIN}. */
export function get(
  handler: Handler,
  path: string,
  init: RequestInit = {},
): Promise<Response> {
  return handler(new Request(ORIGIN + path, init));
}

/** The status of the answer to `path`, its body left unread. */
export async function statusOf(
  handler: Handler,
  path: string,
): Promise<number> {
  const response = await get(handler, path);
  await response.body?.cancel();
  return response.status;
}

/** The body of a JSON answer, after checking that it says it is JSON. */
export async function jsonOf<T>(response: Response): Promise<T> {
  assertEquals(
    response.headers.get("content-type"),
    "application/json; charset=utf-8",
  );
  return await response.json() as T;
}
