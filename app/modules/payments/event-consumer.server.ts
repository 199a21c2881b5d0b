import { and, eq, inArray, isNull, lte, or, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import { MINUTE, now } from "~/utils/clock";
import { chunk } from "~/utils/db.server";
import { payments, stripeEvents } from "~drizzle/schema";
import { syncDispute } from "./disputes.server";
import { closeExpiredCheckout, reconcilePayment } from "./reconcile.server";
import { dispatchToCapabilities, type StripeEventOutcome, type StripeEventRow } from "./registry";
import { eventRow, stripeEventMessageSchema } from "./stripe-events.server";

/** A queue message as the consumer sees it. */
export type QueuedMessage = { id: string; body: unknown; attempts: number };
export type ConsumerOutcome = { action: "ack" } | { action: "retry"; delaySeconds: number };

/**
 * How long one consumer run holds an event it claimed. Another delivery of the event meanwhile is
 * retried after the claim ends (never acknowledged: the run holding it may crash); a run that
 * crashes leaves the event to the first delivery after its claim ends.
 */
export const STRIPE_EVENT_CLAIM_MS = 2 * MINUTE;

/** D1 binds at most 100 parameters per statement: ids go in chunks that leave room for the rest. */
const IDS_PER_STATEMENT = 50;
/** An inserted row may bind each of the table's 10 columns. */
const EVENTS_PER_INSERT = 9;

const OPEN = ["received", "failed"] as const;

/** An event a run may take at `t`: open, and not held by a live run's claim. */
const claimable = (t: number) => and(inArray(stripeEvents.status, [...OPEN]), or(isNull(stripeEvents.claimedUntil), lte(stripeEvents.claimedUntil, t)));

/** For an event another run holds at `t`: come back when its claim ends (then it is settled, or free to take). */
function heldElsewhere(state: { status: string; claimedUntil: number | null }, t: number): ConsumerOutcome | null {
  if (!(OPEN as readonly string[]).includes(state.status) || state.claimedUntil === null || state.claimedUntil <= t) return null;
  return { action: "retry", delaySeconds: Math.ceil((state.claimedUntil - t) / 1000) + 1 };
}

/**
 * Which events must be handled one after another: those of the same Stripe customer (a payment,
 * its charges and Checkout session, a subscription and its invoices all carry it), else of the same
 * payment (our paymentId in the metadata, else the PaymentIntent), else of the same object. A batch
 * runs different keys in parallel and one key's events in order of Stripe's `created`.
 */
export function stripeEventOrder(event: Pick<StripeEventRow, "id" | "payload" | "stripeCreatedAt">): { key: string; created: number } {
  const object = ((event.payload as { data?: { object?: unknown } }).data?.object ?? {}) as {
    id?: string;
    customer?: unknown;
    payment_intent?: unknown;
    metadata?: { paymentId?: unknown } | null;
  };
  const text = (value: unknown) => (typeof value === "string" && value ? value : null);
  const customer = text(object.customer) ?? text((object.customer as { id?: unknown } | null)?.id);
  const key = customer ?? text(object.metadata?.paymentId) ?? text(object.payment_intent) ?? text(object.id) ?? event.id;
  return { key, created: event.stripeCreatedAt };
}

/**
 * The STRIPE_EVENTS consumer, a whole batch at a time with a constant number of D1 round trips:
 * one stores every inline event (once by id, kept for admin replay), claims every open one and
 * reads the payments they name (one more for events that came by id only); one settles them all.
 * In between, events of different payments run in parallel and one payment's events in Stripe's
 * order; only events that change something make further calls. Delivery is at least once (Stripe retries, the queue redelivers): a claim is a
 * conditional update (open and not claimed by a live run), so two deliveries running at once
 * handle an event once; a handled event is acknowledged without work.
 */
export async function handleStripeEventBatch(app: AppContext, messages: readonly QueuedMessage[]): Promise<Map<string, ConsumerOutcome>> {
  const outcomes = new Map<string, ConsumerOutcome>();
  /** Each event once, with every message that carries it and its payload if one of them does. */
  const byEvent = new Map<string, { messages: QueuedMessage[]; inline?: ReturnType<typeof eventRow> }>();
  for (const message of messages) {
    const parsed = stripeEventMessageSchema.safeParse(message.body);
    if (!parsed.success) {
      app.logger.error("stripe.event_message_invalid", { messageId: message.id, issues: parsed.error.issues.map((i) => i.message) });
      outcomes.set(message.id, { action: "ack" });
      continue;
    }
    const entry = byEvent.get(parsed.data.eventId) ?? { messages: [] };
    entry.messages.push(message);
    if (parsed.data.event && !entry.inline) entry.inline = eventRow(parsed.data.event);
    byEvent.set(parsed.data.eventId, entry);
  }
  if (byEvent.size === 0) return outcomes;

  const t = now();
  const ids = [...byEvent.keys()];
  const inline = [...byEvent.values()].flatMap((e) => (e.inline ? [e.inline] : []));
  const lookups = paymentLookups([...byEvent.values()].flatMap((e) => (e.inline ? [e.inline.payload] : [])));
  // Round trip 1: store, claim, read back what was not claimed, and find the payments named.
  const inserts = chunk(inline, EVENTS_PER_INSERT).map((rows) => app.db.insert(stripeEvents).values(rows).onConflictDoNothing());
  const claims = chunk(ids, IDS_PER_STATEMENT).map((part) =>
    app.db
      .update(stripeEvents)
      .set({ attempts: sql`${stripeEvents.attempts} + 1`, claimedUntil: t + STRIPE_EVENT_CLAIM_MS })
      .where(and(inArray(stripeEvents.id, part), claimable(t)))
      .returning(),
  );
  const states = chunk(ids, IDS_PER_STATEMENT).map((part) =>
    app.db.select({ id: stripeEvents.id, status: stripeEvents.status, claimedUntil: stripeEvents.claimedUntil }).from(stripeEvents).where(inArray(stripeEvents.id, part)),
  );
  const paymentReads = lookups.map((where) => selectPaymentKeys(app, where));
  const results = (await app.db.batch([...inserts, ...claims, ...states, ...paymentReads] as unknown as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]])) as unknown[];
  let at = inserts.length;
  const claimed = (results.slice(at, (at += claims.length)) as StripeEventRow[][]).flat();
  const stateOf = new Map((results.slice(at, (at += states.length)) as Array<Array<{ id: string; status: string; claimedUntil: number | null }>>).flat().map((s) => [s.id, s]));
  const found = (results.slice(at) as PaymentKeys[][]).flat();
  // Events that came by id only (too large to travel inline, or replayed): their payments are read now.
  const late = paymentLookups(claimed.filter((e) => !byEvent.get(e.id)!.inline).map((e) => e.payload));
  if (late.length) found.push(...(await Promise.all(late.map((where) => selectPaymentKeys(app, where)))).flat());
  const known = new PaymentIndex(found);

  // Events not claimed here: handled already, held by another run, or never stored.
  const claimedIds = new Set(claimed.map((e) => e.id));
  for (const [eventId, entry] of byEvent) {
    if (claimedIds.has(eventId)) continue;
    const state = stateOf.get(eventId);
    if (!state) app.logger.error("stripe.event_missing", { eventId });
    const held = state ? heldElsewhere(state, t) : null;
    if (held) app.logger.info("stripe.event_claimed_elsewhere", { eventId });
    for (const message of entry.messages) outcomes.set(message.id, held ?? { action: "ack" });
  }

  // Handle the claimed events: payments in parallel, each payment's events in Stripe's order.
  const groups = new Map<string, StripeEventRow[]>();
  for (const event of claimed) {
    const { key } = stripeEventOrder(event);
    groups.set(key, [...(groups.get(key) ?? []), event]);
  }
  const settled: Array<{ event: StripeEventRow; outcome: StripeEventOutcome } | { event: StripeEventRow; error: string }> = [];
  await Promise.all(
    [...groups.values()].map(async (group) => {
      group.sort((a, b) => a.stripeCreatedAt - b.stripeCreatedAt || a.id.localeCompare(b.id));
      for (const event of group) {
        try {
          settled.push({ event, outcome: await dispatch(app, event, known) });
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          app.logger.error("stripe.event_failed", { eventId: event.id, eventType: event.type, attempts: event.attempts, error });
          settled.push({ event, error: message.slice(0, 500) });
        }
      }
    }),
  );

  // Round trip 2: settle everything handled, in one batch, and release the claims.
  const done = now();
  const statements: BatchItem<"sqlite">[] = [];
  for (const status of ["processed", "ignored"] as const) {
    const handled = settled.flatMap((s) => ("outcome" in s && s.outcome === status ? [s.event.id] : []));
    for (const part of chunk(handled, IDS_PER_STATEMENT)) {
      statements.push(app.db.update(stripeEvents).set({ status, lastError: null, processedAt: done, claimedUntil: null }).where(inArray(stripeEvents.id, part)));
    }
  }
  for (const s of settled) {
    if ("error" in s) statements.push(app.db.update(stripeEvents).set({ status: "failed", lastError: s.error, claimedUntil: null }).where(eq(stripeEvents.id, s.event.id)));
  }
  if (statements.length) await app.db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);

  for (const s of settled) {
    const entry = byEvent.get(s.event.id)!;
    if ("outcome" in s) {
      app.logger.info("stripe.event_handled", { eventId: s.event.id, eventType: s.event.type, outcome: s.outcome });
      for (const message of entry.messages) outcomes.set(message.id, { action: "ack" });
    } else {
      // One copy comes back with backoff; the others are done (the retry covers them).
      const [first, ...copies] = entry.messages;
      outcomes.set(first!.id, { action: "retry", delaySeconds: Math.min(600, 5 * 2 ** Math.max(0, s.event.attempts - 1)) });
      for (const message of copies) outcomes.set(message.id, { action: "ack" });
    }
  }
  return outcomes;
}

