import { and, desc, eq, inArray } from "drizzle-orm";
import type Stripe from "stripe";
import { z } from "zod";
import type { AppContext } from "~/context.server";
import { auditInsert } from "~/modules/audit/audit.server";
import { now } from "~/utils/clock";
import { AppError } from "~/utils/errors";
import { payments, stripeEvents } from "~drizzle/schema";
import { STRIPE_EVENT_STATUSES } from "~drizzle/schema/enums";
import { reconcilePayment } from "./reconcile.server";
import { findPayment, toPurposeView } from "./records.server";
import { dispatchToCapabilities, runPaymentHooks, type StripeEventOutcome, type StripeEventRow } from "./registry";
import { verifyWebhook } from "./stripe.server";

export const STRIPE_EVENTS_QUEUE = "coursemint-stripe-events";
export const STRIPE_EVENTS_DEAD_LETTER_QUEUE = "coursemint-stripe-events-dlq";
export const MAX_EVENT_ATTEMPTS = 5;

/** What we store and route on; anything else signed with our secret is still not an event. */
const eventShape = z
  .object({
    id: z.string().regex(/^evt_\w+$/),
    object: z.literal("event"),
    type: z.string().min(1).max(100),
    created: z.number().int().positive(),
    data: z.object({ object: z.object({ id: z.string().optional() }).loose() }).loose(),
  })
  .loose();

export const stripeEventMessageSchema = z.object({ eventId: z.string().regex(/^evt_\w+$/) });

/**
 * The webhook endpoint's work: verify the raw body with the async verifier, store the event once
 * by id, enqueue it, and answer quickly. Bad or stale signatures are a 400; a failure to enqueue
 * is a 5xx so Stripe retries (the stored row is re-enqueued then).
 */
export async function receiveStripeWebhook(app: AppContext, request: Request) {
  const signature = request.headers.get("Stripe-Signature");
  if (!signature) throw new AppError("bad_request", "Missing Stripe-Signature header.");
  const raw = await request.text();
  let event: Stripe.Event;
  try {
    event = await verifyWebhook(app, raw, signature);
  } catch (error) {
    app.logger.warn("stripe.webhook_rejected", { reason: (error as Error).message });
    throw new AppError("bad_request", "Invalid Stripe signature.");
  }
  const shape = eventShape.safeParse(event);
  if (!shape.success) {
    app.logger.warn("stripe.webhook_not_an_event", { issues: shape.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) });
    throw new AppError("bad_request", "The signed body is not a Stripe event.");
  }
  const inserted = await app.db
    .insert(stripeEvents)
    .values({
      id: event.id,
      type: event.type,
      stripeCreatedAt: event.created * 1000,
      status: "received",
      payload: event as unknown as Record<string, unknown>,
      receivedAt: now(),
    })
    .onConflictDoNothing()
    .run();
  const log = app.logger.child({ eventId: event.id, eventType: event.type });
  if (inserted.meta.changes === 0) {
    const existing = await app.db.select({ status: stripeEvents.status }).from(stripeEvents).where(eq(stripeEvents.id, event.id)).get();
    if (existing && existing.status !== "received") {
      log.info("stripe.webhook_duplicate", { status: existing.status });
      return { received: true, duplicate: true };
    }
  }
  await app.env.STRIPE_EVENTS.send({ eventId: event.id }, { contentType: "json" });
  log.info("stripe.webhook_enqueued", {});
  return { received: true, duplicate: inserted.meta.changes === 0 };
}

export type ConsumerOutcome = { action: "ack" } | { action: "retry"; delaySeconds: number };

/**
 * Queue consumer for one message. Delivery is at least once (Stripe retries, the queue redelivers);
 * the effect happens once: a processed event is acknowledged without work, and every update it makes
 * is forward-only or keyed by our own ids.
 */
export async function handleStripeEventMessage(app: AppContext, body: unknown, attempts: number): Promise<ConsumerOutcome> {
  const parsed = stripeEventMessageSchema.safeParse(body);
  if (!parsed.success) {
    app.logger.error("stripe.event_message_invalid", { issues: parsed.error.issues.map((i) => i.message) });
    return { action: "ack" };
  }
  const { eventId } = parsed.data;
  const log = app.logger.child({ eventId });
  const event = await app.db.select().from(stripeEvents).where(eq(stripeEvents.id, eventId)).get();
  if (!event) {
    log.error("stripe.event_missing", {});
    return { action: "ack" };
  }
  if (event.status === "processed" || event.status === "ignored") return { action: "ack" };
  try {
    const outcome = await dispatch(app, event);
    await app.db
      .update(stripeEvents)
      .set({ status: outcome, attempts: event.attempts + 1, lastError: null, processedAt: now() })
      .where(eq(stripeEvents.id, eventId))
      .run();
    log.info("stripe.event_handled", { eventType: event.type, outcome });
    return { action: "ack" };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await app.db
      .update(stripeEvents)
      .set({ status: "failed", attempts: event.attempts + 1, lastError: message.slice(0, 500) })
      .where(eq(stripeEvents.id, eventId))
      .run();
    log.error("stripe.event_failed", { eventType: event.type, attempts, error });
    return { action: "retry", delaySeconds: Math.min(600, 5 * 2 ** Math.max(0, attempts - 1)) };
  }
}

