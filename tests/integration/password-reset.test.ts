import { and, eq } from "drizzle-orm";
import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { applyPasswordReset, findByToken } from "~/modules/auth/password-reset.server";
import { hashPassword } from "~/modules/auth/password.server";
import { DAY, HOUR } from "~/utils/clock";
import { SECRET_REMOVED } from "~/modules/email/templates";
import { auditLog, emailOutbox, emails, passwordResets, sessions, users } from "~drizzle/schema";
import { bearer, Browser, db, insertUser, mailFor, PASSWORD, waitFor } from "../helpers";
import { createAppContext } from "../../workers/app";
import { cronJobs } from "../../workers/cron";

/*
 * "Forgot your password?": asking never tells whether an address has an account; a link works
 * once, for an hour, and using it changes the password, signs out everywhere and signs in.
 */

const NEW_PASSWORD = "a-new-pass-word-42";

/** Path and token of every reset link emailed to `email`, oldest first (waits for `count` of them). */
async function resetLinks(email: string, count = 1) {
  const mails = await waitFor(async () => {
    const rows = (await db().select().from(emailOutbox).where(eq(emailOutbox.toAddress, email)).all()).filter((m) => m.template === "password-reset");
    return rows.length >= count ? rows.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id)) : null;
  });
  return mails.map((m) => {
    const url = new URL(/Choose a new password: (\S+)/.exec(m.text)![1]!);
    return { path: url.pathname + url.search, token: url.searchParams.get("token")! };
  });
}

const resetsOf = (userId: string) => db().select().from(passwordResets).where(eq(passwordResets.userId, userId)).all();
const hashOf = async (userId: string) => (await db().select({ h: users.passwordHash }).from(users).where(eq(users.id, userId)).get())!.h;
const forgot = (browser: Browser, email: string) => browser.submit("/password/forgot", { email });
const reset = (browser: Browser, token: string, password = NEW_PASSWORD, confirmPassword = password) =>
  browser.submit("/password/reset", { token, password, confirmPassword });

/** The neutral answer, without per-response values (nonces, CSRF tokens, request ids). */
function sentSection(html: string) {
  return /<section[^>]*data-testid="reset-sent"[\s\S]*?<\/section>/.exec(html)?.[0] ?? null;
}

function d1Cost(res: Response) {
  return /d1;desc="queries=(\d+) sequential=(\d+)"/.exec(res.headers.get("Server-Timing") ?? "")?.slice(1);
}

/** A user who asked for a link, and that link. */
async function userWithLink(name = "Reset Person") {
  const user = await insertUser("student", { name });
  expect((await forgot(new Browser(), user.email)).status).toBe(200);
  const [link] = await resetLinks(user.email);
  return { user, ...link! };
}