/**
 * Dead-letter consumer: the event failed every attempt; admins see it and can replay it. A copy
 * dead-lettered while a run holds the event (it kept finding it claimed) comes back when that claim
 * ends: by then the event is settled (nothing to do) or its run crashed (then it is dead).
 */
export async function recordDeadStripeEvent(app: AppContext, body: unknown): Promise<ConsumerOutcome> {
  const parsed = stripeEventMessageSchema.safeParse(body);
  if (!parsed.success) return { action: "ack" };
  const { eventId } = parsed.data;
  const t = now();
  const [marked, state] = await app.db.batch([
    app.db
      .update(stripeEvents)
      .set({ status: "dead", claimedUntil: null })
      .where(and(eq(stripeEvents.id, eventId), claimable(t)))
      .returning({ id: stripeEvents.id }),
    app.db.select({ status: stripeEvents.status, claimedUntil: stripeEvents.claimedUntil }).from(stripeEvents).where(eq(stripeEvents.id, eventId)),
  ]);
  if (marked.length) app.logger.error("stripe.event_dead", { eventId });
  return (state[0] && heldElsewhere(state[0], t)) ?? { action: "ack" };
}

type PaymentKeys = { id: string; intent: string | null; session: string | null };
const selectPaymentKeys = (app: AppContext, where: SQL) =>
  app.db.select({ id: payments.id, intent: payments.stripePaymentIntentId, session: payments.stripeCheckoutSessionId }).from(payments).where(where);

