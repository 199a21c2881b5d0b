import { describe, expect, it } from "vitest";
import committed from "./urls.txt?raw";
import { manifestLines } from "./manifest";

/**
 * Moving or renaming a route file must not change a URL. tests/routes/urls.txt is the list taken
 * from the Remix manifest before routes were grouped into folders (docs/decisions/009-route-folders.md);
 * a change of URL, method, page/resource kind or nesting shows up here. A new route adds its line.
 */
describe("the route manifest", () => {
  it("has exactly the committed URL patterns, methods, kinds and nesting", () => {
    expect(manifestLines()).toEqual(committed.trim().split("\n"));
  });
});
