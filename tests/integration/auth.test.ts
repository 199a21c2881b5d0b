import { SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { apiTokens, auditLog, sessions, users } from "~drizzle/schema";
import { bearer, Browser, db, insertUser, jsonBody, PASSWORD, signedInAs } from "../helpers";

// Sign-up (by confirmed email) is tested in signup.test.ts.

describe("log in and out", () => {
  it("logs in with a session cookie that holds only an opaque id", async () => {
    const user = await insertUser();
    const browser = new Browser();
    const response = await browser.login(user.email);
    expect(response.headers.get("Location")).toBe("/learning");
    expect(browser.cookies.get("__session")).toBeDefined();
    expect(browser.cookies.get("__session")).not.toContain(user.id);
    const rows = await db().select().from(sessions).where(eq(sessions.userId, user.id)).all();
    expect(rows).toHaveLength(1);
  });

  it("lands each role on its own dashboard when no page was asked for", async () => {
    for (const [role, path] of [["student", "/learning"], ["enterprise", "/learning"], ["instructor", "/instructor"], ["admin", "/admin"]] as const) {
      const user = await insertUser(role);
      expect((await new Browser().login(user.email)).headers.get("Location"), role).toBe(path);
    }
  });

  it("follows only local redirects", async () => {
    const user = await insertUser();
    const a = await new Browser().submit("/login", { email: user.email, password: PASSWORD, redirectTo: "/admin/users" });
    expect(a.headers.get("Location")).toBe("/admin/users");
    const b = await new Browser().submit("/login", { email: user.email, password: PASSWORD, redirectTo: "//evil.example" });
    expect(b.headers.get("Location")).toBe("/learning");
  });

  it("gives one generic message for a wrong password and an unknown email", async () => {
    const user = await insertUser();
    const wrong = await new Browser().submit("/login", { email: user.email, password: "wrong-password-1" });
    const unknown = await new Browser().submit("/login", { email: "nobody@example.com", password: "wrong-password-1" });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const [a, b] = [await wrong.text(), await unknown.text()];
    expect(a).toContain("Email or password is incorrect.");
    expect(b).toContain("Email or password is incorrect.");
  });

  it("refuses an account with 429 after repeated failures, even with the right password", async () => {
    const user = await insertUser();
    for (let i = 0; i < 5; i++) {
      const browser = new Browser(); // different addresses: the per-account limit applies
      expect((await browser.submit("/login", { email: user.email, password: `nope-${i}-xxxxx` })).status).toBe(401);
    }
    const locked = await new Browser().submit("/login", { email: user.email, password: PASSWORD });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await locked.text()).toContain("Too many failed sign-in attempts");
  });

  it("refuses an address with 429 after many failures across accounts", async () => {
    const browser = new Browser();
    for (let i = 0; i < 20; i++) {
      await browser.submit("/login", { email: `ghost${i}@example.com`, password: "whatever-123" });
    }
    const user = await insertUser();
    expect((await browser.submit("/login", { email: user.email, password: PASSWORD })).status).toBe(429);
  });

  it("logout revokes the session row, so the old cookie stops working", async () => {
    const { browser, user } = await signedInAs("student");
    const stolen = browser.cookieHeader;
    const response = await browser.submit("/logout", {});
    expect(response.status).toBe(302);
    const row = await db().select().from(sessions).where(eq(sessions.userId, user.id)).get();
    expect(row!.revokedAt).not.toBeNull();
    const replay = await SELF.fetch("http://localhost/api/me", { headers: { Cookie: stolen } });
    expect(replay.status).toBe(401);
  });

  it("log out everywhere revokes every session of the user", async () => {
    const user = await insertUser();
    const laptop = new Browser();
    const phone = new Browser();
    await laptop.login(user.email);
    await phone.login(user.email);
    expect((await phone.fetch("/api/me")).status).toBe(200);
    const response = await laptop.submit("/account", { intent: "logout-everywhere" });
    expect(response.headers.get("Location")).toBe("/login");
    expect((await phone.fetch("/api/me")).status).toBe(401);
    expect((await laptop.fetch("/api/me")).status).toBe(401);
  });

  it("a user can sign out one other device", async () => {
    const user = await insertUser();
    const laptop = new Browser();
    const phone = new Browser();
    await laptop.login(user.email);
    await phone.login(user.email);
    const phoneSession = (await db().select().from(sessions).where(eq(sessions.userId, user.id)).all()).at(-1)!;
    expect((await laptop.submit("/account", { intent: "revoke-session", sessionId: phoneSession.id })).status).toBe(200);
    expect((await phone.fetch("/api/me")).status).toBe(401);
    expect((await laptop.fetch("/api/me")).status).toBe(200);
  });

  it("cannot revoke someone else's session", async () => {
    const victim = await signedInAs("student");
    const victimSession = await db().select().from(sessions).where(eq(sessions.userId, victim.user.id)).get();
    const attacker = await signedInAs("student");
    const response = await attacker.browser.submit("/account", { intent: "revoke-session", sessionId: victimSession!.id });
    expect(response.status).toBe(404);
    expect((await victim.browser.fetch("/api/me")).status).toBe(200);
  });
});

