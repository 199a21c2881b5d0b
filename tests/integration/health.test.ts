import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

describe("GET /api/health", () => {
  it("reports the version and a real D1 check", async () => {
    const response = await SELF.fetch("http://localhost/api/health");
    expect(response.status).toBe(200);
    expect(response.headers.get("X-Request-Id")).toMatch(/^req_/);
    // Monitors keep no cookies: no CSRF token, no D1 bookmark.
    expect(response.headers.get("Set-Cookie")).toBeNull();
    const body = (await response.json()) as any;
    expect(body).toMatchObject({ status: "ok", version: "0.1.0", checks: { database: { ok: true } } });
  });

  it("rejects other methods with a JSON 405", async () => {
    const response = await SELF.fetch("http://localhost/api/health", { method: "POST" });
    expect(response.status).toBe(405);
    expect(await response.json()).toMatchObject({ error: { code: "method_not_allowed" } });
  });
});
