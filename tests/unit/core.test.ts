import { describe, expect, it } from "vitest";
import * as z from "zod";
import { Logger } from "~/modules/observability/logger";
import { hashPassword, verifyPassword } from "~/modules/auth/password.server";
import { now, setClock } from "~/utils/clock";
import { AppError, errorResponse, parseOrThrow, toAppError } from "~/utils/errors";
import { createId } from "~/utils/ids";
import { getConfig } from "~/utils/env.server";

describe("ids", () => {
  it("are prefixed and sort by creation time", () => {
    setClock(() => 1_700_000_000_000);
    const a = createId("payment");
    const b = createId("payment");
    setClock(() => 1_700_000_000_001);
    const c = createId("payment");
    expect(a).toMatch(/^pay_[0-9a-z]{26}$/);
    expect([c, b, a].sort()).toEqual([a, b, c]);
  });
});

describe("clock", () => {
  it("can be pinned by tests", () => {
    setClock(() => 42);
    expect(now()).toBe(42);
  });
});

describe("errors", () => {
  it("serialize to the API error shape", async () => {
    const response = errorResponse(AppError.validation({ email: ["bad"] }), "req_1");
    expect(response.status).toBe(400);
    expect(response.headers.get("X-Request-Id")).toBe("req_1");
    expect(await response.json()).toEqual({
      error: { code: "validation_failed", message: "Some fields are invalid.", details: { fieldErrors: { email: ["bad"] } } },
    });
  });

  it("hide unknown errors behind a generic message", () => {
    const error = toAppError(new Error("SQLITE_CONSTRAINT: secret table"));
    expect(error.code).toBe("internal");
    expect(error.status).toBe(500);
    expect(error.message).not.toMatch(/SQLITE/);
  });

  it("turn zod failures into field errors", () => {
    expect(() => parseOrThrow(z.object({ n: z.number() }), { n: "x" })).toThrow(AppError);
    try {
      parseOrThrow(z.object({ n: z.number() }), { n: "x" });
    } catch (error) {
      expect((error as AppError).details).toMatchObject({ fieldErrors: { n: [expect.any(String)] } });
    }
  });
});

describe("passwords", () => {
  it("verify only the right password", async () => {
    const hash = await hashPassword("hunter2-long-pass", 1000);
    expect(hash).toMatch(/^pbkdf2_sha256\$1000\$/);
    expect(await verifyPassword("hunter2-long-pass", hash)).toBe(true);
    expect(await verifyPassword("hunter2-long-pasS", hash)).toBe(false);
    expect(await verifyPassword("x", "garbage")).toBe(false);
  });

  it("use 100k PBKDF2-SHA256 iterations by default", async () => {
    expect(await hashPassword("abc")).toMatch(/^pbkdf2_sha256\$100000\$/);
  });
});

describe("logger", () => {
  it("writes one JSON object per line with context and redacts secrets", () => {
    const lines: string[] = [];
    const log = new Logger({ requestId: "req_x" }, "info", (line) => lines.push(line)).child({ userId: "usr_1" });
    log.debug("hidden");
    log.info("payment.created", { paymentId: "pay_1", amount: 500, password: "p", authorization: "Bearer x" });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: "info",
      event: "payment.created",
      requestId: "req_x",
      userId: "usr_1",
      paymentId: "pay_1",
      amount: 500,
      password: "[redacted]",
      authorization: "[redacted]",
    });
  });
});

describe("config", () => {
  const valid = {
    APP_ENV: "development",
    APP_VERSION: "1",
    APP_URL: "http://localhost:8787",
    SESSION_SECRET: "x".repeat(40),
    STRIPE_SECRET_KEY: "sk_test_abc",
    STRIPE_WEBHOOK_SECRET: "whsec_abc",
  };

  it("accepts test keys in development and refuses a live Stripe key outside production", () => {
    expect(getConfig({ ...valid } as unknown as Env).STRIPE_SECRET_KEY).toBe("sk_test_abc");
    expect(() => getConfig({ ...valid, STRIPE_SECRET_KEY: "sk_live_abc" } as unknown as Env)).toThrow(/live Stripe key is refused/);
    const licenseKey = { LICENSE_SIGNING_KEY: "MC4CAQAwBQYDK2VwBCIEIPl0bP2mZqF3wX3v9i9G0mO5Yl0yZ9hS1mJ3fQ8kLx7a" };
    expect(getConfig({ ...valid, ...licenseKey, APP_ENV: "production", STRIPE_SECRET_KEY: "sk_live_abc" } as unknown as Env).APP_ENV).toBe("production");
    // Production refuses to start without the license signing key.
    expect(() => getConfig({ ...valid, APP_ENV: "production", STRIPE_SECRET_KEY: "sk_live_abc" } as unknown as Env)).toThrow(/LICENSE_SIGNING_KEY/);
    expect(() => getConfig({ ...valid, STRIPE_SECRET_KEY: "pk_test_abc" } as unknown as Env)).toThrow(/STRIPE_SECRET_KEY/);
  });

  it("fails fast naming the bad variable, without echoing values", () => {
    expect(() => getConfig({ APP_ENV: "staging", SESSION_SECRET: "short" } as unknown as Env)).toThrow(/APP_ENV|SESSION_SECRET/);
    try {
      getConfig({ APP_ENV: "test", APP_VERSION: "1", APP_URL: "http://x", SESSION_SECRET: "short" } as unknown as Env);
    } catch (error) {
      expect(String(error)).toMatch(/SESSION_SECRET/);
      expect(String(error)).not.toMatch(/short/);
    }
  });
});
