import { and, desc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { emailOutbox, organizationInvitations, organizationMembers } from "~drizzle/schema";
import { Browser, db, insertUser, waitFor } from "../helpers";
import { adminChange, issueLicense } from "./helpers";

const enterprisePage = (orgId: string) => `/enterprise?organizationId=${orgId}`;

/** Invites `email` from the owner's dashboard and returns the link's token (read from the sent email). */
async function invite(owner: Browser, orgId: string, email: string) {
  const res = await owner.submit(enterprisePage(orgId), { intent: "invite", email, role: "member" });
  expect(res.status).toBe(200);
  const before = (await db().select().from(emailOutbox).where(and(eq(emailOutbox.toAddress, email), eq(emailOutbox.template, "organization-invitation"))).all()).length;
  const mail = await waitFor(async () => {
    const rows = await db().select().from(emailOutbox).where(and(eq(emailOutbox.toAddress, email), eq(emailOutbox.template, "organization-invitation"))).orderBy(desc(emailOutbox.createdAt)).all();
    return rows.length > before && /invitations\/[0-9a-f]{64}/.test(rows[0]!.text ?? "") ? rows[0] : null;
  });
  // The emailed link opens the invitation page itself.
  const link = /Accept the invitation: (\S+)/.exec(mail!.text!)![1]!;
  expect(new URL(link).pathname).toMatch(/^\/enterprise\/invitations\/[0-9a-f]{64}$/);
  expect((await new Browser().fetch(new URL(link).pathname)).status).toBe(200);
  return /invitations\/([0-9a-f]{64})/.exec(mail!.text!)![1]!;
}

const accept = (browser: Browser, token: string) => browser.submit(`/enterprise/invitations/${token}`, {});
const members = (orgId: string) => db().select().from(organizationMembers).where(eq(organizationMembers.organizationId, orgId)).all();

describe("organization invitations", () => {
  it("stores only the link's hash; the invited address accepts once, others cannot; revoked and resent links stop working", async () => {
    const { license, ownerBrowser } = await issueLicense({ tier: "enterprise", maxSeats: 5 });
    const orgId = license.organizationId;
    const person = await insertUser("student");
    const token = await invite(ownerBrowser, orgId, person.email);
    const row = await db().select().from(organizationInvitations).where(eq(organizationInvitations.email, person.email)).get();
    expect(row!.tokenHash).not.toContain(token);
    expect(row!.expiresAt - row!.createdAt).toBe(7 * 86_400_000);

    // Anonymous visitors are offered sign-up (with the address) or log-in, back to the link.
    const anon = await (await new Browser().fetch(`/enterprise/invitations/${token}`)).text();
    expect(anon).toContain(`/signup?redirectTo=${encodeURIComponent(`/enterprise/invitations/${token}`)}`);

    // Someone else signed in cannot use it.
    const other = await insertUser("student");
    const otherBrowser = new Browser();
    await otherBrowser.login(other.email);
    expect((await accept(otherBrowser, token)).status).toBe(403);

    const browser = new Browser();
    await browser.login(person.email);
    const ok = await accept(browser, token);
    expect(ok.status).toBe(302);
    expect(ok.headers.get("Location")).toBe(enterprisePage(orgId));
    expect((await members(orgId)).map((m) => m.userId)).toContain(person.id);
    // Admins are told.
    await waitFor(() => db().select().from(emailOutbox).where(eq(emailOutbox.template, "organization-member-joined")).get());

    // Resend: the old link stops working; revoke: the new one too.
    const second = await insertUser("student");
    const first = await invite(ownerBrowser, orgId, second.email);
    const inv = (await db().select().from(organizationInvitations).where(eq(organizationInvitations.email, second.email)).get())!;
    expect((await ownerBrowser.submit(enterprisePage(orgId), { intent: "resend-invitation", invitationId: inv.id })).status).toBe(200);
    const secondBrowser = new Browser();
    await secondBrowser.login(second.email);
    expect((await accept(secondBrowser, first)).status).toBe(404);
    expect((await ownerBrowser.submit(enterprisePage(orgId), { intent: "revoke-invitation", invitationId: inv.id, confirm: "yes" })).status).toBe(200);
    expect((await db().select().from(organizationInvitations).where(eq(organizationInvitations.id, inv.id)).get())!.revokedAt).not.toBeNull();
  });

  it("Promise.all: two invitations for the last free seat give one member; one link in two tabs gives one membership", async () => {
    const { license, ownerBrowser } = await issueLicense({ tier: "enterprise", maxSeats: 2 }); // the owner holds one seat
    const orgId = license.organizationId;
    const [a, b] = [await insertUser("student"), await insertUser("student")];
    const [ta, tb] = [await invite(ownerBrowser, orgId, a.email), await invite(ownerBrowser, orgId, b.email)];
    const [ba, bb] = [new Browser(), new Browser()];
    await ba.login(a.email);
    await bb.login(b.email);
    const answers = await Promise.all([accept(ba, ta), accept(bb, tb)]);
    expect(answers.map((r) => r.status).sort()).toEqual([302, 409]); // the loser gets the page back (409) with "All 2 seats … are taken"
    expect(await members(orgId)).toHaveLength(2);
    const pending = await db().select().from(organizationInvitations).where(eq(organizationInvitations.organizationId, orgId)).all();
    expect(pending.filter((i) => i.acceptedAt !== null)).toHaveLength(1); // the other invitation stays usable

    // One link, two tabs of the same person.
    const big = await issueLicense({ tier: "enterprise", maxSeats: 10 });
    const c = await insertUser("student");
    const tc = await invite(big.ownerBrowser, big.license.organizationId, c.email);
    const bc = new Browser();
    await bc.login(c.email);
    const tabs = await Promise.all([accept(bc, tc), accept(bc, tc), accept(bc, tc)]);
    expect(tabs.every((r) => r.status === 302)).toBe(true);
    expect((await members(big.license.organizationId)).filter((m) => m.userId === c.id)).toHaveLength(1);
    // The admins hear of it once, though three tabs accepted (the email goes through the queue: wait for it).
    const joinedMails = async () =>
      (await db().select().from(emailOutbox).where(and(eq(emailOutbox.template, "organization-member-joined"), eq(emailOutbox.toAddress, big.owner.email))).all()).filter((e) => e.text.includes(c.email));
    await waitFor(async () => (await joinedMails()).length > 0);
    expect(await joinedMails()).toHaveLength(1);
  });

  it("refuses invitations when every seat is taken, and a suspended licence ends seats with an email to each member", async () => {
    const { license, ownerBrowser, owner } = await issueLicense({ tier: "enterprise", maxSeats: 2 });
    const orgId = license.organizationId;
    const m = await insertUser("student");
    const t = await invite(ownerBrowser, orgId, m.email);
    const mb = new Browser();
    await mb.login(m.email);
    expect((await accept(mb, t)).status).toBe(302);
    const full = await ownerBrowser.submit(enterprisePage(orgId), { intent: "invite", email: "late@example.com" });
    expect(full.status).toBe(409);
    expect(await full.text()).toContain("All 2 seats are taken");

    expect((await adminChange(license.id, { action: "suspend", reason: "unpaid invoice" })).status).toBe(200);
    for (const to of [m.email, owner.email]) {
      const mail = await waitFor(() => db().select().from(emailOutbox).where(and(eq(emailOutbox.toAddress, to), eq(emailOutbox.template, "organization-seat-ended"))).get());
      expect(mail.text).toContain("licence was suspended");
    }
  });
});
