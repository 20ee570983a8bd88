/**
 * The program's entry as `main.ts` is, but handed a web page whose script
 * cannot be read: a stand-in for a bug, so that the tests see what a bug in
 * the program looks like on the command line (exit 70, one line, the stack
 * only with `--debug`) through the program's own code.
 */
import type { UiAssets } from "../lib/assets.ts";
import { main } from "../cli/run.ts";

const broken: UiAssets = {
  html: "<!doctype html>",
  get script(): UiAssets["script"] {
    throw new TypeError("The page's script is missing");
  },
  style: { path: "/assets/app.css", body: "" },
  favicon: "<svg/>",
};

await main(Deno.args, broken);