describe("API tokens", () => {
  it("are shown once, stored hashed, and act with the owner's permissions", async () => {
    const { browser, user } = await signedInAs("student");
    const page = await browser.submit("/account", { intent: "create-token", name: "CI bot" });
    expect(page.status).toBe(200);
    const token = /data-testid="new-token">(cm_[0-9a-f]{48})</.exec(await page.text())![1]!;
    const row = await db().select().from(apiTokens).where(eq(apiTokens.userId, user.id)).get();
    expect(row!.tokenHash).not.toContain(token);
    expect(JSON.stringify(row)).not.toContain(token);
    expect(await (await browser.fetch("/account")).text()).not.toContain(token);

    const me = await SELF.fetch("http://localhost/api/me", bearer(token));
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ user: { id: user.id }, authenticatedVia: "token" });
    expect((await SELF.fetch("http://localhost/api/audit", bearer(token))).status).toBe(403);

    const audit = await db().select().from(auditLog).where(eq(auditLog.targetId, row!.id)).all();
    expect(audit.map((a) => a.action)).toEqual(["api_token.created"]);
    expect(audit[0]!.actorId).toBe(user.id);
    expect(audit[0]!.requestId).toMatch(/^req_/);
  });

  it("can be created and revoked through the API, and stop working once revoked", async () => {
    const { browser, user } = await signedInAs("instructor");
    const created = await browser.json("/api/api-keys", jsonBody({ name: "deploy" }));
    expect(created.status).toBe(201);
    const { token, id } = created.body;
    expect((await SELF.fetch("http://localhost/api/me", bearer(token))).status).toBe(200);
    const list = await SELF.fetch("http://localhost/api/api-keys", bearer(token));
    expect(JSON.stringify(await list.json())).not.toContain(token);

    const revoked = await SELF.fetch(`http://localhost/api/api-keys/${id}`, bearer(token, { method: "DELETE" }));
    expect(revoked.status).toBe(204);
    const after = await SELF.fetch("http://localhost/api/me", bearer(token));
    expect(after.status).toBe(401);
    expect(await after.json()).toMatchObject({ error: { code: "unauthenticated" } });
    const actions = (await db().select().from(auditLog).where(eq(auditLog.actorId, user.id)).all()).map((a) => a.action);
    expect(actions).toEqual(["api_token.created", "api_token.revoked"]);
  });

  it("rejects malformed bodies and other users' tokens", async () => {
    const owner = await signedInAs("student");
    const other = await signedInAs("student");
    const { body } = await owner.browser.json("/api/api-keys", jsonBody({ name: "mine" }));
    const bad = await other.browser.json("/api/api-keys", jsonBody({ name: "" }));
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.fieldErrors.name).toBeDefined();
    const notJson = await other.browser.json("/api/api-keys", { method: "POST", body: "{", headers: { "Content-Type": "application/json" } });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe("bad_request");
    const steal = await other.browser.fetch(`/api/api-keys/${body.id}`, { method: "DELETE" });
    expect(steal.status).toBe(404);
    expect((await SELF.fetch("http://localhost/api/me", bearer(body.token))).status).toBe(200);
  });

  it("rejects garbage bearer tokens and cookie-authenticated cross-site API writes", async () => {
    const bad = await SELF.fetch("http://localhost/api/me", bearer("cm_nope"));
    expect(bad.status).toBe(401);
    const { browser } = await signedInAs("student");
    const crossSite = await browser.fetch("/api/api-keys", jsonBody({ name: "x" }, { headers: { Origin: "https://evil.example" } }));
    expect(crossSite.status).toBe(403);
    expect(await crossSite.json()).toMatchObject({ error: { code: "csrf_failed" } });
  });
});

