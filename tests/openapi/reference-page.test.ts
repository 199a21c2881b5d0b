import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "~/utils/errors";
import { ORIGIN } from "../helpers";
import type { Doc } from "./fixtures";

describe("/docs/api", () => {
  it("renders every documented endpoint, its examples and the error table on the server, with no external scripts", async () => {
    const doc = (await (await SELF.fetch(`${ORIGIN}/api/openapi.json`)).json()) as Doc;
    const response = await SELF.fetch(`${ORIGIN}/docs/api`);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toContain("text/html");
    const html = await response.text();
    // Only the part React rendered (before the hydration data), so the content is there without JavaScript.
    const body = html.slice(0, html.indexOf("window.__remixContext"));
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        expect(body, `${method} ${path}`).toContain(`id="${op!.operationId}"`);
        expect(body).toContain(`href="#${op!.operationId}"`);
        for (const x of op!["x-examples"]) expect(body, `${op!.operationId} ${x.name}`).toContain(x.summary.replace(/'/g, "&#x27;"));
      }
    }
    for (const code of Object.keys(ERROR_CODES)) expect(body).toContain(`<code>${code}</code>`);
    for (const tag of ["System", "Account", "Payments", "Marketplace", "Subscriptions", "Tokens", "Licensing", "Operations"]) expect(body).toContain(`id="${tag.toLowerCase()}"`);
    expect(body).toContain('href="/api/openapi.json"');
    const scripts = [...html.matchAll(/<script[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts.filter((src) => !src.startsWith("/"))).toEqual([]);
    expect([...html.matchAll(/<link[^>]*\bhref="(https?:[^"]+)"/g)]).toEqual([]);
  });
});
