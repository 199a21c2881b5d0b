import { and, eq } from "drizzle-orm";
import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { changePassword } from "~/modules/auth/password-change.server";
import { auditLog, loginThrottle, sessions, users } from "~drizzle/schema";
import { Browser, db, insertUser, mailFor, PASSWORD, signedInAs } from "../helpers";
import { createAppContext } from "../../workers/app";

/* A signed-in learner changes their password on /account, knowing the current one. */

const NEW_PASSWORD = "a-changed-pass-77";
const change = (browser: Browser, fields: Partial<Record<"currentPassword" | "password" | "confirmPassword", string>>) =>
  browser.submit("/account", { intent: "change-password", currentPassword: PASSWORD, password: NEW_PASSWORD, confirmPassword: NEW_PASSWORD, ...fields });
const hashOf = async (userId: string) => (await db().select({ h: users.passwordHash }).from(users).where(eq(users.id, userId)).get())!.h;
const liveSessions = async (userId: string) => (await db().select().from(sessions).where(eq(sessions.userId, userId)).all()).filter((s) => s.revokedAt === null);
const canLogIn = async (email: string, password: string) => (await new Browser().submit("/login", { email, password })).status === 302;
const audits = (userId: string) => db().select().from(auditLog).where(and(eq(auditLog.targetId, userId), eq(auditLog.action, "user.password_changed"))).all();

describe("changing the password on /account", () => {
  it("changes it, keeps this device signed in, signs out the others, audits and emails", async () => {
    const { user, browser } = await signedInAs("student");
    const phone = new Browser();
    await phone.login(user.email);
    const page = await (await browser.fetch("/account")).text();
    expect(page).toContain("Current password");
    expect(page).toContain('name="currentPassword"');

    const response = await change(browser, {});
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("Your password has been changed. Your other device was signed out.");
    expect(html).not.toContain(NEW_PASSWORD); // never echoed back

    expect((await browser.fetch("/account")).status).toBe(200);
    expect((await phone.fetch("/account")).status).toBe(302);
    expect(await liveSessions(user.id)).toHaveLength(1);
    expect(await canLogIn(user.email, PASSWORD)).toBe(false);
    expect(await canLogIn(user.email, NEW_PASSWORD)).toBe(true);
    expect(await audits(user.id)).toMatchObject([{ actorId: user.id, targetType: "user", metadata: { via: "account" } }]);
    const mails = await mailFor(user.email);
    expect(mails.map((m) => m.template)).toEqual(["password-changed"]);
    expect(mails[0]!.text).toContain("was changed on your account page");
  });

  it("a wrong current password changes nothing, says which field is wrong and counts towards the log-in lockout", async () => {
    const { user, browser } = await signedInAs("student");
    const before = await hashOf(user.id);
    const response = await change(browser, { currentPassword: "not-the-password-1" });
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain("That is not your current password");
    expect(html).not.toContain("not-the-password-1");
    expect(await hashOf(user.id)).toBe(before);
    expect(await liveSessions(user.id)).toHaveLength(1);
    expect(await db().select().from(loginThrottle).where(eq(loginThrottle.key, `email:${user.email}`)).get()).toMatchObject({ failures: 1 });
    // Four more wrong guesses lock the address: even the right password is refused until the lock ends.
    for (let i = 0; i < 4; i++) await change(browser, { currentPassword: `wrong-guess-${i}0` });
    expect((await change(browser, {})).status).toBe(429);
    expect(await hashOf(user.id)).toBe(before);
    expect(await audits(user.id)).toHaveLength(0);
  });

  it.each([
    ["a short new password", { password: "short1", confirmPassword: "short1" }, "password", "Use at least 10 characters"],
    ["two different new passwords", { confirmPassword: "another-pass-99" }, "confirmPassword", "The two passwords don&#x27;t match"],
    ["the current password again", { password: PASSWORD, confirmPassword: PASSWORD }, "password", "Choose a password different from your current one"],
    ["no current password", { currentPassword: "" }, "currentPassword", "Enter your current password"],
  ])("refuses %s and changes nothing", async (_label, fields, field, message) => {
    const { user, browser } = await signedInAs("student");
    const before = await hashOf(user.id);
    const response = await change(browser, fields);
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain(message);
    expect(html).toContain(`id="field-${field}-error"`);
    expect(await hashOf(user.id)).toBe(before);
    expect(await audits(user.id)).toHaveLength(0);
  });

  it("refuses a form without the CSRF token", async () => {
    const { user, browser } = await signedInAs("student");
    const before = await hashOf(user.id);
    const form = new URLSearchParams({ intent: "change-password", currentPassword: PASSWORD, password: NEW_PASSWORD, confirmPassword: NEW_PASSWORD });
    const response = await browser.fetch("/account", { method: "POST", body: form, headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    expect(response.status).toBe(403);
    expect(await hashOf(user.id)).toBe(before);
  });

  it("two tabs changing it at once: exactly one new password works", async () => {
    const { user, browser } = await signedInAs("student");
    const [a, b] = ["tab-a-password-1", "tab-b-password-2"];
    const responses = await Promise.all([change(browser, { password: a, confirmPassword: a }), change(browser, { password: b, confirmPassword: b })]);
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    // The other one either read the old hash and lost the conditional update (409), or read the new hash and its current password no longer matched (400).
    expect([400, 409]).toContain(statuses.find((s) => s !== 200));
    const [won, lost] = statuses[0] === 200 ? [a, b] : [b, a];
    expect(await canLogIn(user.email, won)).toBe(true);
    expect(await canLogIn(user.email, lost)).toBe(false);
    expect(await audits(user.id)).toHaveLength(1);
  });

  it("two changes racing after both checked the current password: the conditional update lets exactly one through", async () => {
    const user = await insertUser("student");
    const sessionUser = { ...user, sessionId: null, via: "session" as const };
    const app = () => createAppContext(env, createExecutionContext(), `req_race_${crypto.randomUUID().slice(0, 8)}`);
    const input = (password: string) => ({ currentPassword: PASSWORD, password, confirmPassword: password });
    const results = await Promise.allSettled([
      changePassword(app(), sessionUser, input("race-pass-a-1"), "192.0.2.10"),
      changePassword(app(), sessionUser, input("race-pass-b-2"), "192.0.2.10"),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: "conflict", status: 409 });
    expect(await audits(user.id)).toHaveLength(1);
  });
});
