import { createScheduledController, env } from "cloudflare:test";
import { eq, sql } from "drizzle-orm";
import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import worker, { createAppContext } from "../../workers/app";
import { refreshRevenueForPayments, repairRevenueRollups, utcDay, DAY_MS } from "~/modules/analytics/rollups.server";
import { revenueRebuildStatements } from "~/modules/analytics/revenue-sql";
import { createId } from "~/utils/ids";
import { disputes, instructorEarnings, payments, refunds, revenueDaily } from "~drizzle/schema";
import { Browser, db, insertUser, jsonBody, waitFor } from "../helpers";
import { deliverWebhooks, emulator, insertCourse, paymentRow, waitForPayment } from "../payments/helpers";

const ctx = { waitUntil() {}, passThroughOnException() {} } as unknown as ExecutionContext;
const app = () => createAppContext(env, ctx, createId("request"));
const T0 = Date.UTC(2026, 10, 1, 0, 0, 0);

type Row = typeof revenueDaily.$inferSelect;
const key = (r: Pick<Row, "day" | "currency" | "purpose" | "courseId" | "instructorId">) => `${r.day}|${r.currency}|${r.purpose}|${r.courseId}|${r.instructorId}`;
const METRICS = ["gross", "payments", "refunds", "refundCount", "disputes", "disputeCount", "disputeFees", "instructorShare"] as const;
async function rollup(): Promise<Record<string, Record<string, number>>> {
  const rows = await db().select().from(revenueDaily).all();
  return Object.fromEntries(rows.map((r) => [key(r), Object.fromEntries(METRICS.map((m) => [m, r[m]]))]));
}

/** The rollup computed in JS from the raw rows: an independent from-scratch recomputation. */
async function recomputedInJs() {
  const [pays, refs, disps, earns, courseRows] = await db().batch([
    db().select().from(payments),
    db().select().from(refunds),
    db().select().from(disputes),
    db().select().from(instructorEarnings),
    db().all<{ id: string; instructor_id: string }>(sql`select id, instructor_id from courses`),
  ] as any);
  const courses = new Map((courseRows as { id: string; instructor_id: string }[]).map((c) => [c.id, c.instructor_id]));
  const out: Record<string, Record<string, number>> = {};
  const dims = (p: typeof payments.$inferSelect) => {
    const courseId = p.purpose === "course_purchase" && courses.has(p.purposeRef) ? p.purposeRef : "";
    return { currency: p.currency, purpose: p.purpose, courseId, instructorId: courseId ? courses.get(courseId)! : "" };
  };
  const add = (day: string, p: typeof payments.$inferSelect, m: Partial<Record<(typeof METRICS)[number], number>>) => {
    const k = key({ day, ...dims(p) });
    const row = (out[k] ??= Object.fromEntries(METRICS.map((x) => [x, 0])));
    for (const [name, v] of Object.entries(m)) row[name]! += v!;
  };
  const byId = new Map((pays as (typeof payments.$inferSelect)[]).map((p) => [p.id, p]));
  for (const p of byId.values()) {
    if (!p.succeededAt || !["succeeded", "partially_refunded", "refunded"].includes(p.status)) continue;
    const share = (earns as (typeof instructorEarnings.$inferSelect)[]).filter((e) => e.paymentId === p.id && e.kind === "sale").reduce((s, e) => s + e.instructorAmount, 0);
    add(utcDay(p.succeededAt), p, { gross: p.amount, payments: 1, instructorShare: share });
  }
  for (const r of refs as (typeof refunds.$inferSelect)[]) if (r.status === "succeeded") add(utcDay(r.createdAt), byId.get(r.paymentId)!, { refunds: r.amount, refundCount: 1 });
  for (const d of disps as (typeof disputes.$inferSelect)[]) if (d.status === "lost" && d.closedAt) add(utcDay(d.closedAt), byId.get(d.paymentId)!, { disputes: d.amount, disputeCount: 1, disputeFees: d.feeAmount });
  return out;
}

type Event =
  | { kind: "sale"; amount: number; currency: "usd" | "eur"; day: number; minute: number; course: number }
  | { kind: "subscription"; amount: number; day: number; minute: number }
  | { kind: "refund"; of: number; share: number; day: number; status: "succeeded" | "failed" | "pending" }
  | { kind: "dispute"; of: number; lost: boolean; fee: number; day: number };

