import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";

// The share-image Worker (workers/og) behind the OG_RENDERER service binding; the route that uses
// it is covered in tests/marketplace/access.test.ts.
describe("share-image Worker", () => {
  const render = (body: unknown) =>
    env.OG_RENDERER.fetch("https://og.internal/render", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

  it("draws a card as a PNG", async () => {
    const res = await render({ eyebrow: "Coursemint · Programming", title: "Edge caching", byline: "Ada", detail: "New course · Free" });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("image/png");
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  });

  it("refuses an invalid card and other paths", async () => {
    expect((await render({ title: "" })).status).toBe(400);
    expect((await env.OG_RENDERER.fetch("https://og.internal/other")).status).toBe(404);
  });
});