describe("asking for a reset link", () => {
  it("answers the same for an address with an account and one without, at the same D1 cost; only the account gets an email", async () => {
    const owner = await insertUser("student", { name: "Owner Person" });
    const nobody = `nobody-${crypto.randomUUID().slice(0, 8)}@example.test`;
    const forOwner = await forgot(new Browser(), `  ${owner.email.toUpperCase()} `);
    const forNobody = await forgot(new Browser(), nobody);
    expect([forOwner.status, forNobody.status]).toEqual([200, 200]);
    const [a, b] = [sentSection(await forOwner.text()), sentSection(await forNobody.text())];
    expect(a).toContain(`If an account exists for <strong>${owner.email}</strong>, we sent it a link`);
    expect(a!.replace(owner.email, "<address>")).toBe(b!.replace(nobody, "<address>"));
    expect([...forOwner.headers.keys()].sort()).toEqual([...forNobody.headers.keys()].sort());
    // The same round trips to D1 before answering (the email is queued after the answer).
    expect(d1Cost(forOwner)).toEqual(d1Cost(forNobody));

    const [row, ...more] = await resetsOf(owner.id);
    expect(more).toHaveLength(0);
    expect(row!.expiresAt - row!.createdAt).toBe(HOUR);
    expect(row).toMatchObject({ usedAt: null, revokedAt: null, sessionId: null });
    const [mail] = await mailFor(owner.email);
    expect(mail).toMatchObject({ template: "password-reset", subject: "Reset your Coursemint password" });
    expect(mail!.text).toContain("Hi Owner Person,");
    expect(mail!.html).toContain("Choose a new password");
    const { token } = (await resetLinks(owner.email))[0]!;
    // Only the token's hash is stored.
    expect(row!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(await db().select().from(passwordResets).all())).not.toContain(token);
    expect(await db().select().from(emailOutbox).where(eq(emailOutbox.toAddress, nobody)).all()).toHaveLength(0);
    // Asking changes nothing about the account.
    expect((await new Browser().submit("/login", { email: owner.email, password: PASSWORD })).status).toBe(302);
  });

  it(`stores at most 3 links per account an hour, even asked for in parallel, and says nothing different`, async () => {
    const user = await insertUser();
    const browsers = Array.from({ length: 6 }, () => new Browser());
    await Promise.all(browsers.map((b) => b.csrf()));
    const responses = await Promise.all(browsers.map((b) => forgot(b, user.email)));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const sections = await Promise.all(responses.map(async (r) => sentSection(await r.text())));
    expect(new Set(sections).size).toBe(1);
    expect(sections[0]).toContain("we send at most 3 links an hour");
    expect(await resetsOf(user.id)).toHaveLength(3);
    expect(await resetLinks(user.email, 3)).toHaveLength(3);

    // An hour later the account may get links again.
    await db().update(passwordResets).set({ createdAt: Date.now() - HOUR - 1 }).where(eq(passwordResets.userId, user.id)).run();
    expect((await forgot(new Browser(), user.email)).status).toBe(200);
    expect(await resetsOf(user.id)).toHaveLength(4);
  });

  it("throttles one client asking for many addresses with a 429 that says nothing about accounts", async () => {
    const browser = new Browser();
    const owner = await insertUser();
    for (let i = 0; i < 19; i++) expect((await forgot(browser, `many-${i}-${crypto.randomUUID().slice(0, 6)}@example.test`)).status).toBe(200);
    expect((await forgot(browser, owner.email)).status).toBe(200);
    for (const email of [owner.email, "someone-else@example.test"]) {
      const refused = await forgot(browser, email);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThan(0);
      expect(await refused.text()).toContain("Too many password reset requests");
    }
    expect(await resetsOf(owner.id)).toHaveLength(1);
    // Another client is not affected; a local app (everyone is 127.0.0.1) is not counted per client.
    expect((await forgot(new Browser(), owner.email)).status).toBe(200);
    const local = new Browser();
    local.ip = "127.0.0.1";
    for (let i = 0; i < 21; i++) expect((await forgot(local, `local-${i}-${crypto.randomUUID().slice(0, 6)}@example.test`)).status).toBe(200);
  });

  it.each([
    [{ email: "not-an-email" }, "Enter a valid email address"],
    [{ email: "" }, "Email is required"],
    [{} as { email?: string }, "Email is required"],
  ])("rejects %j with a field error and stores nothing", async (fields: { email?: string }, message) => {
    const before = (await db().select().from(passwordResets).all()).length;
    const response = await new Browser().submit("/password/forgot", fields as Record<string, string>);
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain(message);
    expect(html).toContain('id="field-email-error"');
    if (fields.email) expect(html).toContain(`value="${fields.email}"`);
    expect((await db().select().from(passwordResets).all()).length).toBe(before);
  });
});

