import { describe, expect, it } from "vitest";
import { escapeHtml, html, raw } from "~/modules/email/html";
import { formatAmount, formatDate, formatDateTime } from "~/modules/email/format";
import { checkTemplateData, EMAIL_TEMPLATE_NAMES, renderEmail, type EmailTemplateInput, type EmailTemplateName } from "~/modules/email/templates";

const APP_URL = "https://coursemint.example";
const MAR_5 = Date.UTC(2026, 2, 5, 14, 7);
const APR_5 = Date.UTC(2026, 3, 5, 0, 0);
const EVIL = `Zoë <script>alert("x")</script> & "friends"`;

/** Realistic data for every template; the name carries markup that must come out escaped. */
const SAMPLES: { [T in EmailTemplateName]: EmailTemplateInput<T> } = {
  "payment-receipt": {
    name: EVIL,
    item: "Pro plan <monthly>",
    amount: 1999,
    currency: "usd",
    paidAt: MAR_5,
    paymentId: "pay_01hx",
    receiptUrl: `${APP_URL}/account/payments/pay_01hx`,
  },
  "bundle-receipt": {
    name: EVIL,
    bundle: "Data <starter> bundle",
    amount: 3332,
    currency: "usd",
    ownedCredit: 1667,
    courses: ["SQL basics", "Pandas <fast>"],
    refundedOverlap: 1666,
    paidAt: MAR_5,
    paymentId: "pay_09bd",
    receiptUrl: `${APP_URL}/account/payments/pay_09bd`,
    learningUrl: `${APP_URL}/learning`,
  },
  "subscription-renewed": {
    name: EVIL,
    plan: "Pro",
    amount: 19900,
    currency: "eur",
    renewedAt: MAR_5,
    periodEnd: APR_5,
    paymentId: "pay_02",
    manageUrl: `${APP_URL}/account/subscription`,
  },
  "subscription-changed": {
    name: EVIL,
    change: "cancel_scheduled",
    plan: "Pro (monthly)",
    effectiveAt: APR_5,
    manageUrl: `${APP_URL}/account/billing`,
  },
  "trial-ending": {
    name: EVIL,
    plan: "Coursemint Pro (monthly)",
    trialEndsAt: APR_5,
    atEnd: "charge",
    amount: 1500,
    currency: "usd",
    manageUrl: `${APP_URL}/account/billing`,
  },
  "course-purchased": {
    name: EVIL,
    courseTitle: "Rust & <WebAssembly>",
    instructorName: "Ferris O'Crab",
    amount: 4500,
    currency: "jpy",
    purchasedAt: MAR_5,
    paymentId: "pay_03",
    courseUrl: `${APP_URL}/courses/crs_1`,
  },
  "tokens-awarded": {
    name: EVIL,
    tokens: 1,
    reason: "7-day streak <3",
    balance: 12500,
    awardedAt: MAR_5,
    walletUrl: `${APP_URL}/tokens`,
  },
  "license-renewal-notice": {
    name: EVIL,
    organization: "Acme & Sons",
    seats: 250,
    expiresAt: APR_5,
    amount: 1250000,
    currency: "gbp",
    renewUrl: `${APP_URL}/enterprise/licenses/lic_1`,
  },
  "refund-issued": {
    name: EVIL,
    item: "Pro plan (monthly)",
    amount: 1999,
    currency: "usd",
    refundedAt: MAR_5,
    paymentId: "pay_01hx",
    refundId: "ref_01",
    reason: "Requested by customer",
  },
  "refund-request-answered": {
    name: EVIL,
    item: "Course: SQL for Analysts",
    outcome: "refused",
    amount: 4999,
    currency: "usd",
    requestedAt: MAR_5,
    paymentId: "pay_01hx",
    reason: "You completed 3 of 4 modules, more than the 30% a refund allows.",
    canSendToReview: true,
    receiptUrl: `${APP_URL}/account/payments/pay_01hx`,
  },
  "payment-failed": {
    name: EVIL,
    item: "Pro plan (monthly)",
    amount: 1999,
    currency: "usd",
    failedAt: MAR_5,
    attempt: 2,
    nextAttemptAt: APR_5,
    failureReason: "card declined",
    updatePaymentUrl: `${APP_URL}/account/billing`,
  },
  "signup-confirm": {
    name: EVIL,
    confirmUrl: `${APP_URL}/signup/confirm?token=${"ab".repeat(32)}`,
    expiresAt: APR_5,
  },
  "signup-existing-account": {
    name: EVIL,
    loginUrl: `${APP_URL}/login`,
  },
  "password-reset": {
    name: EVIL,
    resetUrl: `${APP_URL}/password/reset?token=${"cd".repeat(32)}`,
    expiresAt: APR_5,
  },
  "password-changed": {
    name: EVIL,
    changedAt: MAR_5,
    accountUrl: `${APP_URL}/account`,
  },
  "dispute-opened-learner": {
    name: EVIL,
    item: "Course: SQL <for> Analysts",
    amount: 4999,
    currency: "usd",
    openedAt: MAR_5,
    paymentId: "pay_04",
    paused: "your access to SQL <for> Analysts",
    receiptUrl: `${APP_URL}/account/payments/pay_04`,
  },
  "dispute-opened-instructor": {
    name: EVIL,
    courseTitle: "SQL <for> Analysts",
    amount: 4999,
    currency: "usd",
    openedAt: MAR_5,
    earning: "recovered",
    earningAmount: 3500,
    earningsUrl: `${APP_URL}/instructor`,
  },
  "dispute-evidence-due": {
    name: EVIL,
    item: "Course: SQL <for> Analysts",
    amount: 4999,
    currency: "usd",
    reason: "Product not received",
    dueBy: APR_5,
    daysLeft: 3,
    disputeUrl: `${APP_URL}/admin/disputes?dispute=dsp_1#dsp_1`,
  },
  "organization-invitation": {
    inviterName: EVIL,
    organization: "Acme <Academy>",
    role: "member",
    acceptUrl: `${APP_URL}/enterprise/invitations/${"ef".repeat(32)}`,
    expiresAt: APR_5,
  },
  "organization-member-joined": {
    name: EVIL,
    memberName: "Sam <Member>",
    memberEmail: "sam@example.com",
    organization: "Acme <Academy>",
    seatsUsed: 3,
    seatsLimit: 25,
    membersUrl: `${APP_URL}/enterprise?organizationId=org_1#members`,
  },
  "organization-member-removed": {
    name: EVIL,
    organization: "Acme <Academy>",
    removedAt: MAR_5,
    pricingUrl: `${APP_URL}/pricing`,
  },
  "organization-seat-ended": {
    name: EVIL,
    organization: "Acme <Academy>",
    reason: "the organization's Enterprise subscription ended",
    endedAt: MAR_5,
    pricingUrl: `${APP_URL}/pricing`,
  },
};

