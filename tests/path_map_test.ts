/** `--map-path FROM=TO` rules (`lib/path_map.ts`). */
import { assertEquals, assertThrows } from "@std/assert";
import {
  isRelativePath,
  mapPath,
  parsePathMapping,
  type PathMapping,
} from "../lib/path_map.ts";

const rule = (text: string): PathMapping => parsePathMapping(text);

Deno.test("parsePathMapping() splits at the first =, so TO may hold one", () => {
  assertEquals(rule("/app=/home/me/a=b"), {
    from: "/app",
    to: "/home/me/a=b",
  });
});

Deno.test("parsePathMapping() refuses a rule without = or with an empty side", () => {
  for (const text of ["", "/app", "=/home", "/app=", "="]) {
    assertThrows(() => parsePathMapping(text), SyntaxError, "FROM");
  }
});

Deno.test("mapPath() maps whole path segments only", () => {
  const rules = [rule("/srv/app=/home/me/app")];
  assertEquals(mapPath("/srv/app/x.py", rules), "/home/me/app/x.py");
  assertEquals(mapPath("/srv/app", rules), "/home/me/app");
  assertEquals(
    mapPath("/srv/application/x.py", rules),
    "/srv/application/x.py",
  );
  assertEquals(mapPath("/srv/ap/x.py", rules), "/srv/ap/x.py");
});

Deno.test("mapPath() lets the longest FROM win, whatever the order", () => {
  const a = rule("/srv=/mnt/all");
  const b = rule("/srv/app/=/home/me/app");
  for (const rules of [[a, b], [b, a]]) {
    assertEquals(mapPath("/srv/app/m/x.py", rules), "/home/me/app/m/x.py");
    assertEquals(mapPath("/srv/lib/x.py", rules), "/mnt/all/lib/x.py");
  }
});

Deno.test("mapPath() takes the first of two equally long rules", () => {
  const rules = [rule("/srv=/first"), rule("/srv/=/second")];
  assertEquals(mapPath("/srv/x.py", rules), "/first/x.py");
});

Deno.test("mapPath() ignores repeated separators and trailing slashes on either side", () => {
  const rules = [rule("/srv//app/=/home/me/app/")];
  assertEquals(mapPath("/srv/app//x.py", rules), "/home/me/app/x.py");
});

Deno.test("mapPath() maps Windows paths from a profile made on Windows", () => {
  const rules = [rule("C:\\Users\\dev\\proj=/home/me/proj")];
  assertEquals(
    mapPath("C:\\Users\\dev\\proj\\pkg\\mod.py", rules),
    "/home/me/proj/pkg/mod.py",
  );
  // Windows compares without case, and takes / as well.
  assertEquals(
    mapPath("c:/users/DEV/proj/pkg/mod.py", rules),
    "/home/me/proj/pkg/mod.py",
  );
  assertEquals(
    mapPath("D:\\Users\\dev\\proj\\x.py", rules),
    "D:\\Users\\dev\\proj\\x.py",
  );
});

Deno.test("mapPath() compares POSIX paths with their case", () => {
  const rules = [rule("/srv/App=/home/me/app")];
  assertEquals(mapPath("/srv/app/x.py", rules), "/srv/app/x.py");
});

Deno.test("mapPath() joins with TO's own separator", () => {
  const rules = [rule("/srv=D:\\code")];
  assertEquals(mapPath("/srv/a/b.py", rules), "D:\\code\\a\\b.py");
});

Deno.test("mapPath() maps relative paths by . or by a relative FROM", () => {
  const rules = [rule(".=/home/me/project"), rule("shop=/opt/shop")];
  assertEquals(mapPath("workload.py", rules), "/home/me/project/workload.py");
  assertEquals(mapPath("./app/x.py", rules), "/home/me/project/app/x.py");
  assertEquals(mapPath("shop/cart.py", rules), "/opt/shop/cart.py");
  // A relative FROM never matches an absolute path, nor the other way.
  assertEquals(mapPath("/shop/cart.py", rules), "/shop/cart.py");
  assertEquals(
    mapPath("/srv/x.py", [rule("/srv=rel")]),
    "rel/x.py",
  );
  assertEquals(mapPath("srv/x.py", [rule("/srv=/abs")]), "srv/x.py");
});

Deno.test("mapPath() leaves names that are not files alone", () => {
  const rules = [rule(".=/home/me/project")];
  // Built-ins and frozen modules are relative-looking names; mapping them is
  // harmless because no source file is read for them (see source_access).
  assertEquals(mapPath("~", []), "~");
  assertEquals(
    mapPath("/usr/lib/python3.12/json/decoder.py", rules),
    "/usr/lib/python3.12/json/decoder.py",
  );
});

Deno.test("isRelativePath() knows POSIX, drive-letter and UNC paths", () => {
  assertEquals(
    [
      "a.py",
      "./a.py",
      "../a.py",
      "/a.py",
      "C:\\a.py",
      "c:/a.py",
      "\\\\srv\\share\\a.py",
    ]
      .map(isRelativePath),
    [true, true, true, false, false, false, false],
  );
});
