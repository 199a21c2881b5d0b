import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { eq } from "drizzle-orm";
import Stripe from "stripe";
import { setClock } from "~/utils/clock";
import { emailOutbox, stripeCustomers, stripeEvents, subscriptionChanges, subscriptions } from "~drizzle/schema";
import worker from "../../workers/app";
import { createStripeClient } from "../../workers/stripe-emulator/client";
import { deliverWebhooks, emulator, waitForHandled } from "../payments/helpers";
import { Browser, db, insertUser, jsonBody, waitFor } from "../helpers";

export const DAY_S = 86_400;

/** The SDK against the same emulated account as the app (same key). */
export const stripe = () => createStripeClient(env.STRIPE_SECRET_KEY, env.STRIPE_EMULATOR!);

/**
 * A signed-in learner whose Stripe customer lives on a test clock, with the app's clock pinned to
 * the test clock so both agree on "now". `advance(days)` moves both.
 */
export async function clockedLearner(role: "student" | "admin" = "student") {
  const start = Math.floor(Date.now() / 1000);
  let frozen = start;
  setClock(() => frozen * 1000);
  const user = await insertUser(role);
  const browser = new Browser();
  await browser.login(user.email);
  const s = stripe();
  const clock = await s.testHelpers.testClocks.create({ frozen_time: start, name: user.id });
  const customer = await s.customers.create({ email: user.email, name: user.name, test_clock: clock.id, metadata: { userId: user.id } });
  await db().insert(stripeCustomers).values({ userId: user.id, stripeCustomerId: customer.id, createdAt: start * 1000 }).run();
  return {
    user,
    browser,
    clock,
    customer,
    get now() {
      return frozen;
    },
    /** Advances the test clock (Stripe renews, retries, ends periods) and the app's clock. */
    async advance(days: number) {
      frozen += Math.round(days * DAY_S);
      await s.testHelpers.testClocks.advance(clock.id, { frozen_time: frozen });
      setClock(() => frozen * 1000);
    },
    /** Logs in again (sessions expire after 30 days of app time). */
    async relogin() {
      await browser.login(user.email);
    },
  };
}

export type Learner = Awaited<ReturnType<typeof clockedLearner>>;

export const put = (body: unknown) => jsonBody(body, { method: "PUT" });

export async function subscribe(learner: Learner, tier: "pro" | "enterprise", interval: "month" | "year" = "month", paymentMethod = "pm_card_visa") {
  const res = await learner.browser.json("/api/subscriptions/create", jsonBody({ tier, interval, flow: "payment_method", paymentMethod }));
  return res;
}

/** Delivers every pending webhook and waits until the queue consumer has handled them all. */
export async function syncWebhooks() {
  const delivered = await deliverWebhooks();
  const ids = new Set(delivered.filter((d) => d.status === 200).map((d) => d.event_id));
  await waitForHandled(delivered);
  const failed = (await db().select().from(stripeEvents).all()).filter((r) => ids.has(r.id) && (r.status === "failed" || r.status === "dead"));
  if (failed.length) throw new Error(`events failed: ${failed.map((f) => `${f.type}: ${f.lastError}`).join("; ")}`);
  return delivered;
}

/** Runs the Worker's real `scheduled` handler for the 15-minute cron at the app's current time. */
export async function runCron(scheduledTime = Date.now()) {
  const controller = createScheduledController({ cron: "*/15 * * * *", scheduledTime });
  const ctx = createExecutionContext();
  await worker.scheduled!(controller, env, ctx);
  await waitOnExecutionContext(ctx);
}

export const rowFor = (userId: string) => db().select().from(subscriptions).where(eq(subscriptions.userId, userId)).all();
export const historyFor = (userId: string) => db().select().from(subscriptionChanges).where(eq(subscriptionChanges.userId, userId)).orderBy(subscriptionChanges.id).all();
export const mailFor = (to: string) => db().select().from(emailOutbox).where(eq(emailOutbox.toAddress, to)).all();
export const waitForMail = (to: string, count: number, match: (subject: string) => boolean = () => true) =>
  waitFor(async () => {
    const mails = (await mailFor(to)).filter((m) => match(m.subject));
    return mails.length >= count ? mails : undefined;
  });

export async function invoicesOf(customerId: string) {
  return (await stripe().invoices.list({ customer: customerId, limit: 100 })).data as Stripe.Invoice[];
}

export { emulator };
