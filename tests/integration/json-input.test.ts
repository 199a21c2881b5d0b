import { SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { JSON_BODY_LIMIT } from "~/utils/api.server";
import { apiTokens, courses } from "~drizzle/schema";
import { insertCourse } from "../marketplace/helpers";
import { bearer, db, ORIGIN, signedInAs } from "../helpers";

const json = (method: string, body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method,
  body: typeof body === "string" ? body : JSON.stringify(body),
  headers: { "Content-Type": "application/json", ...headers },
});

/** Every `/api/*` endpoint that reads a JSON body, with the method it takes. */
const JSON_ENDPOINTS = [
  ["POST", "/api/payments/process"],
  ["POST", "/api/payments/refund"],
  ["POST", "/api/courses/purchase"],
  ["POST", "/api/subscriptions/create"],
  ["PUT", "/api/subscriptions/update"],
  ["POST", "/api/subscriptions/cancel"],
  ["POST", "/api/api-keys"],
  ["PUT", "/api/users/usr_00000000000000000000000000/role"],
  ["PATCH", "/api/courses/crs_00000000000000000000000000"],
  ["POST", "/api/courses/crs_00000000000000000000000000/reviews"],
] as const;

describe("PATCH /api/courses/:id never coerces JSON", () => {
  it.each([null, "", false, true, [], {}, "1e3", "1999", 19.99, 1e21, "0x10"])("priceAmount %j is a 400 and changes nothing", async (priceAmount) => {
    const owner = await signedInAs("instructor");
    const course = await insertCourse(owner.user.id, { priceAmount: 4999 });
    const res = await owner.browser.json(`/api/courses/${course.id}`, json("PATCH", { priceAmount }));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
    expect(res.body.error.details.fieldErrors.priceAmount).toBeDefined();
    const row = await db().select().from(courses).where(eq(courses.id, course.id)).get();
    expect(row!.priceAmount).toBe(4999);
    expect(row!.updatedAt).toBe(course.updatedAt);
  });

  it("accepts a number of minor units and rejects unknown fields", async () => {
    const owner = await signedInAs("instructor");
    const course = await insertCourse(owner.user.id, { priceAmount: 4999 });
    const ok = await owner.browser.json(`/api/courses/${course.id}`, json("PATCH", { priceAmount: 2500 }));
    expect(ok.status).toBe(200);
    expect(ok.body.course.price.amount).toBe(2500);
    const free = await owner.browser.json(`/api/courses/${course.id}`, json("PATCH", { priceAmount: 0 }));
    expect(free.body.course.price.amount).toBe(0);
    const unknown = await owner.browser.json(`/api/courses/${course.id}`, json("PATCH", { priceAmount: 3000, instructorId: "usr_x" }));
    expect(unknown.status).toBe(400);
    expect((await db().select().from(courses).where(eq(courses.id, course.id)).get())!.priceAmount).toBe(0);
  });
});