/** The payments a batch's events name, found by our id, PaymentIntent or Checkout Session. */
class PaymentIndex {
  private readonly byId = new Map<string, string>();
  private readonly byIntent = new Map<string, string>();
  private readonly bySession = new Map<string, string>();
  constructor(rows: PaymentKeys[]) {
    for (const row of rows) {
      this.byId.set(row.id, row.id);
      if (row.intent) this.byIntent.set(row.intent, row.id);
      if (row.session) this.bySession.set(row.session, row.id);
    }
  }
  find(where: { id?: string | null; intent?: string | null; session?: string | null }): string | undefined {
    return (where.id && this.byId.get(where.id)) || (where.intent && this.byIntent.get(where.intent)) || (where.session && this.bySession.get(where.session)) || undefined;
  }
}

const objectRef = z.object({ id: z.string(), metadata: z.record(z.string(), z.string()).nullish() }).loose();
const chargeRef = objectRef.extend({ payment_intent: z.string().nullish() });
const disputeRef = z.object({ id: z.string().regex(/^dp_\w+$/), payment_intent: z.string().nullish() }).loose();
const sessionRef = objectRef.extend({ mode: z.string(), payment_intent: z.string().nullish() });

/** Our ids, PaymentIntents and Checkout Sessions the events name, as conditions of at most IDS_PER_STATEMENT values. */
function paymentLookups(payloads: Array<Record<string, unknown>>): SQL[] {
  const ids = new Set<string>();
  const intents = new Set<string>();
  const sessions = new Set<string>();
  for (const payload of payloads) {
    const object = (payload as { data?: { object?: Record<string, unknown> } }).data?.object ?? {};
    const type = String(payload.type ?? "");
    const metadata = object.metadata as Record<string, unknown> | null | undefined;
    if (typeof metadata?.paymentId === "string") ids.add(metadata.paymentId);
    if (type.startsWith("payment_intent.") && typeof object.id === "string") intents.add(object.id);
    if (typeof object.payment_intent === "string") intents.add(object.payment_intent);
    if (type.startsWith("checkout.session.") && typeof object.id === "string") sessions.add(object.id);
  }
  return [
    ...chunk([...ids], IDS_PER_STATEMENT).map((part) => inArray(payments.id, part)),
    ...chunk([...intents], IDS_PER_STATEMENT).map((part) => inArray(payments.stripePaymentIntentId, part)),
    ...chunk([...sessions], IDS_PER_STATEMENT).map((part) => inArray(payments.stripeCheckoutSessionId, part)),
  ];
}

