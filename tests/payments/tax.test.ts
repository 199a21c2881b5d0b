// Tax per jurisdiction, each from Checkout through the webhook to the receipt, the earning (70 % of
// what was paid net of tax, exact) and the tax report; then a refund's tax in proportion (docs/tax.md).
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createAppContext } from "../../workers/app";
import { entriesForPayment } from "~/modules/marketplace/earnings.server";
import { refundPayment } from "~/modules/payments/refunds.server";
import { taxReport, taxReportCsv } from "~/modules/payments/tax-report.server";
import { createId } from "~/utils/ids";
import type { CheckoutBuyer } from "../../workers/stripe-emulator/testing";
import { jsonBody, signedInAs } from "../helpers";
import { deliverWebhooks, emulator, insertCourse, paymentRow, waitForHandled, waitForPayment } from "./helpers";

const app = () => createAppContext(env, { waitUntil() {}, passThroughOnException() {} } as unknown as ExecutionContext, createId("request"));

/** 70 % of the net, the leftover unit to the instructor (allocate's rule): platform = floor(30 %). */
const instructorShare = (net: number) => net - Math.floor((net * 30) / 100);

async function buy(course: { priceAmount: number; currency: string }, buyer: CheckoutBuyer) {
  const { course: row, instructor } = await insertCourse({ priceAmount: course.priceAmount, currency: course.currency });
  const learner = await signedInAs("student");
  const started = await learner.browser.json("/api/courses/purchase", jsonBody({ courseId: row.id }));
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  const { paymentId, nextAction } = started.body.payment;
  const done = await emulator().completeCheckout(nextAction.url, buyer);
  expect(done.status, await done.clone().text()).toBe(303);
  await waitForHandled(await deliverWebhooks());
  const payment = await waitForPayment(paymentId, "succeeded");
  return { payment, learner, instructor, course: row };
}

type Case = {
  name: string;
  course: { priceAmount: number; currency: string };
  buyer: CheckoutBuyer;
  paid: number;
  tax: number;
  reason: string;
  rateMilli: number | null;
  receipt: string[];
  report: { country: string; state: string | null; jurisdiction: string };
};

const CASES: Case[] = [
  {
    name: "German consumer: 19 % inside a EUR price",
    course: { priceAmount: 4900, currency: "eur" },
    buyer: { country: "DE", city: "Berlin", postal_code: "10115" },
    paid: 4900,
    tax: 782,
    reason: "standard_rated",
    rateMilli: 19000,
    receipt: ["VAT 19 % (Germany), included", "Price before tax"],
    report: { country: "DE", state: null, jurisdiction: "Germany" },
  },
  {
    name: "German business with a VAT number, sold from Ireland: reverse charge, no VAT",
    course: { priceAmount: 4900, currency: "eur" },
    buyer: { country: "DE", business_name: "Muster GmbH", tax_id: "DE123456789" },
    paid: 4900,
    tax: 0,
    reason: "reverse_charge",
    rateMilli: 0,
    receipt: ["VAT 0 % — reverse charge", "Reverse charge: VAT to be accounted for by the recipient", "Muster GmbH", "VAT DE123456789", "VAT IE6388047V"],
    report: { country: "DE", state: null, jurisdiction: "Germany" },
  },
  {
    name: "French consumer: 20 % inside",
    course: { priceAmount: 3900, currency: "eur" },
    buyer: { country: "FR" },
    paid: 3900,
    tax: 650,
    reason: "standard_rated",
    rateMilli: 20000,
    receipt: ["VAT 20 % (France), included"],
    report: { country: "FR", state: null, jurisdiction: "France" },
  },
  {
    name: "New York: 4 % added to a USD price",
    course: { priceAmount: 4999, currency: "usd" },
    buyer: { country: "US", state: "NY", postal_code: "10001" },
    paid: 5199,
    tax: 200,
    reason: "standard_rated",
    rateMilli: 4000,
    receipt: ["Sales tax 4 % (New York)", "$51.99"],
    report: { country: "US", state: "NY", jurisdiction: "New York" },
  },
  {
    name: "California: exclusive, but digital courses are not taxed there",
    course: { priceAmount: 4999, currency: "usd" },
    buyer: { country: "US", state: "CA", postal_code: "94103" },
    paid: 4999,
    tax: 0,
    reason: "not_subject_to_tax",
    rateMilli: 0,
    receipt: ["Sales tax — not taxable here"],
    report: { country: "US", state: "CA", jurisdiction: "California" },
  },
  {
    name: "Australia: 10 % GST inside an AUD price",
    course: { priceAmount: 7900, currency: "aud" },
    buyer: { country: "AU" },
    paid: 7900,
    tax: 718,
    reason: "standard_rated",
    rateMilli: 10000,
    receipt: ["GST 10 % (Australia), included"],
    report: { country: "AU", state: null, jurisdiction: "Australia" },
  },
  {
    name: "A country with no tax configured (Brazil): nothing collected",
    course: { priceAmount: 4999, currency: "usd" },
    buyer: { country: "BR" },
    paid: 4999,
    tax: 0,
    reason: "not_collecting",
    rateMilli: 0,
    receipt: ["No tax collected for this location"],
    report: { country: "BR", state: null, jurisdiction: "No tax collected" },
  },
];