describe("the one JSON body reader", () => {
  it.each(JSON_ENDPOINTS)("%s %s answers 413 to a 5 MB body", async (method, path) => {
    const { browser } = await signedInAs("admin");
    const big = JSON.stringify({ pad: "x".repeat(5 * 1024 * 1024) });
    const res = await browser.json(path, json(method, big));
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("payload_too_large");
  });

  it("refuses a chunked body without Content-Length once it passes the limit", async () => {
    const { user, browser } = await signedInAs("student");
    const chunk = new TextEncoder().encode(" ".repeat(16 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > 2 * JSON_BODY_LIMIT) return controller.close();
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const res = await browser.json("/api/api-keys", { method: "POST", body, headers: { "Content-Type": "application/json" }, duplex: "half" } as RequestInit);
    expect(res.status).toBe(413);
    expect(sent).toBeLessThan(2 * JSON_BODY_LIMIT); // stopped reading early
    expect(await db().select().from(apiTokens).where(eq(apiTokens.userId, user.id)).all()).toHaveLength(0);
  });

  it("accepts a body just under the limit", async () => {
    const { user, browser } = await signedInAs("student");
    const name = "ok";
    const padded = `{"name":"${name}"}${" ".repeat(JSON_BODY_LIMIT - 20)}`;
    expect(new TextEncoder().encode(padded).byteLength).toBeLessThanOrEqual(JSON_BODY_LIMIT);
    const res = await browser.json("/api/api-keys", json("POST", padded));
    expect(res.status).toBe(201);
    expect((await db().select().from(apiTokens).where(eq(apiTokens.userId, user.id)).all()).map((t) => t.name)).toEqual([name]);
  });

  it.each([
    ["text/plain", '{"name":"x"}', 400, "bad_request"],
    ["application/x-www-form-urlencoded", "name=x", 400, "bad_request"],
    ["application/jsonp", '{"name":"x"}', 400, "bad_request"],
    ["application/json", '{"name":', 400, "bad_request"],
    ["application/json", "", 400, "bad_request"],
  ])("Content-Type %s with %j is %s %s and creates nothing", async (type, body, status, code) => {
    const { user, browser } = await signedInAs("student");
    const res = await browser.json("/api/api-keys", { method: "POST", body, headers: { "Content-Type": type } });
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(await db().select().from(apiTokens).where(eq(apiTokens.userId, user.id)).all()).toHaveLength(0);
  });

  it("refuses a body that is not UTF-8", async () => {
    const { browser } = await signedInAs("student");
    const bytes = new Uint8Array([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    const res = await browser.json("/api/api-keys", { method: "POST", body: bytes, headers: { "Content-Type": "application/json; charset=utf-8" } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/UTF-8/);
  });

  it("accepts charset parameters and an empty cancel body", async () => {
    const { browser } = await signedInAs("student");
    const token = await browser.json("/api/api-keys", json("POST", { name: "ci" }, { "Content-Type": "application/json; charset=UTF-8" }));
    expect(token.status).toBe(201);
    // No subscription: a clean 4xx from the service, not a body error.
    const cancel = await SELF.fetch(`${ORIGIN}/api/subscriptions/cancel`, bearer(token.body.token, { method: "POST" }));
    expect(cancel.status).not.toBe(400);
    expect(cancel.status).toBeLessThan(500);
  });
});

describe("unknown fields are rejected", () => {
  it.each([
    ["POST", "/api/api-keys", { name: "x", scopes: ["admin"] }],
    ["PUT", "/api/users/usr_00000000000000000000000000/role", { role: "admin", reason: "x" }],
    ["POST", "/api/payments/refund", { paymentId: "pay_x", reason: "duplicate", force: true }],
    ["POST", "/api/courses/purchase", { courseId: "crs_00000000000000000000000000", price: 1 }],
    ["POST", "/api/subscriptions/create", { tier: "pro", interval: "month", discount: 100 }],
    ["PUT", "/api/subscriptions/update", { tier: "pro", interval: "year", amount: 1 }],
    ["POST", "/api/subscriptions/cancel", { refund: true }],
    ["POST", "/api/courses/:course/reviews", { rating: 5, verified: true }],
  ] as const)("%s %s %j → 400 validation_failed", async (method, path, body) => {
    const { user, browser } = await signedInAs("admin");
    const course = await insertCourse(user.id);
    const res = await browser.json(path.replace(":course", course.id), json(method, body));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
    expect(Object.keys(res.body.error.details.fieldErrors).join(" ")).toMatch(/_form|scopes|reason|force|price|discount|amount|refund|verified/);
  });

  it("rejects JSON strings where numbers are expected (no coercion)", async () => {
    const { browser } = await signedInAs("admin");
    const refund = await browser.json("/api/payments/refund", json("POST", { paymentId: "pay_x", amount: "100", reason: "duplicate" }));
    expect(refund.status).toBe(400);
    expect(refund.body.error.details.fieldErrors.amount).toBeDefined();
    const update = await browser.json("/api/subscriptions/update", json("PUT", { tier: "pro", interval: "year", preview: "true" }));
    expect(update.status).toBe(400);
    expect(update.body.error.details.fieldErrors.preview).toBeDefined();
  });
});
