import { and, eq } from "drizzle-orm";
import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DAY } from "~/utils/clock";
import { SECRET_REMOVED } from "~/modules/email/templates";
import { auditLog, emails, loginThrottle, signupConfirmations, users } from "~drizzle/schema";
import { Browser, db, insertUser, mailFor, PASSWORD, waitFor } from "../helpers";
import { createAppContext } from "../../workers/app";
import { cronJobs } from "../../workers/cron";

/*
 * Sign-up by confirmed email (issue 11, finding 9): the form never tells whether an address has an
 * account; the account is created from the emailed link, once.
 */

let n = 0;
const uniqueEmail = (label = "new") => `${label}-${++n}-${crypto.randomUUID().slice(0, 8)}@example.test`;
const countUsers = async (email: string) => (await db().select().from(users).where(eq(users.email, email)).all()).length;
const pendingFor = (email: string) => db().select().from(signupConfirmations).where(eq(signupConfirmations.email, email)).all();

/** The path of the confirmation link in the newest confirmation email to `email`. */
async function confirmationPath(email: string, count = 1) {
  const mails = (await mailFor(email, count)).filter((m) => m.template === "signup-confirm");
  const link = /Confirm my email: (\S+)/.exec(mails.at(-1)!.text)![1]!;
  const url = new URL(link);
  return { path: url.pathname + url.search, token: url.searchParams.get("token")! };
}

/** The "check your inbox" part of the answer, without per-response values (nonces, CSRF tokens, request ids). */
function sentSection(html: string) {
  const section = /<section[^>]*data-testid="signup-sent"[\s\S]*?<\/section>/.exec(html);
  return section?.[0] ?? null;
}

async function signUpForm(browser: Browser, fields: Partial<Record<"name" | "email" | "password" | "redirectTo", string>>) {
  return browser.submit("/signup", { name: "Lin", password: "a-strong-pass-9", ...fields } as Record<string, string>);
}

describe("sign up keeps where the person was going", () => {
  it("'Sign up for Pro' (redirectTo=/pricing) lands back on /pricing after confirming; other sites are dropped", async () => {
    const email = uniqueEmail("intent");
    const page = await (await new Browser().fetch("/signup?redirectTo=%2Fpricing")).text();
    expect(page).toContain('name="redirectTo" value="/pricing"');
    await signUpForm(new Browser(), { email, redirectTo: "/pricing" });
    const { path, token } = await confirmationPath(email);
    expect(new URL(path, "http://x").searchParams.get("next")).toBe("/pricing");
    const browser = new Browser();
    expect(await (await browser.fetch(path)).text()).toContain('name="next" value="/pricing"');
    const confirmed = await browser.submit(path, { token, password: "a-strong-pass-9", next: "/pricing" });
    expect(confirmed.status).toBe(302);
    expect(confirmed.headers.get("Location")).toBe("/pricing");

    const other = uniqueEmail("hostile");
    await signUpForm(new Browser(), { email: other, redirectTo: "//evil.example" });
    const hostile = await confirmationPath(other);
    expect(hostile.path).not.toContain("next=");
    const landed = await new Browser().submit(hostile.path, { token: hostile.token, password: "a-strong-pass-9", next: "https://evil.example/" });
    expect(landed.headers.get("Location")).toBe("/learning?welcome=1");
  });
});