describe("tax per jurisdiction, checkout → webhook → receipt, earning and report", () => {
  const paid: Array<{ c: Case; paymentId: string }> = [];
  for (const c of CASES) {
    it(c.name, async () => {
      const { payment, learner, instructor } = await buy(c.course, c.buyer);
      paid.push({ c, paymentId: payment.id });
      expect(payment).toMatchObject({ amount: c.paid, taxAmount: c.tax, taxReason: c.reason, taxReverseCharge: c.reason === "reverse_charge", taxRateMilli: c.rateMilli, taxCountry: c.buyer.country });
      expect(payment.taxBehavior).toBe(["eur", "aud"].includes(c.course.currency) ? "inclusive" : "exclusive");
      expect(payment.buyerTaxId).toBe(c.buyer.tax_id ?? null);
      expect(payment.buyerAddress?.country).toBe(c.buyer.country);
      // Stripe charged what we recorded.
      const intent = await (await import("~/modules/payments/stripe.server")).createStripe(app()).paymentIntents.retrieve(payment.stripePaymentIntentId!);
      expect(intent.amount).toBe(c.paid);
      // The earning: 70 % of what was paid net of tax, to the cent; the tax is nobody's earning.
      const [sale] = await entriesForPayment(app(), payment.id);
      const net = c.paid - c.tax;
      expect(sale).toMatchObject({ kind: "sale", instructorId: instructor.id, grossAmount: net, instructorAmount: instructorShare(net), platformAmount: Math.floor((net * 30) / 100) });
      // The receipt says it.
      const receipt = await learner.browser.fetch(`/account/payments/${payment.id}`);
      expect(receipt.status).toBe(200);
      const page = (await receipt.text()).replace(/&#x27;|&#39;/g, "'").replace(/\u00a0/g, " ");
      for (const text of c.receipt) expect(page, text).toContain(text);
      if (c.reason !== "reverse_charge") expect(page).not.toContain("receipt-reverse-charge");
      // The API shows the tax too.
      const api = await learner.browser.json(`/api/payments/${payment.id}`);
      expect(api.body.payment.tax).toMatchObject({ amount: c.tax, reason: c.reason, country: c.buyer.country });
    });
  }

  it("the tax report has each jurisdiction's tax, and the CSV the same rows", async () => {
    expect(paid).toHaveLength(CASES.length);
    const rows = await taxReport(app(), {});
    const groups = new Map<string, typeof paid>();
    for (const p of paid) {
      const key = `${p.c.report.country}|${p.c.report.state}|${p.c.report.jurisdiction}|${p.c.course.currency}`;
      groups.set(key, [...(groups.get(key) ?? []), p]);
    }
    for (const [key, group] of groups) {
      const [country, state, jurisdiction, currency] = key.split("|");
      const row = rows.find((r) => r.country === country && (r.state ?? "null") === state && r.jurisdiction === jurisdiction && r.currency === currency);
      expect(row, key).toMatchObject({ taxCollected: group!.reduce((s, g) => s + g.c.tax, 0), taxRefunded: 0, sales: group!.length, netSales: group!.reduce((s, g) => s + g.c.paid - g.c.tax, 0) });
    }
    const de = rows.find((r) => r.country === "DE" && r.currency === "eur")!;
    expect(de.reverseChargeSales).toBe(4900);
    const csv = taxReportCsv(rows);
    expect(csv.split("\n")[0]).toBe("month,country,state,jurisdiction,currency,tax_collected,tax_refunded,tax_net,net_sales,sales,refunds,reverse_charge_sales");
    expect(csv).toContain(`,US,NY,New York,usd,200,0,200,4999,1,0,0`);
  });

  it("refunds give the tax back in proportion, the earning is reversed net of it, and the report nets it", async () => {
    const { payment } = await buy({ priceAmount: 4999, currency: "usd" }, { country: "US", state: "TX" }); // 6.25 % → 312
    expect(payment).toMatchObject({ amount: 5311, taxAmount: 312 });
    const admin = await signedInAs("admin");
    const first = await refundPayment(app(), admin.user, { paymentId: payment.id, amount: 1000, reason: "Part of the course was missing" });
    expect(first.refund).toMatchObject({ amount: 1000, taxAmount: Math.floor((1000 * 312) / 5311), status: "succeeded" }); // 58
    const second = await refundPayment(app(), admin.user, { paymentId: payment.id, reason: "The rest, as agreed" });
    expect(second.refund).toMatchObject({ amount: 4311, taxAmount: 312 - 58 });
    const entries = await entriesForPayment(app(), payment.id);
    const net = entries.reduce((a, e) => ({ gross: a.gross + e.grossAmount, instructor: a.instructor + e.instructorAmount, platform: a.platform + e.platformAmount }), { gross: 0, instructor: 0, platform: 0 });
    expect(net).toEqual({ gross: 0, instructor: 0, platform: 0 });
    expect(entries.find((e) => e.refundId === first.refund.id)!.grossAmount).toBe(-(1000 - 58));
    const row = (await taxReport(app(), {})).find((r) => r.country === "US" && r.state === "TX")!;
    expect(row).toMatchObject({ taxCollected: 312, taxRefunded: 312, taxNet: 0, netSales: 0, refunds: 2 });
    expect((await paymentRow(payment.id))!.status).toBe("refunded");
  });

  it("the admin page lists it and downloads the CSV; learners cannot see it", async () => {
    const admin = await signedInAs("admin");
    const page = await admin.browser.fetch("/admin/tax");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Tax report");
    expect(html).toContain("New York");
    const csv = await admin.browser.fetch("/admin/tax.csv");
    expect(csv.headers.get("Content-Type")).toContain("text/csv");
    expect(await csv.text()).toContain("New York");
    const bad = await admin.browser.fetch("/admin/tax?from=yesterday");
    expect(bad.status).toBe(400);
    const learner = await signedInAs("student");
    expect((await learner.browser.fetch("/admin/tax")).status).toBe(403);
  });
});
