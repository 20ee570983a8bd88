import { assertEquals } from "@std/assert";
import { formatCalls, formatMs, formatPercent } from "../lib/format.ts";
import {
  builtinName,
  functionLabel,
  isBuiltin,
  shortenPath,
} from "../lib/location.ts";

Deno.test("shortenPath() cuts site-packages and dist-packages to the package path", () => {
  assertEquals(
    shortenPath(
      "/home/me/.venv/lib/python3.12/site-packages/django/db/models/query.py",
    ),
    "django/db/models/query.py",
  );
  assertEquals(
    shortenPath("/usr/lib/python3/dist-packages/yaml/reader.py"),
    "yaml/reader.py",
  );
  assertEquals(
    shortenPath("C:\\Python312\\Lib\\site-packages\\requests\\api.py"),
    "requests\\api.py",
  );
});

Deno.test("shortenPath() cuts the standard library to the module path", () => {
  assertEquals(
    shortenPath("/usr/lib/python3.11/json/decoder.py"),
    "json/decoder.py",
  );
  assertEquals(
    shortenPath("/opt/py/lib/python3.13t/asyncio/events.py"),
    "asyncio/events.py",
  );
  assertEquals(shortenPath("/usr/lib/python2.7/os.py"), "os.py");
});

Deno.test("shortenPath() makes paths inside the working directory relative", () => {
  assertEquals(shortenPath("/srv/app/views.py", "/srv/app"), "views.py");
  assertEquals(shortenPath("/srv/app/views.py", "/srv/app/"), "views.py");
  assertEquals(
    shortenPath("/srv/application.py", "/srv/app"),
    "/srv/application.py",
  );
  assertEquals(shortenPath("/srv/app", "/srv/app"), "/srv/app");
});

Deno.test("shortenPath() leaves other paths and pseudo-files alone", () => {
  assertEquals(shortenPath("workload.py"), "workload.py");
  assertEquals(
    shortenPath("<frozen importlib._bootstrap>"),
    "<frozen importlib._bootstrap>",
  );
  assertEquals(
    shortenPath("/elsewhere/lib/python3.12/"),
    "/elsewhere/lib/python3.12/",
  );
});

Deno.test("functionLabel() matches pstats' func_std_string", () => {
  assertEquals(functionLabel("app.py", 3, "main"), "app.py:3(main)");
  assertEquals(
    functionLabel("~", 0, "<method 'join' of 'str' objects>"),
    "{method 'join' of 'str' objects}",
  );
  assertEquals(functionLabel("~", 0, "len"), "len");
  // The profile module records built-ins with an empty file.
  assertEquals(isBuiltin("", 0), true);
  assertEquals(functionLabel("profile", 0, "profiler"), "profile:0(profiler)");
  assertEquals(builtinName("<lambda"), "<lambda");
});

Deno.test("formatMs() always shows a non-zero time as non-zero", () => {
  assertEquals(formatMs(2), "2,000.000");
  assertEquals(formatMs(0.0123), "12.300");
  assertEquals(formatMs(0.0005), "0.500");
  assertEquals(formatMs(4.2e-9), "0.0000042");
  assertEquals(formatMs(1e-12), "0.0000000010");
  assertEquals(formatMs(0), "0");
});

Deno.test("formatCalls() and formatPercent() read like pstats and a spreadsheet", () => {
  assertEquals(formatCalls(3193, 1), "3,193/1");
  assertEquals(formatCalls(7, 7), "7");
  assertEquals(formatPercent(3, 4), "75.0%");
  assertEquals(formatPercent(1, 3000), "<0.1%");
  assertEquals(formatPercent(5, 0), "0%");
});
