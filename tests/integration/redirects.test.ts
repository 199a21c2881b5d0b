import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { isSameSitePath, safeRedirect, sameSitePathSchema } from "~/utils/redirect";
import { payments, subscriptions } from "~drizzle/schema";
import { Browser, db, insertUser, jsonBody, PASSWORD, signedInAs } from "../helpers";

const HOSTILE = [
  "//evil.example",
  "/\t/evil.example",
  "/\n/evil.example",
  "/\r\n/evil.example",
  "/\\evil.example",
  "/\\/evil.example",
  "\\\\evil.example",
  "https://evil.example",
  "http:/evil.example",
  "javascript:alert(1)",
  "evil.example",
  "",
  " /account",
  "/account\u0000",
  "/ /evil.example",
  "/\u00a0/evil.example",
  "/\u2028/evil.example",
  `/${"a".repeat(500)}`,
];

describe("the one same-site redirect rule", () => {
  it.each(HOSTILE)("rejects %j", (to) => {
    expect(isSameSitePath(to)).toBe(false);
    expect(safeRedirect(to)).toBe("/account");
    expect(sameSitePathSchema.safeParse(to).success).toBe(false);
  });

  it.each(["/", "/account", "/courses?q=sql&sort=newest", "/account/billing?checkout=success#top", "/a/%2F%2Fevil.example", "/pricing?next=//x"])(
    "accepts the same-site path %j",
    (to) => {
      expect(isSameSitePath(to)).toBe(true);
      expect(safeRedirect(to)).toBe(to);
      expect(sameSitePathSchema.parse(to)).toBe(to);
    },
  );

  it("falls back for anything that is not a string", () => {
    expect(safeRedirect(null)).toBe("/account");
    expect(safeRedirect(undefined, "/")).toBe("/");
    expect(safeRedirect(new File(["x"], "x.txt"))).toBe("/account");
  });
});

describe("login redirectTo", () => {
  it.each(["/\t/evil.example", "/\n/evil.example", "/\r\nSet-Cookie: x=1", "/\\evil.example"])(
    "signs in and lands on /account for %j (no 500, no other origin)",
    async (redirectTo) => {
      const user = await insertUser();
      const response = await new Browser().submit("/login", { email: user.email, password: PASSWORD, redirectTo });
      expect(response.status).toBe(302);
      expect(response.headers.get("Location")).toBe("/learning");
      expect(response.headers.getSetCookie().some((c) => c.startsWith("x="))).toBe(false);
    },
  );

  it("renders the login page for a hostile redirectTo and keeps a same-site one", async () => {
    const page = await new Browser().fetch("/login?redirectTo=%2F%09%2Fevil.example");
    expect(page.status).toBe(200);
    const user = await insertUser();
    const ok = await new Browser().submit("/login", { email: user.email, password: PASSWORD, redirectTo: "/courses?q=sql" });
    expect(ok.headers.get("Location")).toBe("/courses?q=sql");
  });
});

describe("Checkout return paths use the same rule", () => {
  it.each(["/\t/evil.example", "//evil.example", "/\\evil.example"])("payments refuse successPath %j and write nothing", async (successPath) => {
    const { user, browser } = await signedInAs("student");
    const res = await browser.json("/api/payments/process", jsonBody({ purpose: "course_purchase", courseId: "crs_00000000000000000000000000", successPath }));
    expect(res.status).toBe(400);
    expect(res.body.error.details.fieldErrors.successPath).toBeDefined();
    expect(await db().select().from(payments).where(eq(payments.userId, user.id)).all()).toHaveLength(0);
  });

  it.each(["/\t/evil.example", "//evil.example"])("subscriptions refuse cancelPath %j and write nothing", async (cancelPath) => {
    const { user, browser } = await signedInAs("student");
    const res = await browser.json("/api/subscriptions/create", jsonBody({ tier: "pro", interval: "month", cancelPath }));
    expect(res.status).toBe(400);
    expect(res.body.error.details.fieldErrors.cancelPath).toBeDefined();
    expect(await db().select().from(subscriptions).where(eq(subscriptions.userId, user.id)).all()).toHaveLength(0);
  });
});