/** Dead-letter consumer: the event failed every attempt; admins see it and can replay it. */
export async function recordDeadStripeEvent(app: AppContext, body: unknown): Promise<ConsumerOutcome> {
  const parsed = stripeEventMessageSchema.safeParse(body);
  if (parsed.success) {
    await app.db
      .update(stripeEvents)
      .set({ status: "dead" })
      .where(and(eq(stripeEvents.id, parsed.data.eventId), inArray(stripeEvents.status, ["received", "failed"])))
      .run();
    app.logger.error("stripe.event_dead", { eventId: parsed.data.eventId });
  }
  return { action: "ack" };
}

const objectRef = z.object({ id: z.string(), metadata: z.record(z.string(), z.string()).nullish() }).loose();
const chargeRef = objectRef.extend({ payment_intent: z.string().nullish() });
const sessionRef = objectRef.extend({ mode: z.string(), payment_intent: z.string().nullish() });

async function dispatch(app: AppContext, event: StripeEventRow): Promise<StripeEventOutcome> {
  const object = (event.payload as { data?: { object?: unknown } }).data?.object;
  const type = event.type;
  if (type.startsWith("payment_intent.")) {
    const pi = objectRef.parse(object);
    const payment = (pi.metadata?.paymentId && (await findPayment(app, { id: pi.metadata.paymentId }))) || (await findPayment(app, { paymentIntentId: pi.id }));
    if (!payment) return dispatchToCapabilities(app, event);
    await reconcilePayment(app, payment.id, { paymentIntentId: pi.id });
    return "processed";
  }
  if (type.startsWith("charge.")) {
    const charge = chargeRef.parse(object);
    const payment =
      (charge.payment_intent && (await findPayment(app, { paymentIntentId: charge.payment_intent }))) ||
      (charge.metadata?.paymentId && (await findPayment(app, { id: charge.metadata.paymentId })));
    if (!payment) return "ignored";
    await reconcilePayment(app, payment.id, { paymentIntentId: charge.payment_intent });
    return "processed";
  }
  if (type === "checkout.session.completed" || type === "checkout.session.expired") {
    const session = sessionRef.parse(object);
    if (session.mode !== "payment") return dispatchToCapabilities(app, event);
    const payment =
      (session.metadata?.paymentId && (await findPayment(app, { id: session.metadata.paymentId }))) ||
      (await findPayment(app, { checkoutSessionId: session.id }));
    if (!payment) return "ignored";
    if (type === "checkout.session.expired") {
      await app.db
        .update(payments)
        .set({ status: "canceled", failureCode: "checkout_expired", failureMessage: "The checkout page expired.", updatedAt: now() })
        .where(and(eq(payments.id, payment.id), eq(payments.status, "requires_action")))
        .run();
      const closed = await findPayment(app, { id: payment.id });
      if (closed?.status === "canceled") await runPaymentHooks(app, "unpaid", toPurposeView(closed));
      return "processed";
    }
    await reconcilePayment(app, payment.id, { paymentIntentId: session.payment_intent });
    return "processed";
  }
  return dispatchToCapabilities(app, event);
}

export const eventFilterSchema = z.object({
  status: z.enum(STRIPE_EVENT_STATUSES).optional().or(z.literal("").transform(() => undefined)),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

/** For the admin page: newest first, by status (failed and dead by default). */
export async function listStripeEvents(app: AppContext, filter: z.infer<typeof eventFilterSchema>) {
  const statuses = filter.status ? [filter.status] : (["failed", "dead"] as const);
  return app.db
    .select({
      id: stripeEvents.id,
      type: stripeEvents.type,
      status: stripeEvents.status,
      attempts: stripeEvents.attempts,
      lastError: stripeEvents.lastError,
      receivedAt: stripeEvents.receivedAt,
      processedAt: stripeEvents.processedAt,
    })
    .from(stripeEvents)
    .where(inArray(stripeEvents.status, [...statuses]))
    .orderBy(desc(stripeEvents.receivedAt))
    .limit(filter.limit)
    .all();
}

/** Admin replay of a failed or dead event: back to received and onto the queue; audited. */
export async function replayStripeEvent(app: AppContext, actor: { id: string }, eventId: string) {
  const event = await app.db.select().from(stripeEvents).where(eq(stripeEvents.id, eventId)).get();
  if (!event) throw AppError.notFound("Event");
  if (event.status !== "failed" && event.status !== "dead") {
    throw new AppError("conflict", `Only failed or dead events can be replayed (this one is ${event.status}).`);
  }
  await app.db.batch([
    app.db.update(stripeEvents).set({ status: "received", lastError: null }).where(eq(stripeEvents.id, eventId)),
    auditInsert(app, { actorId: actor.id, action: "stripe_event.replayed", targetType: "stripe_event", targetId: eventId, metadata: { type: event.type } }),
  ]);
  await app.env.STRIPE_EVENTS.send({ eventId }, { contentType: "json" });
  app.logger.info("stripe.event_replayed", { eventId, userId: actor.id });
}
