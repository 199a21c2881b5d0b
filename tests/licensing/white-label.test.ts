import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { sendEmail } from "~/modules/email/email.server";
import { emailOutbox } from "~drizzle/schema";
import { Browser, db, insertUser, ORIGIN, waitFor } from "../helpers";
import { appWith, issueLicense } from "./helpers";

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);

async function brand(browser: Browser, organizationId: string, fields: Record<string, string>, logo?: Uint8Array<ArrayBuffer>) {
  const form = new FormData();
  form.set("csrf", await browser.csrf());
  form.set("intent", "branding");
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  if (logo) form.set("logo", new File([logo], "logo.png", { type: "image/png" }));
  return browser.fetch(`/enterprise?organizationId=${organizationId}`, { method: "POST", body: form });
}

describe("white-label", () => {
  it("members of an Enterprise-licensed organization see its branding on every page and in their emails", async () => {
    const { license, ownerBrowser, owner } = await issueLicense({ tier: "enterprise" });
    const res = await brand(ownerBrowser, license.organizationId, { name: "Acme Academy", primaryColor: "#aa3300", supportEmail: "help@acme.example" }, PNG);
    expect(res.status).toBe(200);

    const member = await insertUser("student");
    expect((await ownerBrowser.submit(`/enterprise?organizationId=${license.organizationId}`, { intent: "add-member", email: member.email })).status).toBe(200);
    const memberBrowser = new Browser();
    await memberBrowser.login(member.email);
    for (const path of ["/", "/courses", "/account"]) {
      const html = await (await memberBrowser.fetch(path)).text();
      expect(html, path).toContain("Acme Academy");
      // The colours come from a same-origin stylesheet (the CSP allows no inline style), never inline.
      const theme = /<link rel="stylesheet" href="(\/branding\/org_[0-9a-z]+\/theme\.css\?v=[^"]+)"/.exec(html)?.[1];
      expect(theme, path).toBeTruthy();
      expect(html, path).not.toContain("--mint:#aa3300");
      const css = await memberBrowser.fetch(theme!.replaceAll("&amp;", "&"));
      expect(css.headers.get("Content-Type"), path).toContain("text/css");
      expect(await css.text(), path).toContain("--mint: #aa3300;");
      expect(html, path).toContain("help@acme.example");
    }
    // Titles carry the organization's name, also on the public certificate check.
    expect(await (await memberBrowser.fetch("/certificates/verify")).text()).toContain("<title>Verify a certificate · Acme Academy</title>");
    expect(await (await memberBrowser.fetch("/account/billing")).text()).toContain("<title>Billing · Acme Academy</title>");
    const logoUrl = /src="(http:\/\/[^"]+\/branding\/[^"]+)"/.exec(await (await memberBrowser.fetch("/")).text())![1]!;
    const logo = await new Browser().fetch(new URL(logoUrl).pathname);
    expect(logo.status).toBe(200);
    expect(logo.headers.get("Content-Type")).toBe("image/png");
    expect(new Uint8Array(await logo.arrayBuffer())).toEqual(PNG);

    // Someone outside the organization sees Coursemint.
    const outsider = await insertUser("student");
    const outsiderBrowser = new Browser();
    await outsiderBrowser.login(outsider.email);
    expect(await (await outsiderBrowser.fetch("/")).text()).not.toContain("Acme Academy");

    // Emails to members carry the branding; emails to others do not.
    const { app, done } = appWith();
    for (const to of [member.email, outsider.email]) {
      await sendEmail(app, {
        template: "tokens-awarded",
        to,
        idempotencyKey: `wl-test/${to}`,
        data: { name: "Sam", tokens: 5, reason: "Finished a module", balance: 5, awardedAt: Date.now(), walletUrl: `${ORIGIN}/account` },
      });
    }
    await done();
    const mailTo = (to: string) => waitFor(() => db().select().from(emailOutbox).where(eq(emailOutbox.toAddress, to)).get());
    const branded = await mailTo(member.email);
    expect(branded.html).toContain("Acme Academy");
    expect(branded.html).toContain("#aa3300");
    expect(branded.text).toContain("Acme Academy · powered by Coursemint · Support: help@acme.example");
    const plain = await mailTo(outsider.email);
    expect(plain.html).not.toContain("Acme Academy");
    void owner;
  });

  it("tiers without white-label get 403 feature_locked with the upgrade hint; bad logos are refused", async () => {
    const pro = await issueLicense({ tier: "pro" });
    const api = new FormData();
    api.set("organizationId", pro.license.organizationId);
    api.set("name", "Pro Org");
    const res = await pro.ownerBrowser.fetch("/api/enterprise/branding", { method: "POST", body: api });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: { code: "feature_locked", details: { feature: "white_label", requiredTier: "enterprise", upgradeUrl: "/pricing?feature=white_label" } } });
    const page = await (await pro.ownerBrowser.fetch(`/enterprise?organizationId=${pro.license.organizationId}`)).text();
    expect(page).toContain('data-testid="branding-locked"');

    const ent = await issueLicense({ tier: "enterprise" });
    const bad = await brand(ent.ownerBrowser, ent.license.organizationId, { name: "Evil" }, new TextEncoder().encode("<svg onload=alert(1)>"));
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("Upload a PNG, JPEG or WebP image");
  });
});