describe("roles", () => {
  it("a student can become an instructor, audited", async () => {
    const { browser, user } = await signedInAs("student");
    const response = await browser.submit("/account", { intent: "become-instructor" });
    expect(response.status).toBe(200);
    expect((await db().select().from(users).where(eq(users.id, user.id)).get())!.role).toBe("instructor");
    const entry = await db().select().from(auditLog).where(eq(auditLog.targetId, user.id)).get();
    expect(entry).toMatchObject({ action: "user.role_changed", actorId: user.id, metadata: { from: "student", to: "instructor" } });
  });

  it("only admins change other users' roles, through the page or the API", async () => {
    const admin = await signedInAs("admin");
    const target = await insertUser("student");
    const viaApi = await admin.browser.json(`/api/users/${target.id}/role`, jsonBody({ role: "enterprise" }, { method: "PUT" }));
    expect(viaApi.status).toBe(200);
    expect(viaApi.body.user.role).toBe("enterprise");
    const viaPage = await admin.browser.submit("/admin/users", { userId: target.id, role: "instructor" });
    expect(viaPage.status).toBe(200);
    expect((await db().select().from(users).where(eq(users.id, target.id)).get())!.role).toBe("instructor");
    const entries = await db().select().from(auditLog).where(eq(auditLog.targetId, target.id)).all();
    expect(entries.map((e) => e.metadata)).toEqual([
      { from: "student", to: "enterprise" },
      { from: "enterprise", to: "instructor" },
    ]);

    const student = await signedInAs("student");
    const denied = await student.browser.json(`/api/users/${target.id}/role`, jsonBody({ role: "admin" }, { method: "PUT" }));
    expect(denied.status).toBe(403);
    expect((await db().select().from(users).where(eq(users.id, target.id)).get())!.role).toBe("instructor");
  });

  it("validates the role and the target", async () => {
    const admin = await signedInAs("admin");
    const target = await insertUser("student");
    const badRole = await admin.browser.json(`/api/users/${target.id}/role`, jsonBody({ role: "superuser" }, { method: "PUT" }));
    expect(badRole.status).toBe(400);
    const missing = await admin.browser.json(`/api/users/usr_missing/role`, jsonBody({ role: "student" }, { method: "PUT" }));
    expect(missing.status).toBe(404);
    const self = await admin.browser.json(`/api/users/${admin.user.id}/role`, jsonBody({ role: "student" }, { method: "PUT" }));
    expect(self.status).toBe(409);
  });

  it("admins browse and filter the audit log", async () => {
    const admin = await signedInAs("admin");
    const target = await insertUser("student");
    await admin.browser.json(`/api/users/${target.id}/role`, jsonBody({ role: "instructor" }, { method: "PUT" }));
    const filtered = await admin.browser.json(`/api/audit?action=user.role_changed&targetId=${target.id}`);
    expect(filtered.status).toBe(200);
    expect(filtered.body.items).toHaveLength(1);
    expect(filtered.body.items[0]).toMatchObject({ actorId: admin.user.id, targetId: target.id });
    const page = await admin.browser.fetch(`/admin/audit?action=user.role_changed&targetId=${target.id}`);
    expect(await page.text()).toContain(target.id);
    const bad = await admin.browser.json(`/api/audit?from=yesterday`);
    expect(bad.status).toBe(400);
  });
});
