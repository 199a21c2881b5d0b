import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createAppContext } from "../../workers/app";
import { refreshRevenueForPayments } from "~/modules/analytics/rollups.server";
import { createId } from "~/utils/ids";
import { disputes, payments, refunds } from "~drizzle/schema";
import { db, insertUser, signedInAs } from "../helpers";
import { insertCourse } from "../payments/helpers";

const ctx = { waitUntil() {}, passThroughOnException() {} } as unknown as ExecutionContext;
const app = () => createAppContext(env, ctx, createId("request"));
const at = (day: string, hour = 10) => Date.parse(`${day}T${String(hour).padStart(2, "0")}:00:00Z`);

/** Sales in GBP (no other test file's data shares the currency) on three days of one week and the next. */
async function history() {
  const buyer = await insertUser("student");
  const a = await insertCourse({ title: "Rust, Quickly", currency: "gbp" });
  const b = await insertCourse({ title: "Go \"Fast\"", currency: "gbp" });
  const pay = async (courseId: string, amount: number, day: string) => {
    const id = createId("payment");
    const t = at(day);
    await db().insert(payments).values({ id, userId: buyer.id, purpose: "course_purchase", purposeRef: courseId, description: "x", amount, currency: "gbp", status: "succeeded", flow: "checkout", metadata: {}, succeededAt: t, createdAt: t, updatedAt: t }).run();
    return id;
  };
  const p1 = await pay(a.course.id, 5000, "2026-11-02");
  const p2 = await pay(a.course.id, 3000, "2026-11-04");
  const p3 = await pay(b.course.id, 2000, "2026-11-10");
  const t = at("2026-11-05");
  await db().insert(refunds).values({ id: createId("refund"), paymentId: p1, amount: 1000, currency: "gbp", reason: "duplicate", status: "succeeded", createdAt: t, updatedAt: t }).run();
  await db().insert(disputes).values({ id: createId("dispute"), stripeDisputeId: "dp_revenuepage1", paymentId: p3, userId: buyer.id, stripeChargeId: "ch_1", amount: 2000, currency: "gbp", reason: "fraudulent", status: "lost", feeAmount: 1500, closedAt: at("2026-11-10", 20), stripeCreatedAt: t, syncedAt: t, createdAt: t, updatedAt: t }).run();
  await refreshRevenueForPayments(app(), [p1, p2, p3]);
}

const cells = (html: string, id: string) => {
  const table = new RegExp(`<table[^>]*data-testid="revenue-table-${id}"[\\s\\S]*?</table>`).exec(html)?.[0] ?? "";
  const rows = [...table.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => [...m[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => c[1]!.replace(/&quot;/g, '"').replace(/&amp;/g, "&")));
  return rows;
};
const parseCsv = (text: string) =>
  text
    .trim()
    .split("\r\n")
    .map((line) => [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(?:,|$)/g)].slice(0, -1).map((m) => (m[1]!.startsWith('"') ? m[1]!.slice(1, -1).replace(/""/g, '"') : m[1]!)));

describe("/admin/revenue", () => {
  it("shows gross, refunds, disputes and net by day, week and month, with tables the CSV downloads match", async () => {
    await history();
    const admin = await signedInAs("admin");
    const page = await admin.browser.fetch("/admin/revenue?currency=gbp&from=2026-11-01&to=2026-11-14");
    expect(page.status).toBe(200);
    const html = await page.text();
    // Totals: gross 100, refunded 10, lost 20 (fee 15), net 70.
    const totals = /data-testid="revenue-totals"[\s\S]*?<\/section>|data-testid="revenue-totals"[\s\S]*?Over time/.exec(html)![0].replace(/<[^>]+>/g, " ");
    expect(totals).toMatch(/Gross revenue\s+£100\.00\s+3 payments/);
    expect(totals).toMatch(/Refunded\s+£10\.00\s+10% of gross/);
    expect(totals).toMatch(/Lost in disputes\s+£20\.00\s+1 dispute lost \(33\.33% of payments\); fees £15\.00/);
    expect(totals).toMatch(/Net revenue\s+£70\.00/);
    // The chart is server-rendered SVG with a title and a description.
    expect(html).toMatch(/<svg[^>]*role="img"[^>]*aria-labelledby="revenue-chart-wide-title/);
    expect(html).toContain("Revenue per day in GBP: net, refunded and lost in disputes");

    const days = cells(html, "series");
    expect(days[0]).toEqual(["Day", "Gross (GBP)", "Refunds (GBP)", "Lost in disputes (GBP)", "Net (GBP)", "Payments", "Refunds made", "Disputes lost"]);
    expect(days).toHaveLength(1 + 14);
    expect(days.find((r) => r[0] === "2026-11-02")).toEqual(["2026-11-02", "50.00", "0.00", "0.00", "50.00", "1", "0", "0"]);
    expect(days.find((r) => r[0] === "2026-11-05")).toEqual(["2026-11-05", "0.00", "10.00", "0.00", "-10.00", "0", "1", "0"]);

    for (const table of ["series", "courses", "instructors", "purposes"]) {
      const csv = await admin.browser.fetch(`/admin/revenue.csv?currency=gbp&from=2026-11-01&to=2026-11-14&table=${table}`);
      expect(csv.status).toBe(200);
      expect(csv.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
      expect(csv.headers.get("Content-Disposition")).toContain(`revenue-${table}-gbp-2026-11-01-to-2026-11-14.csv`);
      expect(parseCsv(await csv.text())).toEqual(cells(html, table));
    }
    const courses = cells(html, "courses");
    expect(courses.slice(1).map((r) => r.slice(0, 5))).toEqual([
      ["Rust, Quickly", "80.00", "10.00", "0.00", "70.00"],
      ['Go "Fast"', "20.00", "0.00", "20.00", "0.00"],
    ]);

    const weeks = cells(await (await admin.browser.fetch("/admin/revenue?currency=gbp&period=week&from=2026-11-02&to=2026-11-15")).text(), "series");
    expect(weeks.slice(1).map((r) => r.slice(0, 5))).toEqual([
      ["2026-11-02", "80.00", "10.00", "0.00", "70.00"],
      ["2026-11-09", "20.00", "0.00", "20.00", "0.00"],
    ]);
    const months = cells(await (await admin.browser.fetch("/admin/revenue?currency=gbp&period=month&from=2026-10-01&to=2026-11-30")).text(), "series");
    expect(months.slice(1).map((r) => r.slice(0, 5))).toEqual([
      ["2026-10", "0.00", "0.00", "0.00", "0.00"],
      ["2026-11", "100.00", "10.00", "20.00", "70.00"],
    ]);
  });

  it("is for admins; bad parameters are a 400", async () => {
    const student = await signedInAs("student");
    expect((await student.browser.fetch("/admin/revenue")).status).toBe(403);
    expect((await student.browser.fetch("/admin/revenue.csv")).status).toBe(403);
    const admin = await signedInAs("admin");
    expect((await admin.browser.fetch("/admin/revenue?period=year")).status).toBe(400);
    expect((await admin.browser.fetch("/admin/revenue.csv?table=users")).status).toBe(400);
  });
});
