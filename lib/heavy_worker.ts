/**
 * The worker of `HeavyWork` (`heavy_work.ts`): it holds a copy of
 * the profile, sent once in the form of `wire.ts`, and answers each job
 * with its text or the message of its error.
 *
 * @module
 */

import {
  collapsedText,
  type HeavyReply,
  type HeavyRequest,
} from "./heavy_work.ts";
import type { Profile } from "./profile.ts";
import { decodeProfile } from "./wire.ts";

/** The worker's global scope, as far as it is used here. */
const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<HeavyRequest>) => void) | null;
  postMessage(message: HeavyReply): void;
};

let profile: Profile | undefined;
let problem: string | undefined;

scope.onmessage = (event) => {
  const message = event.data;
  if (message.type === "profile") {
    try {
      profile = decodeProfile(message.bytes);
      problem = undefined;
    } catch (error) {
      profile = undefined;
      problem = error instanceof Error ? error.message : String(error);
    }
    return;
  }
  try {
    if (profile === undefined) throw new Error(problem ?? "No profile");
    scope.postMessage({
      id: message.id,
      text: collapsedText(profile, message.query),
    });
  } catch (error) {
    scope.postMessage({
      id: message.id,
      error: error instanceof Error ? error.message : String(error),
    });
  }
};

// Loaded: the jobs can come.
scope.postMessage({ ready: true });