/** The money, date and id each template must show, in both bodies. */
const MUST_SHOW: Record<EmailTemplateName, string[]> = {
  "payment-receipt": ["$19.99 USD", "March 5, 2026 at 14:07 UTC", "pay_01hx", `${APP_URL}/account/payments/pay_01hx`],
  "bundle-receipt": ["$33.32 USD", "$16.67 USD", "$16.66 USD", "SQL basics", "March 5, 2026 at 14:07 UTC", "pay_09bd", `${APP_URL}/learning`],
  "subscription-renewed": ["€199.00 EUR", "March 5, 2026 at 14:07 UTC", "April 5, 2026", "pay_02"],
  "subscription-changed": ["Pro (monthly)", "April 5, 2026", `${APP_URL}/account/billing`],
  "trial-ending": ["$15.00 USD", "April 5, 2026", `${APP_URL}/account/billing`],
  "course-purchased": ["¥4,500 JPY", "March 5, 2026 at 14:07 UTC", "pay_03", `${APP_URL}/courses/crs_1`],
  "tokens-awarded": ["1 token", "12,500 tokens", "March 5, 2026 at 14:07 UTC"],
  "license-renewal-notice": ["£12,500.00 GBP", "April 5, 2026", "250", `${APP_URL}/enterprise/licenses/lic_1`],
  "refund-issued": ["$19.99 USD", "March 5, 2026 at 14:07 UTC", "pay_01hx", "ref_01", "Requested by customer"],
  "refund-request-answered": ["$49.99 USD", "March 5, 2026 at 14:07 UTC", "pay_01hx", "3 of 4 modules", "for review", `${APP_URL}/account/payments/pay_01hx`],
  "payment-failed": ["$19.99 USD", "March 5, 2026 at 14:07 UTC", "April 5, 2026 at 00:00 UTC", `${APP_URL}/account/billing`],
  "signup-confirm": ["April 5, 2026 at 00:00 UTC", `${APP_URL}/signup/confirm?token=${"ab".repeat(32)}`, "didn't sign up"],
  "signup-existing-account": [`${APP_URL}/login`, "already have an account", "no new one was created"],
  "password-reset": ["April 5, 2026 at 00:00 UTC", `${APP_URL}/password/reset?token=${"cd".repeat(32)}`, "didn't ask for this"],
  "password-changed": ["March 5, 2026 at 14:07 UTC", `${APP_URL}/account`, "Forgot your password?", "signed out"],
  "dispute-opened-learner": ["$49.99 USD", "March 5, 2026 at 14:07 UTC", "pay_04", "is paused", "withdraw the dispute"],
  "dispute-opened-instructor": ["$49.99 USD", "$35.00 USD", "March 5, 2026 at 14:07 UTC", "recovered from your next earnings", `${APP_URL}/instructor`],
  "dispute-evidence-due": ["$49.99 USD", "April 5, 2026 at 00:00 UTC", "Product not received", "Prepare evidence", "in 3 days"],
  "organization-invitation": ["April 5, 2026 at 00:00 UTC", `${APP_URL}/enterprise/invitations/${"ef".repeat(32)}`, "works once", "Accept the invitation"],
  "organization-member-joined": ["sam@example.com", "3 of 25", `${APP_URL}/enterprise?organizationId=org_1#members`],
  "organization-member-removed": ["March 5, 2026 at 14:07 UTC", "stay in your account", `${APP_URL}/pricing`],
  "organization-seat-ended": ["March 5, 2026 at 14:07 UTC", "Enterprise subscription ended", `${APP_URL}/pricing`],
};