const eventArb: fc.Arbitrary<Event> = fc.oneof(
  fc.record({ kind: fc.constant("sale" as const), amount: fc.integer({ min: 100, max: 20_000 }), currency: fc.constantFrom("usd" as const, "eur" as const), day: fc.integer({ min: 0, max: 4 }), minute: fc.integer({ min: 0, max: 1439 }), course: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ kind: fc.constant("subscription" as const), amount: fc.integer({ min: 500, max: 5_000 }), day: fc.integer({ min: 0, max: 4 }), minute: fc.integer({ min: 0, max: 1439 }) }),
  fc.record({ kind: fc.constant("refund" as const), of: fc.nat(), share: fc.integer({ min: 1, max: 100 }), day: fc.integer({ min: 0, max: 3 }), status: fc.constantFrom("succeeded" as const, "failed" as const, "pending" as const) }),
  fc.record({ kind: fc.constant("dispute" as const), of: fc.nat(), lost: fc.boolean(), fee: fc.integer({ min: 0, max: 1500 }), day: fc.integer({ min: 0, max: 3 }) }),
);

describe("revenue rollups", () => {
  it("after any sequence of events (redelivered, concurrent), equal a from-scratch recomputation", async () => {
    const buyer = await insertUser("student");
    const courses = await Promise.all([0, 1, 2].map(() => insertCourse()));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(eventArb, fc.integer({ min: 1, max: 3 })), { minLength: 1, maxLength: 12 }), async (events) => {
        await db().batch([db().delete(revenueDaily), db().delete(disputes), db().delete(refunds), db().delete(instructorEarnings), db().delete(payments)]);
        const paid: Array<{ id: string; amount: number; left: number; at: number; currency: string; disputed: boolean }> = [];
        for (const [event, deliveries] of events) {
          let paymentId: string | undefined;
          if (event.kind === "sale" || event.kind === "subscription") {
            const at = T0 + event.day * DAY_MS + event.minute * 60_000;
            const id = createId("payment");
            const course = event.kind === "sale" ? courses[event.course]!.course : null;
            const currency = event.kind === "sale" ? event.currency : "usd";
            await db().insert(payments).values({ id, userId: buyer.id, purpose: course ? "course_purchase" : "subscription_upgrade", purposeRef: course?.id ?? "pro", description: "x", amount: event.amount, currency, status: "succeeded", flow: "checkout", metadata: {}, succeededAt: at, createdAt: at, updatedAt: at }).run();
            if (course) {
              const share = Math.floor((event.amount * 70) / 100);
              await db().insert(instructorEarnings).values({ id: createId("earning"), idempotencyKey: `sale:${id}`, kind: "sale", instructorId: course.instructorId, courseId: course.id, paymentId: id, grossAmount: event.amount, instructorAmount: share, platformAmount: event.amount - share, currency, availableAt: at + 30 * DAY_MS, createdAt: at }).run();
            }
            paid.push({ id, amount: event.amount, left: event.amount, at, currency, disputed: false });
            paymentId = id;
          } else if (paid.length) {
            const p = paid[event.of % paid.length]!;
            const at = p.at + event.day * DAY_MS + 3_600_000;
            if (event.kind === "refund" && p.left > 0 && !p.disputed) {
              const amount = Math.max(1, Math.floor((p.left * event.share) / 100));
              if (event.status === "succeeded") p.left -= amount;
              await db().insert(refunds).values({ id: createId("refund"), paymentId: p.id, amount, currency: p.currency, reason: "requested_by_customer", status: event.status, createdAt: at, updatedAt: at }).run();
              if (event.status === "succeeded") await db().update(payments).set({ amountRefunded: p.amount - p.left, status: p.left ? "partially_refunded" : "refunded" }).where(eq(payments.id, p.id)).run();
              paymentId = p.id;
            } else if (event.kind === "dispute" && !p.disputed) {
              p.disputed = true;
              await db().insert(disputes).values({ id: createId("dispute"), stripeDisputeId: `dp_${createId("dispute").slice(4)}`, paymentId: p.id, userId: buyer.id, stripeChargeId: "ch_x", amount: p.left, currency: p.currency, reason: "fraudulent", status: event.lost ? "lost" : "won", feeAmount: event.fee, closedAt: at, stripeCreatedAt: p.at, syncedAt: at, createdAt: at, updatedAt: at }).run();
              paymentId = p.id;
            }
          }
          // The hook, delivered 1–3 times at once (a redelivered webhook, two consumers).
          if (paymentId) await Promise.all(Array.from({ length: deliveries }, () => refreshRevenueForPayments(app(), [paymentId!])));
        }
        const incremental = await rollup();
        expect(incremental).toEqual(await recomputedInJs());
        // The backfill's statements give the same rows.
        for (const statement of revenueRebuildStatements(T0 - DAY_MS, T0 + 10 * DAY_MS, Date.now())) await env.DB.prepare(statement).run();
        expect(await rollup()).toEqual(incremental);
      }),
      { seed: 2812, numRuns: 12 },
    );
  });

  it("the nightly repair restores days a lost hook or a hand edit left wrong", async () => {
    await db().delete(revenueDaily).run();
    const buyer = await insertUser("student");
    const { course } = await insertCourse();
    const night = Date.UTC(2026, 11, 7, 0, 5);
    const at = night - 3 * DAY_MS;
    await db().insert(payments).values({ id: createId("payment"), userId: buyer.id, purpose: "course_purchase", purposeRef: course.id, description: "x", amount: 4200, currency: "usd", status: "succeeded", flow: "checkout", metadata: {}, succeededAt: at, createdAt: at, updatedAt: at }).run();
    // No hook ran: nothing is rolled up. A run during the day repairs only today and yesterday.
    await repairRevenueRollups(app(), night + 12 * 3_600_000);
    const mine = async () => (await db().select().from(revenueDaily).where(eq(revenueDaily.courseId, course.id)).all()).map((r) => ({ day: r.day, gross: r.gross, payments: r.payments }));
    expect(await mine()).toEqual([]);
    // The first run after midnight (through the real cron entry) repairs the wider window.
    await worker.scheduled(createScheduledController({ cron: "*/15 * * * *", scheduledTime: night }), env, ctx);
    expect(await mine()).toEqual([{ day: utcDay(at), gross: 4200, payments: 1 }]);
  });
});

