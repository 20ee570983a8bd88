import { assertEquals } from "@std/assert";
import { DEFAULT_MIN_SHARE } from "../lib/call_tree.ts";
import {
  DEFAULT_ROUTE,
  parseRoute,
  type Route,
  routeSearch,
} from "../ui/route.ts";

Deno.test("parseRoute() reads the flame graph's tab, zoom path and threshold", () => {
  const route = parseRoute("?tab=flame&z=3.17.42&min=0.01");
  assertEquals(route.tab, "flame");
  assertEquals(route.zoom, [3, 17, 42]);
  assertEquals(route.minShare, 0.0001);
  assertEquals(routeSearch(route), "?tab=flame&z=3.17.42&min=0.01");
});

Deno.test("the flame graph draws every frame by default; a link's min= keeps its threshold", () => {
  assertEquals(DEFAULT_ROUTE.minShare, DEFAULT_MIN_SHARE);
  assertEquals(DEFAULT_MIN_SHARE, 0);
  // A link made before the default changed, without min=, gets the new one.
  assertEquals(parseRoute("?tab=flame").minShare, 0);
  // An explicit threshold, the old default too, stays in the link.
  const old = parseRoute("?tab=flame&min=0.1");
  assertEquals(old.minShare, 0.001);
  assertEquals(routeSearch(old), "?tab=flame&min=0.1");
  // min=0 is the default: the link leaves it out.
  assertEquals(routeSearch(parseRoute("?tab=flame&min=0")), "?tab=flame");
});

Deno.test("parseRoute() falls back to defaults for a bad zoom or threshold", () => {
  for (const search of ["?tab=flame&z=1..2", "?tab=flame&z=x", "?z=-1"]) {
    assertEquals(parseRoute(search).zoom, [], search);
  }
  for (const search of ["?min=200", "?min=-1", "?min=lots"]) {
    assertEquals(parseRoute(search).minShare, DEFAULT_ROUTE.minShare, search);
  }
  assertEquals(parseRoute("?tab=nonsense").tab, "table");
});

Deno.test("routeSearch() writes a function's flame graph without zoom or view", () => {
  const route: Route = {
    ...DEFAULT_ROUTE,
    tab: "flame",
    fn: 7,
    view: "callees",
  };
  assertEquals(
    routeSearch({ ...route, zoom: [1, 2] }),
    "?tab=flame&fn=7",
  );
  // The table keeps its view, and never writes the flame graph's zoom.
  assertEquals(
    routeSearch({ ...route, tab: "table", zoom: [1], minShare: 0.01 }),
    "?fn=7&view=callees",
  );
});

Deno.test("routeSearch() writes functions as references when it can, readable in the URL", () => {
  const refOf = (id: number) =>
    id === 7 ? { file: "shop/cart.py", line: 12, name: "total" } : null;
  assertEquals(
    routeSearch({ ...DEFAULT_ROUTE, fn: 7, view: "callers" }, refOf),
    "?fn=shop/cart.py:12:total&view=callers",
  );
  // An id without a reference stays a number.
  assertEquals(
    routeSearch({ ...DEFAULT_ROUTE, fn: 8, view: "callers" }, refOf),
    "?fn=8&view=callers",
  );
  // Compare rows are not one profile's functions.
  assertEquals(
    routeSearch(
      { ...DEFAULT_ROUTE, tab: "compare", fn: 7, view: "callers" },
      refOf,
    ),
    "?tab=compare&fn=7&view=callers",
  );
  const zoomed = routeSearch(
    { ...DEFAULT_ROUTE, tab: "flame", zoom: [7, 7] },
    refOf,
  );
  assertEquals(
    zoomed,
    "?tab=flame&z=shop/cart.py:12:total&z=shop/cart.py:12:total",
  );
});

Deno.test("parseRoute() reads references, and old numeric links as before", () => {
  const ref = { file: "shop/cart.py", line: 12, name: "total" };
  const route = parseRoute("?fn=shop/cart.py:12:total&view=callers");
  assertEquals([route.fn, route.fnRef, route.view], [null, ref, "callers"]);
  assertEquals(routeSearch(route), "?fn=shop/cart.py:12:total&view=callers");
  const zoomed = parseRoute("?tab=flame&z=a.py:1:main&z=shop/cart.py:12:total");
  assertEquals(zoomed.zoomRefs, [{ file: "a.py", line: 1, name: "main" }, ref]);
  assertEquals(parseRoute("?fn=12").fn, 12);
  assertEquals(parseRoute("?fn=12").fnRef, undefined);
  assertEquals(parseRoute("?tab=flame&z=1.2").zoom, [1, 2]);
  // A zoom path with anything that is not a reference is no zoom.
  assertEquals(parseRoute("?tab=flame&z=a.py:1:main&z=x").zoomRefs, undefined);
});

Deno.test("the flame graph's transforms make the round trip through the URL, in order", () => {
  const search =
    "?tab=flame&z=3.-9.42&t=collapse:stdlib&t=merge:wrapper+-test&t=focus:app/views.py:handle&t=drop:%7E:%3Cbuilt-in+method+exec%3E";
  const route = parseRoute(search);
  assertEquals(route.transforms, [
    { kind: "collapse", target: "stdlib" },
    { kind: "merge", target: "wrapper -test" },
    { kind: "focus", target: "app/views.py:handle" },
    { kind: "drop", target: "~:<built-in method exec>" },
  ]);
  assertEquals(route.zoom, [3, -9, 42]);
  assertEquals(routeSearch(route), search);
  assertEquals(parseRoute(routeSearch(route)), route);
  // Transforms that say nothing are left out; the rest keep their order.
  assertEquals(
    parseRoute("?tab=flame&t=fold:x&t=merge:&t=drop:b&t=wrapper&t=merge:a")
      .transforms,
    [{ kind: "drop", target: "b" }, { kind: "merge", target: "a" }],
  );
  // Made-up frames and the root are no zoom.
  assertEquals(parseRoute("?tab=flame&z=3.-2").zoom, []);
  // A zoom through a collapsed frame is written as ids, references or not.
  assertEquals(
    routeSearch(
      { ...DEFAULT_ROUTE, tab: "flame", zoom: [7, -8] },
      (id) => id === 7 ? { file: "a.py", line: 1, name: "main" } : null,
    ),
    "?tab=flame&z=7.-8",
  );
  // Only the flame graph writes them.
  assertEquals(routeSearch({ ...route, tab: "table" }), "?");
});