describe("sign up asks for a confirmed email", () => {
  it("answers 'check your inbox', stores a pending sign-up with only hashes, and emails a link", async () => {
    const email = uniqueEmail();
    const response = await signUpForm(new Browser(), { name: "Lin", email: `  ${email.toUpperCase()} ` });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(sentSection(html)).toContain(`We sent an email to <strong>${email}</strong>`);
    expect(response.headers.get("Set-Cookie") ?? "").not.toContain("__session");
    expect(await countUsers(email)).toBe(0);

    const [pending] = await pendingFor(email);
    expect(pending).toMatchObject({ name: "Lin", consumedAt: null, userId: null });
    expect(pending!.passwordHash).toMatch(/^pbkdf2_sha256\$100000\$/);
    expect(pending!.expiresAt - pending!.createdAt).toBe(DAY);

    const { token } = await confirmationPath(email);
    expect(pending!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(pending!.tokenHash).not.toBe(token);
    expect(JSON.stringify(pending)).not.toContain(token);
    const [mail] = await mailFor(email);
    expect(mail!.subject).toBe("Confirm your email to finish signing up for Coursemint");
    // Once sent, the stored email keeps its data but not the link (only the recipient has it).
    const sent = await waitFor(() => db().select().from(emails).where(and(eq(emails.toAddress, email), eq(emails.status, "sent"))).get());
    expect(sent.data).toMatchObject({ name: "Lin", confirmUrl: SECRET_REMOVED });
    expect(JSON.stringify(sent)).not.toContain(token);
  });

  it("opening the link changes nothing; confirming creates the account once, signs in and audits it", async () => {
    const email = uniqueEmail();
    await signUpForm(new Browser(), { name: "Ada", email });
    const { path, token } = await confirmationPath(email);

    // A mail scanner (or a preview) opening the link twice uses nothing up.
    const scanner = new Browser();
    for (let i = 0; i < 2; i++) {
      const page = await scanner.fetch(path);
      expect(page.status).toBe(200);
      expect(page.headers.get("Cache-Control")).toBe("private, no-store");
      const html = await page.text();
      expect(html).toContain("Confirm and create my account");
      expect(html).toContain(email);
    }
    expect(await countUsers(email)).toBe(0);
    expect((await pendingFor(email))[0]!.consumedAt).toBeNull();

    const browser = new Browser();
    await browser.fetch(path);
    // Only whoever chose the password can confirm (someone signing up with another person's address cannot).
    for (const password of ["", "not-the-one-99"]) {
      const refused = await browser.submit(path, { token, password });
      expect(refused.status).toBe(400);
      expect(await refused.text()).toContain("Enter the password you chose when you signed up.");
    }
    expect(await countUsers(email)).toBe(0);
    expect((await pendingFor(email))[0]!.consumedAt).toBeNull();
    const confirmed = await browser.submit(path, { token, password: "a-strong-pass-9" });
    expect(confirmed.status).toBe(302);
    expect(confirmed.headers.get("Location")).toBe("/learning?welcome=1");
    const user = await db().select().from(users).where(eq(users.email, email)).get();
    expect(user).toMatchObject({ name: "Ada", role: "student" });
    expect(user!.passwordHash).toBe((await pendingFor(email))[0]!.passwordHash);
    const account = await browser.fetch("/account");
    expect(account.status).toBe(200);
    expect(await account.text()).toContain(email);
    // The chosen password works for logging in later.
    expect((await new Browser().submit("/login", { email, password: "a-strong-pass-9" })).status).toBe(302);

    const [pending] = await pendingFor(email);
    expect(pending).toMatchObject({ userId: user!.id });
    expect(pending!.consumedAt).not.toBeNull();
    const audit = await db().select().from(auditLog).where(and(eq(auditLog.targetId, user!.id), eq(auditLog.action, "user.signed_up"))).all();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorId: user!.id, targetType: "user", metadata: { via: "email_confirmation", signupConfirmationId: pending!.id } });
    expect(audit[0]!.requestId).toMatch(/^req_/);

    // The link works once: used again (another browser, or the same one) it changes nothing.
    const again = await new Browser().submit(path, { token, password: "a-strong-pass-9" });
    expect(again.status).toBe(410);
    expect(await again.text()).toContain("This link has already been used");
    const reopened = await new Browser().fetch(path);
    expect(reopened.status).toBe(410);
    expect(await countUsers(email)).toBe(1);
  });

  it("an existing address gets the same answer, and its owner gets a 'you already have an account' email", async () => {
    const owner = await insertUser("student", { name: "Owner Person" });
    const fresh = uniqueEmail();
    const forExisting = await signUpForm(new Browser(), { name: "Mallory", email: owner.email, password: "another-pass-77" });
    const forNew = await signUpForm(new Browser(), { name: "Mallory", email: fresh, password: "another-pass-77" });
    expect(forExisting.status).toBe(forNew.status);
    expect(forExisting.status).toBe(200);
    const [a, b] = [sentSection(await forExisting.text()), sentSection(await forNew.text())];
    expect(a).not.toBeNull();
    expect(a!.replace(owner.email, "<address>")).toBe(b!.replace(fresh, "<address>"));
    expect([...forExisting.headers.keys()].sort()).toEqual([...forNew.headers.keys()].sort());

    const [mail] = await mailFor(owner.email);
    expect(mail!.template).toBe("signup-existing-account");
    expect(mail!.subject).toBe("Someone tried to sign up for Coursemint with your email");
    expect(mail!.text).toContain("Hi Owner Person,");
    expect(mail!.text).toMatch(/Log in: http:\/\/\S+\/login/);
    expect(mail!.text).not.toContain("Mallory");
    expect(await pendingFor(owner.email)).toHaveLength(0);
    // The account is untouched: same name, the old password still works.
    expect(await db().select().from(users).where(eq(users.email, owner.email)).all()).toMatchObject([{ id: owner.id, name: "Owner Person" }]);
    expect((await new Browser().submit("/login", { email: owner.email, password: PASSWORD })).status).toBe(302);
    expect((await new Browser().submit("/login", { email: owner.email, password: "another-pass-77" })).status).toBe(401);
  });

  it("the cron deletes sign-ups never confirmed a week after their link expired, and keeps confirmed ones", async () => {
    const [stale, recent, confirmed] = [uniqueEmail("stale"), uniqueEmail("recent"), uniqueEmail("confirmed")];
    for (const email of [stale, recent, confirmed]) await signUpForm(new Browser(), { email });
    const { path, token } = await confirmationPath(confirmed);
    expect((await new Browser().submit(path, { token, password: "a-strong-pass-9" })).status).toBe(302);
    const longAgo = Date.now() - 8 * DAY;
    await db().update(signupConfirmations).set({ expiresAt: longAgo }).where(eq(signupConfirmations.email, stale)).run();
    await db().update(signupConfirmations).set({ expiresAt: Date.now() - 6 * DAY }).where(eq(signupConfirmations.email, recent)).run();
    await db().update(signupConfirmations).set({ expiresAt: longAgo }).where(eq(signupConfirmations.email, confirmed)).run();

    // The job as the quarter-hourly cron runs it.
    const job = cronJobs["*/15 * * * *"]!.find((j) => j.name === "auth.purge-unconfirmed-signups")!;
    await job.run(createAppContext(env, createExecutionContext(), "req_purge"), {} as ScheduledController);
    expect(await pendingFor(stale)).toHaveLength(0);
    expect(await pendingFor(recent)).toHaveLength(1); // its link still answers "expired"
    expect(await pendingFor(confirmed)).toHaveLength(1);
    expect(await countUsers(confirmed)).toBe(1);
  });

  it("an expired link shows a clear page and creates nothing", async () => {
    const email = uniqueEmail();
    await signUpForm(new Browser(), { email });
    const { path, token } = await confirmationPath(email);
    await db().update(signupConfirmations).set({ expiresAt: Date.now() - 1 }).where(eq(signupConfirmations.email, email)).run();

    const page = await new Browser().fetch(path);
    expect(page.status).toBe(410);
    const html = await page.text();
    expect(html).toContain("This link has expired");
    expect(html).not.toContain("Confirm and create my account");
    const post = await new Browser().submit(path, { token });
    expect(post.status).toBe(410);
    expect(await post.text()).toContain("This link has expired");
    expect(await countUsers(email)).toBe(0);
    expect((await pendingFor(email))[0]!.consumedAt).toBeNull();
  });

  it.each([
    ["a well-formed token nobody was sent", "ab".repeat(32)],
    ["a truncated token", "abc123"],
    ["no token", ""],
    ["markup", "<script>x</script>"],
  ])("%s is an unknown link: a clear page, nothing changes", async (_label, token) => {
    const before = (await db().select().from(users).all()).length;
    const page = await new Browser().fetch(`/signup/confirm?token=${encodeURIComponent(token)}`);
    expect(page.status).toBe(404);
    expect(await page.text()).toContain("This link doesn&#x27;t work");
    const post = await new Browser().submit("/signup/confirm", { token });
    expect(post.status).toBe(404);
    expect((await db().select().from(users).all()).length).toBe(before);
  });

  it("a wrong token for a real pending sign-up does not confirm it", async () => {
    const email = uniqueEmail();
    await signUpForm(new Browser(), { email });
    const { token } = await confirmationPath(email);
    const wrong = token.slice(0, -1) + (token.endsWith("0") ? "1" : "0");
    const post = await new Browser().submit("/signup/confirm", { token: wrong });
    expect(post.status).toBe(404);
    expect(await countUsers(email)).toBe(0);
  });

  it("parallel confirms of one link create one user, one session answer and one audit record", async () => {
    const email = uniqueEmail();
    await signUpForm(new Browser(), { email });
    const { path, token } = await confirmationPath(email);
    const browsers = Array.from({ length: 8 }, () => new Browser());
    await Promise.all(browsers.map((b) => b.csrf()));
    const responses = await Promise.all(browsers.map((b) => b.submit(path, { token, password: "a-strong-pass-9" })));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 302)).toHaveLength(1);
    expect(statuses.filter((s) => s === 410)).toHaveLength(7);
    const created = await db().select().from(users).where(eq(users.email, email)).all();
    expect(created).toHaveLength(1);
    const audit = await db().select().from(auditLog).where(and(eq(auditLog.targetId, created[0]!.id), eq(auditLog.action, "user.signed_up"))).all();
    expect(audit).toHaveLength(1);
  });

  it("two pending sign-ups for one address confirmed in parallel make one account (the unique email decides)", async () => {
    const email = uniqueEmail();
    await signUpForm(new Browser(), { email, name: "First" });
    await signUpForm(new Browser(), { email, name: "Second" });
    const mails = (await mailFor(email, 2)).filter((m) => m.template === "signup-confirm");
    expect(mails).toHaveLength(2);
    const tokens = mails.map((m) => new URL(/Confirm my email: (\S+)/.exec(m.text)![1]!).searchParams.get("token")!);
    expect(new Set(tokens).size).toBe(2);
    const [a, b] = [new Browser(), new Browser()];
    await Promise.all([a.csrf(), b.csrf()]);
    const responses = await Promise.all([a.submit("/signup/confirm", { token: tokens[0]!, password: "a-strong-pass-9" }), b.submit("/signup/confirm", { token: tokens[1]!, password: "a-strong-pass-9" })]);
    expect(responses.map((r) => r.status).sort()).toEqual([302, 409]);
    const loser = responses.find((r) => r.status === 409)!;
    expect(await loser.text()).toContain("You already have an account");
    expect(await countUsers(email)).toBe(1);
    // The loser's link stays unused but can never make a second account.
    expect((await pendingFor(email)).filter((p) => p.consumedAt !== null)).toHaveLength(1);
  });

  it("throttles sign-ups per address the same way whether or not it has an account", async () => {
    const owner = await insertUser();
    const fresh = uniqueEmail();
    for (const email of [owner.email, fresh]) {
      for (let i = 0; i < 5; i++) expect((await signUpForm(new Browser(), { email })).status).toBe(200);
      const refused = await signUpForm(new Browser(), { email });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThan(0);
      expect(await refused.text()).toContain("Too many sign-up attempts");
    }
    expect(await pendingFor(fresh)).toHaveLength(5);
    // Sign-up attempts are not failed log-ins: the owner can still log in.
    expect((await new Browser().submit("/login", { email: owner.email, password: PASSWORD })).status).toBe(302);
    const row = await db().select().from(loginThrottle).where(eq(loginThrottle.key, `signup-email:${fresh}`)).get();
    expect(row!.failures).toBe(5);
  });

  it("throttles sign-ups per client address across emails", async () => {
    const browser = new Browser();
    for (let i = 0; i < 20; i++) expect((await signUpForm(browser, { email: uniqueEmail("ip") })).status).toBe(200);
    expect((await signUpForm(browser, { email: uniqueEmail("ip") })).status).toBe(429);
    // A local app (every browser is 127.0.0.1) counts per address only.
    const local = new Browser();
    local.ip = "127.0.0.1";
    for (let i = 0; i < 21; i++) expect((await signUpForm(local, { email: uniqueEmail("local") })).status).toBe(200);
  });

  it.each([
    [{ name: "A", email: "not-an-email", password: "a-strong-pass-9" }, "email", "Enter a valid email address"],
    [{ name: "A", email: "a@b.co", password: "short1" }, "password", "Use at least 10 characters"],
    [{ name: "A", email: "a@b.co", password: "onlyletterslong" }, "password", "Use letters and at least one number"],
    [{ name: "", email: "a@b.co", password: "a-strong-pass-9" }, "name", "Name is required"],
  ])("rejects %j with a field error, keeps input and writes nothing", async (fields, field, message) => {
    const pendingBefore = (await db().select().from(signupConfirmations).all()).length;
    const response = await new Browser().submit("/signup", fields);
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain(message);
    expect(html).toContain(`id="field-${field}-error"`);
    if (fields.email) expect(html).toContain(`value="${fields.email}"`);
    expect(html).not.toContain(fields.password);
    expect((await db().select().from(signupConfirmations).all()).length).toBe(pendingBefore);
  });

  it("refuses the forms without the CSRF token", async () => {
    const email = uniqueEmail();
    const browser = new Browser();
    await browser.csrf();
    const post = (path: string, fields: Record<string, string>) =>
      browser.fetch(path, { method: "POST", body: new URLSearchParams(fields), headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    expect((await post("/signup", { name: "C", email, password: "a-strong-pass-9" })).status).toBe(403);
    expect(await pendingFor(email)).toHaveLength(0);

    await signUpForm(new Browser(), { email });
    const { token } = await confirmationPath(email);
    expect((await post("/signup/confirm", { token })).status).toBe(403);
    expect(await countUsers(email)).toBe(0);
  });
});