describe("revenue rollups from the real payment paths", () => {
  beforeEach(async () => {
    await emulator().clearFaults();
    await emulator().configure({ paused: false, order: "in_order", duplicates: 0 });
    await db().delete(revenueDaily).run();
  });

  it("a paid course, a refund and redelivered webhooks count once each", async () => {
    const { course, instructor } = await insertCourse({ priceAmount: 4999 });
    const learner = await insertUser("student");
    const browser = new Browser();
    await browser.login(learner.email);
    await emulator().configure({ paused: false, order: "in_order", duplicates: 2 });
    const res = await browser.json("/api/payments/process", jsonBody({ purpose: "course_purchase", courseId: course.id, flow: "payment_method", paymentMethod: "pm_card_visa" }));
    expect(res.status).toBe(201);
    await deliverWebhooks();
    const payment = await waitForPayment(res.body.paymentId, "succeeded");
    await waitFor(async () => (await paymentRow(payment.id))?.fulfilledAt);
    const day = utcDay(payment.succeededAt!);
    const row = () => db().select().from(revenueDaily).where(eq(revenueDaily.courseId, course.id)).all();
    await waitFor(async () => (await row())[0]?.instructorShare);
    expect(await row()).toEqual([expect.objectContaining({ day, currency: "usd", purpose: "course_purchase", instructorId: instructor.id, gross: 4999, payments: 1, refunds: 0, instructorShare: 3500 })]);

    const admin = await insertUser("admin");
    const adminBrowser = new Browser();
    await adminBrowser.login(admin.email);
    expect((await adminBrowser.json("/api/payments/refund", jsonBody({ paymentId: payment.id, amount: 2000, reason: "Goodwill" }))).status).toBe(200);
    await deliverWebhooks();
    await waitFor(async () => (await row())[0]?.refunds);
    // Five concurrent refreshes of the same payment (redeliveries) change nothing.
    await Promise.all(Array.from({ length: 5 }, () => refreshRevenueForPayments(app(), [payment.id])));
    expect(await row()).toEqual([expect.objectContaining({ gross: 4999, payments: 1, refunds: 2000, refundCount: 1, instructorShare: 3500 })]);
  });
});
