import { desc, eq, inArray } from "drizzle-orm";
import type Stripe from "stripe";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import { auditInsert } from "~/modules/audit/audit.server";
import { now } from "~/utils/clock";
import { readBodyLimited } from "~/utils/body.server";
import { AppError } from "~/utils/errors";
import { stripeEvents } from "~drizzle/schema";
import { STRIPE_EVENT_STATUSES } from "~drizzle/schema/enums";
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

export function eventRow(event: z.infer<typeof eventShape>) {
  return {
    id: event.id,
    type: event.type,
    stripeCreatedAt: event.created * 1000,
    status: "received" as const,
    payload: event as unknown as Record<string, unknown>,
    receivedAt: now(),
  };
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
    app.db.update(stripeEvents).set({ status: "received", lastError: null, claimedUntil: null }).where(eq(stripeEvents.id, eventId)),
    auditInsert(app, { actorId: actor.id, action: "stripe_event.replayed", targetType: "stripe_event", targetId: eventId, metadata: { type: event.type } }),
  ]);
  await app.env.STRIPE_EVENTS.send({ eventId }, { contentType: "json" });
  app.logger.info("stripe.event_replayed", { eventId, userId: actor.id });
}
