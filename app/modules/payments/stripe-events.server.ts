import { and, desc, eq, inArray } from "drizzle-orm";
import type Stripe from "stripe";
import { z } from "zod";
import type { AppContext } from "~/context.server";
import { auditInsert } from "~/modules/audit/audit.server";
import { now } from "~/utils/clock";
import { readBodyLimited } from "~/utils/body.server";
import { AppError } from "~/utils/errors";
import { payments, stripeEvents } from "~drizzle/schema";
import { STRIPE_EVENT_STATUSES } from "~drizzle/schema/enums";
import { reconcilePayment } from "./reconcile.server";
import { findPayment, toPurposeView } from "./records.server";
import { dispatchToCapabilities, runPaymentHooks, type StripeEventOutcome, type StripeEventRow } from "./registry";
import { verifyWebhook } from "./stripe.server";

export const STRIPE_EVENTS_QUEUE = "coursemint-stripe-events";
export const STRIPE_EVENTS_DEAD_LETTER_QUEUE = "coursemint-stripe-events-dlq";

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

/**
 * The queue message: the verified event itself (the acknowledgement stores nothing), or only its id
 * for an event already stored (too large to travel inline, or replayed by an admin).
 */
export const stripeEventMessageSchema = z.object({ eventId: z.string().regex(/^evt_\w+$/), event: eventShape.optional() });

/** Queue messages are limited to 128 KB; larger events are stored first and sent by id. */
const MAX_INLINE_EVENT_CHARS = 100_000;

/**
 * The webhook endpoint's work, only what durability needs: verify the raw body with the async
 * verifier and enqueue the verified event, then answer. Storing it once by id and deduplicating is
 * the consumer's job (handleStripeEventMessage). Bad or stale signatures are a 400; a failure to
 * enqueue is a 5xx so Stripe retries.
 */
/**
 * The largest webhook body accepted (Stripe's events are a few KiB; the largest, invoices with
 * many lines, stay well under this).
 */
export const WEBHOOK_BODY_LIMIT = 256 * 1024;

export async function receiveStripeWebhook(app: AppContext, request: Request) {
  const signature = request.headers.get("Stripe-Signature");
  if (!signature) throw new AppError("bad_request", "Missing Stripe-Signature header.");
  // Size first: a body over the limit is refused (413) before any signature work, and the rest of it is never read.
  const raw = new TextDecoder().decode(await readBodyLimited(request, WEBHOOK_BODY_LIMIT));
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
  const log = app.logger.child({ eventId: event.id, eventType: event.type });
  if (raw.length > MAX_INLINE_EVENT_CHARS) {
    await app.db.insert(stripeEvents).values(eventRow(shape.data)).onConflictDoNothing().run();
    await app.env.STRIPE_EVENTS.send({ eventId: event.id }, { contentType: "json" });
  } else {
    await app.env.STRIPE_EVENTS.send({ eventId: event.id, event: shape.data }, { contentType: "json" });
  }
  log.info("stripe.webhook_enqueued", {});
  return { received: true };
}

function eventRow(event: z.infer<typeof eventShape>) {
  return {
    id: event.id,
    type: event.type,
    stripeCreatedAt: event.created * 1000,
    status: "received" as const,
    payload: event as unknown as Record<string, unknown>,
    receivedAt: now(),
  };
}

/**
 * Which events must be handled one after another: those of the same Stripe customer (a payment,
 * its charges and Checkout session, a subscription and its invoices all carry it), else of the same
 * payment (our paymentId in the metadata, else the PaymentIntent), else of the same object. The
 * consumer runs different keys in parallel and one key's events in order of Stripe's `created`.
 */
export function stripeEventOrder(body: unknown): { key: string; created: number } {
  const parsed = stripeEventMessageSchema.safeParse(body);
  if (!parsed.success) return { key: "invalid", created: 0 };
  const object = (parsed.data.event?.data.object ?? {}) as { id?: string; customer?: unknown; payment_intent?: unknown; metadata?: { paymentId?: unknown } | null };
  const text = (value: unknown) => (typeof value === "string" && value ? value : null);
  const customer = text(object.customer) ?? text((object.customer as { id?: unknown } | null)?.id);
  const key = customer ?? text(object.metadata?.paymentId) ?? text(object.payment_intent) ?? object.id ?? parsed.data.eventId;
  return { key, created: parsed.data.event?.created ?? 0 };
}

export type ConsumerOutcome = { action: "ack" } | { action: "retry"; delaySeconds: number };

/**
 * Queue consumer for one message. Delivery is at least once (Stripe retries, the queue redelivers):
 * the event is stored once by id (kept for admins to replay), then claimed by bumping `attempts`
 * from the value just read, so of two deliveries running at once only one handles it; a processed
 * event is acknowledged without work, and every update it makes is forward-only or keyed by our ids.
 */
export async function handleStripeEventMessage(app: AppContext, body: unknown, attempts: number): Promise<ConsumerOutcome> {
  const parsed = stripeEventMessageSchema.safeParse(body);
  if (!parsed.success) {
    app.logger.error("stripe.event_message_invalid", { issues: parsed.error.issues.map((i) => i.message) });
    return { action: "ack" };
  }
  const { eventId, event: inline } = parsed.data;
  const log = app.logger.child({ eventId });
  const select = app.db.select().from(stripeEvents).where(eq(stripeEvents.id, eventId));
  // Store once and read back in one round trip.
  const event = inline
    ? (await app.db.batch([app.db.insert(stripeEvents).values(eventRow(inline)).onConflictDoNothing(), select]))[1][0]
    : await select.get();
  if (!event) {
    log.error("stripe.event_missing", {});
    return { action: "ack" };
  }
  if (event.status !== "received" && event.status !== "failed") return { action: "ack" };
  const claimed = await app.db
    .update(stripeEvents)
    .set({ attempts: event.attempts + 1 })
    .where(and(eq(stripeEvents.id, eventId), eq(stripeEvents.attempts, event.attempts), inArray(stripeEvents.status, ["received", "failed"])))
    .run();
  if (claimed.meta.changes === 0) {
    // Another delivery of this event claimed it first; its run (or its retry) settles it.
    log.info("stripe.event_claimed_elsewhere", {});
    return { action: "ack" };
  }
  try {
    const outcome = await dispatch(app, event);
    await app.db
      .update(stripeEvents)
      .set({ status: outcome, lastError: null, processedAt: now() })
      .where(eq(stripeEvents.id, eventId))
      .run();
    log.info("stripe.event_handled", { eventType: event.type, outcome });
    return { action: "ack" };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await app.db
      .update(stripeEvents)
      .set({ status: "failed", lastError: message.slice(0, 500) })
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
