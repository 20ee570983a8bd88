import { assertEquals } from "@std/assert";
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
