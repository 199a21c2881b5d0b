import { env, SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { DAY } from "~/utils/clock";
import { createId } from "~/utils/ids";
import { courses, disputes, instructorAccounts, payments, stripeEvents } from "~drizzle/schema";
import type { DisputeStatus } from "~drizzle/schema/enums";
import { EmulatorControl } from "../../workers/stripe-emulator/testing";
import { db, insertUser, waitFor } from "../helpers";

/** Test controls for the emulated Stripe account the app's own key selects. */
export const emulator = () => new EmulatorControl(env.STRIPE_EMULATOR!, env.STRIPE_SECRET_KEY);

/** Posts every due signed webhook to the app's real endpoint, as Stripe would. */
export const deliverWebhooks = () => emulator().deliverWebhooks((request) => SELF.fetch(request));

/** A published paid course by a fresh instructor. */
export async function insertCourse(overrides: Partial<typeof courses.$inferInsert> = {}) {
  const instructor = await insertUser("instructor");
  const t = Date.now();
  const id = createId("course");
  const course = {
    id,
    slug: `course-${id.slice(-10)}`,
    instructorId: instructor.id,
    title: "SQL for Analysts",
    description: "Queries, joins and window functions.",
    category: "data" as const,
    level: "beginner" as const,
    language: "en" as const,
    priceAmount: 4999,
    currency: "usd",
    status: "published" as const,
    publishedAt: t,
    createdAt: t,
    updatedAt: t,
    ...overrides,
  };
  await db().insert(courses).values(course).run();
  return { course, instructor };
}

export const paymentRow = (id: string) => db().select().from(payments).where(eq(payments.id, id)).get();

/** Waits until the queue consumer has settled the payment into `status`. */
export const waitForPayment = (id: string, status: string) =>
  waitFor(async () => {
    const row = await paymentRow(id);
    return row?.status === status ? row : undefined;
  });

/** Waits until the consumer has handled every event in `delivered` (what deliverWebhooks returns). */
export async function waitForHandled(delivered: Array<{ event_id: string; status: number | null }>) {
  const ids = new Set(delivered.filter((d) => d.status === 200).map((d) => d.event_id));
  await waitFor(async () => {
    const rows = await db().select({ id: stripeEvents.id, status: stripeEvents.status }).from(stripeEvents).all();
    const mine = rows.filter((r) => ids.has(r.id) && (r.status === "processed" || r.status === "ignored"));
    return mine.length === ids.size;
  }, 15_000);
}

export const waitForEventsSettled = () =>
  waitFor(async () => {
    const rows = await db().select().from(stripeEvents).all();
    return rows.length > 0 && rows.every((r) => r.status === "processed" || r.status === "ignored") ? rows : undefined;
  });

export { outboxFor } from "../email/helpers";

/** A Stripe-Signature header for `body` at `timestamp` (seconds), made as Stripe makes it. */
export async function signStripePayload(body: string, secret: string, timestamp: number) {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${timestamp}.${body}`));
  const hex = Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, "0")).join("");
  return `t=${timestamp},v1=${hex}`;
}

/** Our mirror of a Stripe dispute of the payment in `status`, as syncDispute writes it, at time `at`. */
export async function disputeRow(payment: { id: string; userId: string; amount: number }, status: DisputeStatus, at: number) {
  const id = createId("dispute");
  await db()
    .insert(disputes)
    .values({ id, stripeDisputeId: `dp_${id.slice(4)}`, paymentId: payment.id, userId: payment.userId, stripeChargeId: "ch_x", amount: payment.amount, currency: "usd", reason: "fraudulent", status, evidenceDueBy: at + 7 * DAY, feeAmount: 1500, stripeCreatedAt: at, syncedAt: at, createdAt: at, updatedAt: at })
    .run();
  return id;
}
export const setDisputeStatus = (id: string, status: DisputeStatus) => db().update(disputes).set({ status }).where(eq(disputes.id, id)).run();

/** An instructor whose Connect account can receive payouts. */
export async function instructorWithPayouts(at: number) {
  const instructor = await insertUser("instructor");
  await db().insert(instructorAccounts).values({ userId: instructor.id, stripeAccountId: `acct_${createId("payment").slice(4)}`, payoutsEnabled: true, createdAt: at, updatedAt: at }).run();
  return instructor;
}