describe("using a reset link", () => {
  it("opening the link changes nothing; saving a new password signs in, signs out everywhere, audits and notifies", async () => {
    const { user, path, token } = await userWithLink("Ada Lovelace");
    // Once sent, the stored email no longer holds the link (only the recipient has it).
    const sent = await waitFor(() => db().select().from(emails).where(and(eq(emails.toAddress, user.email), eq(emails.template, "password-reset"), eq(emails.status, "sent"))).get());
    expect(sent.data).toMatchObject({ name: "Ada Lovelace", resetUrl: SECRET_REMOVED });
    // Two devices signed in before the reset, and an API key.
    const [laptop, phone] = [new Browser(), new Browser()];
    await laptop.login(user.email);
    await phone.login(user.email);
    const key = await laptop.json("/api/api-keys", { method: "POST", body: JSON.stringify({ name: "script" }), headers: { "Content-Type": "application/json" } });
    expect(key.status).toBe(201);
    const hashBefore = await hashOf(user.id);

    // A mail scanner (or a preview) opening the link twice uses nothing up.
    for (let i = 0; i < 2; i++) {
      const page = await new Browser().fetch(path);
      expect(page.status).toBe(200);
      expect(page.headers.get("Cache-Control")).toBe("private, no-store");
      const html = await page.text();
      expect(html).toContain("Choose a new password");
      expect(html).toContain(user.email);
    }
    expect((await resetsOf(user.id))[0]!.usedAt).toBeNull();

    const browser = new Browser();
    const done = await reset(browser, token);
    expect(done.status).toBe(302);
    expect(done.headers.get("Location")).toBe("/account?password=changed");
    const account = await browser.fetch("/account?password=changed");
    expect(account.status).toBe(200);
    const html = await account.text();
    expect(html).toContain("Your password has been changed");
    expect(html).toContain(user.email);

    // The old password no longer works, the new one does.
    expect(await hashOf(user.id)).not.toBe(hashBefore);
    expect(await hashOf(user.id)).toMatch(/^pbkdf2_sha256\$100000\$/);
    expect((await new Browser().submit("/login", { email: user.email, password: PASSWORD })).status).toBe(401);
    expect((await new Browser().submit("/login", { email: user.email, password: NEW_PASSWORD })).status).toBe(302);

    // Both devices were signed out; only sessions made after the reset are live.
    for (const old of [laptop, phone]) {
      const page = await old.fetch("/account");
      expect(page.status).toBe(302);
      expect(page.headers.get("Location")).toMatch(/^\/login/);
    }
    const [row] = await resetsOf(user.id);
    expect(row!.usedAt).not.toBeNull();
    const live = await db().select().from(sessions).where(and(eq(sessions.userId, user.id))).all();
    expect(live.filter((s) => s.revokedAt === null).map((s) => s.id)).toContain(row!.sessionId);
    expect(live.filter((s) => s.revokedAt !== null)).toHaveLength(2);
    // API keys are credentials of their own: they keep working (the email says how to revoke them).
    expect((await new Browser().fetch("/api/me", bearer(key.body.token))).status).toBe(200);

    const audit = await db().select().from(auditLog).where(and(eq(auditLog.targetId, user.id), eq(auditLog.action, "user.password_reset"))).all();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorId: user.id, targetType: "user", metadata: { via: "email_link", passwordResetId: row!.id } });
    expect(audit[0]!.requestId).toMatch(/^req_/);

    const mails = await mailFor(user.email, 2);
    expect(mails.map((m) => m.template)).toEqual(["password-reset", "password-changed"]);
    expect(mails[1]!.subject).toBe("Your Coursemint password was changed");
    expect(mails[1]!.text).toContain("Hi Ada Lovelace,");
    expect(mails[1]!.text).toContain("Every device that was signed in has been signed out.");

    // The link works once.
    const again = await reset(new Browser(), token, "yet-another-pass-7");
    expect(again.status).toBe(410);
    expect(await again.text()).toContain("This link has already been used");
    const reopened = await new Browser().fetch(path);
    expect(reopened.status).toBe(410);
    expect((await new Browser().submit("/login", { email: user.email, password: NEW_PASSWORD })).status).toBe(302);
  });

  it("two tabs saving the same link at once change the password exactly once", async () => {
    const { user, token } = await userWithLink();
    const tabs = [new Browser(), new Browser()];
    await Promise.all(tabs.map((b) => b.csrf()));
    const responses = await Promise.all([reset(tabs[0]!, token, "first-tab-pass-1"), reset(tabs[1]!, token, "second-tab-pass-2")]);
    expect(responses.map((r) => r.status).sort()).toEqual([302, 410]);
    const loser = responses.find((r) => r.status === 410)!;
    expect(await loser.text()).toContain("This link has already been used");
    const winner = responses.findIndex((r) => r.status === 302);
    const [won, lost] = winner === 0 ? ["first-tab-pass-1", "second-tab-pass-2"] : ["second-tab-pass-2", "first-tab-pass-1"];
    expect((await new Browser().submit("/login", { email: user.email, password: won })).status).toBe(302);
    expect((await new Browser().submit("/login", { email: user.email, password: lost })).status).toBe(401);
    // Only the winner is signed in, and one audit record.
    expect((await tabs[winner]!.fetch("/account")).status).toBe(200);
    expect((await tabs[1 - winner]!.fetch("/account")).status).toBe(302);
    const audit = await db().select().from(auditLog).where(and(eq(auditLog.targetId, user.id), eq(auditLog.action, "user.password_reset"))).all();
    expect(audit).toHaveLength(1);
  });

  it("two writes racing after both read the link as valid: the conditional claim lets exactly one change the password", async () => {
    const { user, token } = await userWithLink();
    // Both calls have read the link (valid) and hashed their password; only then do their batches run, at once.
    const app = () => createAppContext(env, createExecutionContext(), `req_race_${crypto.randomUUID().slice(0, 8)}`);
    const row = (await findByToken(app(), token))!;
    const [hashA, hashB] = await Promise.all([hashPassword("race-pass-a-1", 1000), hashPassword("race-pass-b-2", 1000)]);
    const results = await Promise.all([applyPasswordReset(app(), row, hashA, "tab A"), applyPasswordReset(app(), row, hashB, "tab B")]);
    expect(results.map((r) => r.status).sort()).toEqual(["reset", "used"]);
    const winner = results.findIndex((r) => r.status === "reset");
    expect(await hashOf(user.id)).toBe(winner === 0 ? hashA : hashB);
    const live = (await db().select().from(sessions).where(eq(sessions.userId, user.id)).all()).filter((s) => s.revokedAt === null);
    expect(live.map((s) => s.userAgent)).toEqual([winner === 0 ? "tab A" : "tab B"]);
    const audit = await db().select().from(auditLog).where(and(eq(auditLog.targetId, user.id), eq(auditLog.action, "user.password_reset"))).all();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.requestId).toMatch(/^req_race_/);
  });

  it("many parallel saves of one link: one success, every other one 'already used'", async () => {
    const { user, token } = await userWithLink();
    const browsers = Array.from({ length: 6 }, () => new Browser());
    await Promise.all(browsers.map((b) => b.csrf()));
    const responses = await Promise.all(browsers.map((b, i) => reset(b, token, `parallel-pass-${i}0`)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 302)).toHaveLength(1);
    expect(statuses.filter((s) => s === 410)).toHaveLength(5);
    const live = (await db().select().from(sessions).where(eq(sessions.userId, user.id)).all()).filter((s) => s.revokedAt === null);
    expect(live).toHaveLength(1);
  });

  it("using one link ends the user's other open links", async () => {
    const user = await insertUser();
    await forgot(new Browser(), user.email);
    await forgot(new Browser(), user.email);
    const [first, second] = (await resetLinks(user.email, 2)).map((l) => l) as [{ path: string; token: string }, { path: string; token: string }];
    expect((await reset(new Browser(), second.token)).status).toBe(302);
    const page = await new Browser().fetch(first.path);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain("This link no longer works");
    const post = await reset(new Browser(), first.token, "other-link-pass-3");
    expect(post.status).toBe(410);
    expect((await new Browser().submit("/login", { email: user.email, password: NEW_PASSWORD })).status).toBe(302);
    expect((await resetsOf(user.id)).map((r) => [r.usedAt !== null, r.revokedAt !== null]).sort()).toEqual([
      [false, true],
      [true, false],
    ]);
  });

  it("an expired link shows a clear page with a way to ask again and changes nothing", async () => {
    const { user, path, token } = await userWithLink();
    await db().update(passwordResets).set({ expiresAt: Date.now() - 1 }).where(eq(passwordResets.userId, user.id)).run();
    const hashBefore = await hashOf(user.id);
    const page = await new Browser().fetch(path);
    expect(page.status).toBe(410);
    const html = await page.text();
    expect(html).toContain("This link has expired");
    expect(html).toContain('href="/password/forgot"');
    expect(html).not.toContain("Save my new password");
    const post = await reset(new Browser(), token);
    expect(post.status).toBe(410);
    expect(await post.text()).toContain("This link has expired");
    expect(await hashOf(user.id)).toBe(hashBefore);
    expect((await resetsOf(user.id))[0]!.usedAt).toBeNull();
  });

  it.each([
    ["a well-formed token nobody was sent", "ab".repeat(32)],
    ["a truncated token", "abc123"],
    ["no token", ""],
    ["markup", "<script>x</script>"],
  ])("%s is an unknown link: a clear page, nothing changes", async (_label, token) => {
    const { user } = await userWithLink();
    const hashBefore = await hashOf(user.id);
    const page = await new Browser().fetch(`/password/reset?token=${encodeURIComponent(token)}`);
    expect(page.status).toBe(404);
    const html = await page.text();
    expect(html).toContain("This link doesn&#x27;t work");
    expect(html).toContain('href="/password/forgot"');
    const post = await reset(new Browser(), token);
    expect(post.status).toBe(404);
    expect(await hashOf(user.id)).toBe(hashBefore);
    expect((await resetsOf(user.id))[0]!.usedAt).toBeNull();
  });

  it("a wrong token for a real link (one character off) changes nothing", async () => {
    const { user, token } = await userWithLink();
    const wrong = token.slice(0, -1) + (token.endsWith("0") ? "1" : "0");
    const hashBefore = await hashOf(user.id);
    expect((await reset(new Browser(), wrong)).status).toBe(404);
    expect(await hashOf(user.id)).toBe(hashBefore);
    expect((await resetsOf(user.id))[0]!.usedAt).toBeNull();
  });

  it.each([
    ["a short password", "short1", "short1", "password", "Use at least 10 characters"],
    ["a password without a number", "onlyletterslong", "onlyletterslong", "password", "Use letters and at least one number"],
    ["mismatched passwords", NEW_PASSWORD, `${NEW_PASSWORD}x`, "confirmPassword", "The two passwords don&#x27;t match"],
    ["an empty confirmation", NEW_PASSWORD, "", "confirmPassword", "Type the new password again"],
  ])("%s is a field error on the form; nothing changes and the link still works", async (_label, password, confirmPassword, field, message) => {
    const { user, token } = await userWithLink();
    const signedIn = new Browser();
    await signedIn.login(user.email);
    const hashBefore = await hashOf(user.id);
    const response = await reset(new Browser(), token, password, confirmPassword);
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain(message);
    expect(html).toContain(`id="field-${field}-error"`);
    if (!confirmPassword) expect(html).not.toContain("don&#x27;t match");
    expect(html).toContain("Save my new password");
    expect(html).not.toContain(password);
    expect(await hashOf(user.id)).toBe(hashBefore);
    expect((await resetsOf(user.id))[0]!.usedAt).toBeNull();
    expect((await signedIn.fetch("/account")).status).toBe(200);
    expect((await reset(new Browser(), token)).status).toBe(302);
  });

  it("refuses both forms without the CSRF token", async () => {
    const { user, token } = await userWithLink();
    const browser = new Browser();
    await browser.csrf();
    const post = (path: string, fields: Record<string, string>) =>
      browser.fetch(path, { method: "POST", body: new URLSearchParams(fields), headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    expect((await post("/password/forgot", { email: user.email })).status).toBe(403);
    expect(await resetsOf(user.id)).toHaveLength(1);
    const hashBefore = await hashOf(user.id);
    expect((await post("/password/reset", { token, password: NEW_PASSWORD, confirmPassword: NEW_PASSWORD })).status).toBe(403);
    expect(await hashOf(user.id)).toBe(hashBefore);
  });

  it("a reset clears a log-in lockout for the address", async () => {
    const { user, token } = await userWithLink();
    for (let i = 0; i < 5; i++) await new Browser().submit("/login", { email: user.email, password: "wrong-password-1" });
    expect((await new Browser().submit("/login", { email: user.email, password: PASSWORD })).status).toBe(429);
    expect((await reset(new Browser(), token)).status).toBe(302);
    expect((await new Browser().submit("/login", { email: user.email, password: NEW_PASSWORD })).status).toBe(302);
  });
});