describe("email templates", () => {
  it("covers every template with a sample", () => {
    expect(Object.keys(SAMPLES).sort()).toEqual([...EMAIL_TEMPLATE_NAMES].sort());
  });

  for (const name of EMAIL_TEMPLATE_NAMES) {
    describe(name, () => {
      const email = renderEmail(name, SAMPLES[name], APP_URL);

      it("is a complete, phone-friendly HTML document in the Coursemint look", () => {
        expect(email.html.startsWith("<!DOCTYPE html>")).toBe(true);
        expect(email.html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
        expect(email.html).toContain("max-width:560px");
        expect(email.html).toContain("#0f9d76"); // mint
        expect(email.html).toMatch(/<h1[^>]*>[^<]+<\/h1>/);
        expect(email.html).toContain(`<title>${escapeHtml(email.subject)}</title>`);
        // No scripts, no external resources, balanced table layout.
        expect(email.html).not.toMatch(/<script|<img|<link|javascript:/i);
        expect(count(email.html, "<table")).toBe(count(email.html, "</table>"));
        expect(count(email.html, "<tr")).toBe(count(email.html, "</tr>"));
      });

      it("shows correctly formatted money, dates and ids in HTML and text", () => {
        for (const fact of MUST_SHOW[name]) {
          expect(email.text).toContain(fact);
          expect(email.html).toContain(escapeHtml(fact));
        }
      });

      it("escapes user-supplied text", () => {
        expect(email.html).not.toContain("<script>");
        expect(email.html).toContain("Zoë &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;friends&quot;");
        // Plain text is shown literally, not interpreted (an invitation greets no name: the invitee may have no account).
        expect(email.text).toContain("name" in SAMPLES[name] ? `Hi ${EVIL},` : EVIL);
      });

      it("has a readable plain-text body", () => {
        expect(email.text).not.toMatch(/<\/?(p|td|tr|table|a|div|h1)\b/i);
        expect(email.text).toMatchSnapshot();
      });
    });
  }

  it("rejects bad data with the names of the bad fields", () => {
    expect(checkTemplateData("payment-receipt", { ...SAMPLES["payment-receipt"], amount: 19.99 })).toMatchObject({ ok: false, fields: { amount: expect.any(Array) } });
    expect(checkTemplateData("payment-receipt", { ...SAMPLES["payment-receipt"], currency: "btc" })).toMatchObject({ ok: false, fields: { currency: expect.any(Array) } });
    expect(checkTemplateData("payment-receipt", { ...SAMPLES["payment-receipt"], receiptUrl: "javascript:alert(1)" })).toMatchObject({ ok: false, fields: { receiptUrl: expect.any(Array) } });
    expect(checkTemplateData("license-renewal-notice", { ...SAMPLES["license-renewal-notice"], currency: undefined })).toMatchObject({ ok: false, fields: { currency: expect.any(Array) } });
    expect(checkTemplateData("tokens-awarded", { ...SAMPLES["tokens-awarded"], tokens: 0 })).toMatchObject({ ok: false });
  });

  it("says when a failed payment will not be retried", () => {
    const email = renderEmail("payment-failed", { ...SAMPLES["payment-failed"], nextAttemptAt: null }, APP_URL);
    expect(email.text).toContain("We won't retry this payment automatically.");
    expect(email.text).not.toContain("Next attempt");
  });
});

describe("email html helpers", () => {
  it("escapes interpolations but not nested html or raw()", () => {
    const inner = html`<b>${"<i>"}</b>`;
    expect(html`<p>${"a & b"}${inner}${raw("<br>")}${["<x>", html`<y>`]}${null}${false}${0}</p>`.value).toBe(
      "<p>a &amp; b<b>&lt;i&gt;</b><br>&lt;x&gt;<y>0</p>",
    );
  });

  it("formats money with the currency code and dates in UTC", () => {
    expect(formatAmount(123456, "usd")).toBe("$1,234.56 USD");
    expect(formatAmount(500, "jpy")).toBe("¥500 JPY");
    expect(formatAmount(0, "eur")).toBe("€0.00 EUR");
    // 23:30 on Dec 31 in UTC stays on Dec 31 (no local time zone drift).
    expect(formatDateTime(Date.UTC(2025, 11, 31, 23, 30))).toBe("December 31, 2025 at 23:30 UTC");
    expect(formatDate(Date.UTC(2025, 11, 31, 23, 30))).toBe("December 31, 2025");
  });
});

function count(haystack: string, needle: string) {
  return haystack.split(needle).length - 1;
}