/** One claimed event: payment events reconcile our payment; the rest go to the capabilities. */
async function dispatch(app: AppContext, event: StripeEventRow, known: PaymentIndex): Promise<StripeEventOutcome> {
  const object = (event.payload as { data?: { object?: unknown } }).data?.object;
  const type = event.type;
  if (type.startsWith("payment_intent.")) {
    const pi = objectRef.parse(object);
    const paymentId = known.find({ id: pi.metadata?.paymentId, intent: pi.id });
    if (!paymentId) return dispatchToCapabilities(app, event);
    await reconcilePayment(app, paymentId, { paymentIntentId: pi.id });
    return "processed";
  }
  if (type.startsWith("charge.dispute.")) {
    // Disputes of our payments: re-read from Stripe, mirrored, and their policy's effects applied once per stage.
    // Not only the payments the batch found: a Checkout payment may learn its PaymentIntent later in this very batch.
    const dispute = disputeRef.parse(object);
    if (!dispute.payment_intent) return "ignored";
    return syncDispute(app, dispute.id);
  }
  if (type.startsWith("charge.")) {
    const charge = chargeRef.parse(object);
    const paymentId = known.find({ intent: charge.payment_intent }) ?? known.find({ id: charge.metadata?.paymentId });
    if (!paymentId) return "ignored";
    await reconcilePayment(app, paymentId, { paymentIntentId: charge.payment_intent });
    return "processed";
  }
  if (type === "checkout.session.completed" || type === "checkout.session.expired") {
    const session = sessionRef.parse(object);
    if (session.mode !== "payment") return dispatchToCapabilities(app, event);
    const paymentId = known.find({ id: session.metadata?.paymentId, session: session.id });
    if (!paymentId) return "ignored";
    if (type === "checkout.session.expired") {
      await closeExpiredCheckout(app, paymentId);
      return "processed";
    }
    await reconcilePayment(app, paymentId, { paymentIntentId: session.payment_intent });
    return "processed";
  }
  return dispatchToCapabilities(app, event);
}