describe("the login page", () => {
  it("links to the reset form", async () => {
    const html = await (await new Browser().fetch("/login")).text();
    expect(html).toMatch(/<a[^>]*href="\/password\/forgot"[^>]*>Forgot your password\?<\/a>/);
  });
});

describe("cron", () => {
  it("deletes reset links a day after they expired, used or not, and keeps the rest", async () => {
    const { user, token } = await userWithLink();
    const { user: other } = await userWithLink();
    const { user: recent } = await userWithLink();
    expect((await reset(new Browser(), token)).status).toBe(302);
    const longAgo = Date.now() - DAY - HOUR;
    await db().update(passwordResets).set({ expiresAt: longAgo }).where(eq(passwordResets.userId, user.id)).run();
    await db().update(passwordResets).set({ expiresAt: longAgo }).where(eq(passwordResets.userId, other.id)).run();
    await db().update(passwordResets).set({ expiresAt: Date.now() - 2 * HOUR }).where(eq(passwordResets.userId, recent.id)).run();

    // The job as the quarter-hourly cron runs it.
    const job = cronJobs["*/15 * * * *"]!.find((j) => j.name === "auth.purge-password-resets")!;
    await job.run(createAppContext(env, createExecutionContext(), "req_purge_resets"), {} as ScheduledController);
    expect(await resetsOf(user.id)).toHaveLength(0); // used
    expect(await resetsOf(other.id)).toHaveLength(0); // never used
    expect(await resetsOf(recent.id)).toHaveLength(1); // its link still answers "expired"
    // The audit record of the reset stays.
    expect(await db().select().from(auditLog).where(and(eq(auditLog.targetId, user.id), eq(auditLog.action, "user.password_reset"))).all()).toHaveLength(1);
  });
});
