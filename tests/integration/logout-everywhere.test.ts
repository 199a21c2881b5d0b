import { SELF } from "cloudflare:test";
import { and, eq, isNull } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { apiTokens, auditLog, sessions } from "~drizzle/schema";
import { bearer, Browser, db, jsonBody, ORIGIN, signedInAs } from "../helpers";

async function setup() {
  const { user, browser } = await signedInAs("student");
  const second = new Browser();
  await second.login(user.email);
  const a = await browser.json("/api/api-keys", jsonBody({ name: "ci" }));
  const b = await browser.json("/api/api-keys", jsonBody({ name: "backup" }));
  const other = await signedInAs("student");
  const foreign = await other.browser.json("/api/api-keys", jsonBody({ name: "theirs" }));
  return { user, browser, second, tokens: [a.body.token as string, b.body.token as string], foreign: foreign.body.token as string };
}

const liveTokens = (userId: string) => db().select().from(apiTokens).where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt))).all();
const me = (token: string) => SELF.fetch(`${ORIGIN}/api/me`, bearer(token)).then((r) => r.status);

describe("log out everywhere", () => {
  it("revokes every session and, by default (box ticked), every API token", async () => {
    const { user, browser, second, tokens, foreign } = await setup();
    // Revoking every key asks first: the first POST only shows the confirmation step.
    const ask = await browser.submit("/account", { intent: "logout-everywhere", revokeTokens: "on" });
    expect(ask.status).toBe(200);
    expect(await ask.text()).toContain("Log out everywhere and revoke all your API keys?");
    expect(await liveTokens(user.id)).toHaveLength(2);
    expect((await second.fetch("/account")).status).toBe(200); // nobody was signed out yet
    const res = await browser.submit("/account", { intent: "logout-everywhere", revokeTokens: "on", confirm: "yes" });
    expect(res.status).toBe(302);
    expect((await second.fetch("/account")).status).toBe(302); // the other device is signed out
    expect(await db().select().from(sessions).where(and(eq(sessions.userId, user.id), isNull(sessions.revokedAt))).all()).toHaveLength(0);
    expect(await liveTokens(user.id)).toHaveLength(0);
    for (const token of tokens) expect(await me(token)).toBe(401);
    expect(await me(foreign)).toBe(200); // someone else's token is untouched
    const audit = await db().select().from(auditLog).where(and(eq(auditLog.actorId, user.id), eq(auditLog.action, "api_token.revoked_all"))).all();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.metadata).toMatchObject({ count: 2 });
  });

  it("keeps API tokens when the box is unticked", async () => {
    const { user, browser, second, tokens } = await setup();
    expect((await browser.submit("/account", { intent: "logout-everywhere" })).status).toBe(302);
    expect((await second.fetch("/account")).status).toBe(302);
    expect(await liveTokens(user.id)).toHaveLength(2);
    for (const token of tokens) expect(await me(token)).toBe(200);
  });

  it("the page offers the choice, ticked by default", async () => {
    const { browser } = await signedInAs("student");
    const html = await (await browser.fetch("/account")).text();
    expect(html).toMatch(/<input type="checkbox" name="revokeTokens" checked=""/);
  });

  it("DELETE /api/api-keys revokes all of the caller's tokens, the calling one too", async () => {
    const { user, tokens, foreign } = await setup();
    const res = await SELF.fetch(`${ORIGIN}/api/api-keys`, bearer(tokens[0]!, { method: "DELETE" }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ revoked: 2 });
    expect(await liveTokens(user.id)).toHaveLength(0);
    expect(await me(tokens[1]!)).toBe(401);
    expect(await me(foreign)).toBe(200);
    expect((await SELF.fetch(`${ORIGIN}/api/api-keys`, { method: "DELETE" })).status).toBe(401);
  });
});
