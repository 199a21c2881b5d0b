import { and, desc, eq } from "drizzle-orm";
import type Stripe from "stripe";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import { auditInsert } from "~/modules/audit/audit.server";
import type { SessionUser } from "~/modules/auth/session.server";
import { ensureCustomer } from "~/modules/payments/customers.server";
import { checkStripe, createStripe, mapStripeError, outcomeUnknown, stripeShapes } from "~/modules/payments/stripe.server";
import { now } from "~/utils/clock";
import { AppError, parseOrThrow } from "~/utils/errors";
import { createId } from "~/utils/ids";
import { sameSitePathSchema } from "~/utils/redirect";
import { subscriptionChanges, subscriptions, subscriptionStarts } from "~drizzle/schema";
import { getEntitlement, type Entitlement } from "./entitlements.server";
import { resolvePrice } from "./pricing.server";
import {
  ENTITLED_STATUSES,
  findOpenSubscription,
  recordPaidInvoice,
  retrieveInvoice,
  syncSubscription,
  type SubscriptionRow,
  type SyncContext,
} from "./stripe-sync.server";
import { BILLING_INTERVALS, PAID_TIERS, planLabel, TIERS } from "./tiers";
import { TRIAL_POLICY, trialDays } from "./trials";
import { cardFingerprint, claimTrial, releaseTrialClaim, trialAtEnd, trialEligibility, trialUsedError } from "./trials.server";


export type SubscriptionView = ReturnType<typeof subscriptionView>;

/** The user's own plan (their subscription, not a seat): `entitlement` is the own tier and entitling row. */
export function subscriptionView(entitlement: Pick<Entitlement, "tier" | "subscription">, open: SubscriptionRow | null = entitlement.subscription) {
  const row = entitlement.subscription ?? open;
  const tier = entitlement.tier;
  return {
    tier,
    tierName: TIERS[tier].name,
    plan: planLabel(tier, row?.interval),
    status: row?.status ?? "active",
    interval: row?.interval ?? null,
    amount: row?.amount ?? 0,
    currency: row?.currency ?? TIERS[tier].currency,
    currentPeriodStart: row?.currentPeriodStart ?? null,
    currentPeriodEnd: row?.currentPeriodEnd ?? null,
    /** The next renewal, or null when the subscription ends at period end (or there is none). */
    renewsAt: row && !row.cancelAtPeriodEnd && row.status !== "canceled" ? row.currentPeriodEnd : null,
    cancelAtPeriodEnd: row?.cancelAtPeriodEnd ?? false,
    accessEndsAt: row?.cancelAtPeriodEnd ? row.currentPeriodEnd : null,
    pendingChange: row?.pendingTier ? { tier: row.pendingTier, interval: row.pendingInterval ?? row.interval, effectiveAt: row.currentPeriodEnd } : null,
    dunning:
      row?.status === "past_due"
        ? { since: row.pastDueSince, attempts: row.paymentAttempts, nextAttemptAt: row.nextPaymentAttemptAt, lastError: row.lastPaymentError }
        : null,
    /** Set while the subscription is in its free trial. */
    trial:
      row?.status === "trialing" && row.trialEnd
        ? { startedAt: row.trialStart, endsAt: row.trialEnd, hasPaymentMethod: row.hasPaymentMethod, atEnd: trialAtEnd(row) }
        : null,
    subscriptionId: row?.id ?? null,
    features: TIERS[tier].features,
    limits: TIERS[tier].limits,
  };
}

/** GET /api/subscriptions/current. */
export async function currentSubscription(app: AppContext, userId: string) {
  // Both reads together: one sequential D1 round trip (issue 16).
  const [entitlement, open] = await Promise.all([getEntitlement(app, userId), findOpenSubscription(app, userId)]);
  return { ...subscriptionView(ownPlan(entitlement), entitlement.subscription ?? open ?? null), entitlement: entitlementView(entitlement) };
}

/** The own-subscription half of an entitlement (what the user pays for themselves). */
const ownPlan = (e: Entitlement) => ({ tier: e.subscription?.tier ?? ("free" as const), subscription: e.subscription });

/** What the user is entitled to and from where (their plan, or a seat of an organization). */
export function entitlementView(e: Entitlement) {
  return {
    tier: e.tier,
    tierName: TIERS[e.tier].name,
    source: e.source,
    features: TIERS[e.tier].features,
    limits: TIERS[e.tier].limits,
    organization: e.seat
      ? { id: e.seat.organizationId, name: e.seat.organizationName, role: e.seat.role, tier: e.seat.tier, licenseExpiresAt: e.seat.licenseExpiresAt, managedBy: e.seat.managedBy }
      : null,
  };
}

export async function subscriptionHistory(app: AppContext, userId: string, limit = 50) {
  return app.db.select().from(subscriptionChanges).where(eq(subscriptionChanges.userId, userId)).orderBy(desc(subscriptionChanges.id)).limit(limit).all();
}

/** The user's Stripe invoices (newest first) for the billing page. */
export async function listInvoices(app: AppContext, userId: string) {
  const row = await app.db.select().from(subscriptions).where(eq(subscriptions.userId, userId)).orderBy(desc(subscriptions.id)).get();
  if (!row) return [];
  const list = await createStripe(app).invoices.list({ customer: row.stripeCustomerId, limit: 24 });
  return list.data.map((i) => ({
    id: i.id!,
    number: i.number,
    status: i.status,
    billingReason: i.billing_reason,
    amountDue: i.amount_due,
    amountPaid: i.amount_paid,
    currency: i.currency,
    created: i.created * 1000,
    url: i.hosted_invoice_url ?? null,
  }));
}

// ---------------------------------------------------------------- create

const returnPath = sameSitePathSchema; // the one same-site rule (app/utils/redirect.ts)
const DEFAULT_SUCCESS_PATH = "/account/billing?checkout=success";
const DEFAULT_CANCEL_PATH = "/pricing?checkout=canceled";

export const createSchema = z
  .strictObject({
    tier: z.enum(PAID_TIERS, { error: "tier must be pro or enterprise" }),
    interval: z.enum(BILLING_INTERVALS, { error: "interval must be month or year" }).default("month"),
    flow: z.enum(["checkout", "payment_method", "no_card"]).default("checkout"),
    paymentMethod: z.string().regex(/^pm_\w{1,100}$/, "Must be a Stripe payment method id (pm_...)").optional(),
    /** Start with the plan's free trial (14 days on Pro): nothing is charged until it ends. */
    trial: z.boolean().default(false),
    successPath: returnPath.default(DEFAULT_SUCCESS_PATH),
    cancelPath: returnPath.default(DEFAULT_CANCEL_PATH),
  })
  .refine((v) => v.flow !== "payment_method" || !!v.paymentMethod, { path: ["paymentMethod"], message: "paymentMethod is required for the payment_method flow" })
  .refine((v) => v.flow !== "no_card" || v.trial, { path: ["flow"], message: "flow no_card is only for a free trial (trial: true)" })
  .refine((v) => v.flow !== "no_card" || !v.paymentMethod, { path: ["paymentMethod"], message: "paymentMethod is not taken by the no_card flow" })
  .refine((v) => !v.trial || v.flow !== "checkout", { path: ["flow"], message: "A free trial starts with flow no_card (no card) or payment_method (with a card), not checkout" });

export type CreateResult =
  | { status: "requires_action"; nextAction: { type: "redirect_to_checkout"; url: string } }
  | { status: "active" | "trialing"; subscription: SubscriptionView };

/**
 * Starts a paid subscription. `checkout` (browsers) returns the hosted Checkout URL; the
 * subscription row appears when Stripe reports it (webhook). `payment_method` (API) attaches the
 * card, creates the subscription and charges the first period now: 402 on a decline.
 *
 * A `subscription_starts` row is written before any Stripe call and the database allows one open
 * start per user. Every Stripe request of a start is built from that row alone and carries a key
 * derived from its id, so a second click, a second tab or a retry after a lost answer re-sends the
 * identical requests and ends in the same Checkout Session or the one subscription.
 */
export async function createSubscription(app: AppContext, user: SessionUser, input: unknown): Promise<CreateResult> {
  const data = parseOrThrow(createSchema, input);
  if (data.trial) {
    const eligibility = await trialEligibility(app, user.id, data.tier);
    if (!eligibility.eligible && eligibility.reason === "no_trial") throw new AppError("bad_request", eligibility.message);
    // A retry of this very trial start is let through: its claim is its own (claimTrial).
    if (!eligibility.eligible && eligibility.reason === "already_used") {
      const start = await openStart(app, user.id);
      if (!(start?.trial && start.tier === data.tier && start.interval === data.interval && start.flow === data.flow)) throw trialUsedError();
    }
  }
  let existing = await findOpenSubscription(app, user.id);
  if (existing?.status === "paused") {
    // A trial that ended without a card (policy "pause"): choosing a plan replaces it.
    await endPausedSubscription(app, existing, user);
    existing = await findOpenSubscription(app, user.id);
  }
  if (existing && existing.status !== "incomplete") {
    // A retry of an API start whose answer was lost, after the webhook already mirrored its
    // subscription: that subscription is the start's outcome.
    const start = await openStart(app, user.id);
    if (start && start.flow !== "checkout" && start.flow === data.flow && start.trial === data.trial && start.tier === data.tier && start.interval === data.interval && existing.tier === data.tier && existing.interval === data.interval) {
      await settleStart(app, start.id, "completed");
      return { status: existing.status === "trialing" ? "trialing" : "active", subscription: subscriptionView({ tier: existing.tier, subscription: existing }) };
    }
    assertNoOpenSubscription(existing);
  }
  const stripe = createStripe(app);
  const start = await reserveStart(app, stripe, user, data);
  // Checked again after reserving: a start that completed just before ours is visible now.
  const open = await findOpenSubscription(app, user.id);
  if (open && open.status !== "incomplete") {
    await settleStart(app, start.id, "canceled");
    assertNoOpenSubscription(open);
  }
  if (start.checkoutUrl) return { status: "requires_action", nextAction: { type: "redirect_to_checkout", url: start.checkoutUrl } };
  return sendStart(app, stripe, user, start);
}

/**
 * The Stripe requests of a start — the first time or again. Their parameters come from the start
 * row (plan, card, return paths) and their keys from its id, so Stripe acts at most once and a
 * re-send gets what it did. A definite refusal (a decline, an invalid request) ends the start; an
 * unknown outcome keeps it open for the next retry.
 */
async function sendStart(app: AppContext, stripe: Stripe, user: SessionUser, start: Start): Promise<CreateResult> {
  const log = app.logger.child({ userId: user.id, tier: start.tier, interval: start.interval, subscriptionStartId: start.id });
  let claimed = false;
  try {
    const price = await resolvePrice(app, stripe, start.tier, start.interval);
    const customerId = await ensureCustomer(app, stripe, user);
    const metadata = { userId: user.id, tier: start.tier, interval: start.interval, subscriptionStartId: start.id };
    if (start.flow === "checkout") {
      const session = checkStripe(
        stripeShapes.checkoutSession.extend({ url: z.url() }),
        await stripe.checkout.sessions.create(
          {
            mode: "subscription",
            customer: customerId,
            client_reference_id: user.id,
            line_items: [{ price: price.id, quantity: 1 }],
            metadata,
            subscription_data: { metadata },
            success_url: `${app.config.APP_URL}${start.successPath ?? DEFAULT_SUCCESS_PATH}`,
            cancel_url: `${app.config.APP_URL}${start.cancelPath ?? DEFAULT_CANCEL_PATH}`,
          },
          { idempotencyKey: `sub-checkout-${start.id}` },
        ),
        "Checkout Session",
      );
      await app.db
        .update(subscriptionStarts)
        .set({ stripeCheckoutSessionId: session.id, checkoutUrl: session.url, updatedAt: now() })
        .where(eq(subscriptionStarts.id, start.id))
        .run();
      log.info("subscription.checkout_started", { checkoutSessionId: session.id });
      return { status: "requires_action", nextAction: { type: "redirect_to_checkout", url: session.url! } };
    }
    if (start.flow === "payment_method" && !start.stripePaymentMethodId) throw startInProgress();
    const pm = start.stripePaymentMethodId
      ? await stripe.paymentMethods.attach(start.stripePaymentMethodId, { customer: customerId }, { idempotencyKey: `sub-pm-${start.id}` })
      : null;
    const days = start.trial ? trialDays(start.tier) : null;
    if (start.trial) {
      if (!days) throw new AppError("bad_request", `${TIERS[start.tier].name} has no free trial.`);
      // One trial per account and per card: the claim's insert decides (trial_claims' unique indexes).
      await claimTrial(app, { userId: user.id, startId: start.id, tier: start.tier, fingerprint: pm ? cardFingerprint(pm) : null });
      claimed = true;
    }
    const sub = checkStripe(
      stripeShapes.subscription,
      await stripe.subscriptions.create(
        {
          customer: customerId,
          items: [{ price: price.id, quantity: 1 }],
          ...(pm ? { default_payment_method: pm.id } : {}),
          payment_behavior: "error_if_incomplete",
          metadata,
          ...(days
            ? {
                trial_period_days: days,
                trial_settings: { end_behavior: { missing_payment_method: TRIAL_POLICY.missingPaymentMethod } },
                // A card added during the trial becomes the subscription's default for the first charge.
                payment_settings: { save_default_payment_method: "on_subscription" },
              }
            : {}),
        },
        { idempotencyKey: `sub-create-${start.id}` },
      ),
      "Subscription",
    );
    const row = await syncSubscription(app, sub.id, { source: "user", actorId: user.id }, sub);
    if (!row) throw new AppError("internal", "Something went wrong on our side. Please try again.");
    await settleStart(app, start.id, "completed");
    const invoiceId = typeof sub.latest_invoice === "string" ? sub.latest_invoice : sub.latest_invoice?.id;
    if (invoiceId) await recordPaidInvoice(app, row, await retrieveInvoice(app, invoiceId));
    log.info(row.status === "trialing" ? "subscription.trial_started" : "subscription.started", { subscriptionId: row.id, trialEnd: row.trialEnd, hasPaymentMethod: row.hasPaymentMethod });
    return { status: row.status === "trialing" ? "trialing" : "active", subscription: subscriptionView({ tier: row.tier, subscription: row }) };
  } catch (error) {
    if (error instanceof AppError) {
      // Refused before Stripe acted (a trial already used): this start is over.
      if (error.code === "conflict" && start.trial && !claimed) await settleStart(app, start.id, "canceled");
      throw error;
    }
    if (outcomeUnknown(error)) log.warn("subscription.start_outcome_unknown", { error: (error as Error).message });
    else {
      await settleStart(app, start.id, "canceled");
      // Stripe refused it outright: no trial was given, so the claim is given back.
      if (claimed) await releaseTrialClaim(app, start.id);
    }
    throw mapStripeError(app, error);
  }
}

/** Cancels a paused subscription (a trial that ended without a card) before a new plan starts. */
async function endPausedSubscription(app: AppContext, row: SubscriptionRow, user: SessionUser) {
  const stripe = createStripe(app);
  try {
    const canceled = await stripe.subscriptions
      .cancel(row.stripeSubscriptionId, { cancellation_details: { comment: "Replaced by a new plan after a paused trial." } }, { idempotencyKey: `sub-paused-replace-${row.id}` })
      .catch(async (error) => {
        const current = await stripe.subscriptions.retrieve(row.stripeSubscriptionId);
        if (current.status === "canceled") return current;
        throw error;
      });
    await syncSubscription(app, row.stripeSubscriptionId, { source: "user", actorId: user.id }, canceled);
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw mapStripeError(app, error);
  }
}

function assertNoOpenSubscription(open: SubscriptionRow | undefined) {
  if (open && open.status !== "incomplete") {
    throw new AppError("conflict", `You already have the ${planLabel(open.tier, open.interval)} plan. Change it with PUT /api/subscriptions/update or on the billing page.`);
  }
}

type Start = typeof subscriptionStarts.$inferSelect;

const openStart = (app: AppContext, userId: string) =>
  app.db.select().from(subscriptionStarts).where(and(eq(subscriptionStarts.userId, userId), eq(subscriptionStarts.status, "open"))).get();

/**
 * The user's one open start: ours, or the one already open when it is the same plan and flow (a
 * second click, a retry), which the caller carries on with its own stored requests. An open start
 * for another plan is settled first: a Checkout is expired at Stripe (its session found by re-sending
 * its request if the answer was lost), an API start is re-sent, and then replaced if it did not
 * subscribe.
 */
async function reserveStart(app: AppContext, stripe: Stripe, user: SessionUser, data: z.infer<typeof createSchema>): Promise<Start> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const t = now();
    const checkout = data.flow === "checkout";
    const inserted = await app.db
      .insert(subscriptionStarts)
      .values({
        id: createId("subscriptionStart"),
        userId: user.id,
        tier: data.tier,
        interval: data.interval,
        flow: data.flow,
        trial: data.trial,
        status: "open",
        successPath: checkout ? data.successPath : null,
        cancelPath: checkout ? data.cancelPath : null,
        stripePaymentMethodId: data.paymentMethod ?? null,
        createdAt: t,
        updatedAt: t,
      })
      .onConflictDoNothing()
      .returning()
      .get();
    if (inserted) return inserted;
    const open = await openStart(app, user.id);
    if (!open) continue;
    if (open.flow === data.flow && open.trial === data.trial && open.tier === data.tier && open.interval === data.interval) return open;
    if (open.flow === "checkout") {
      if (!open.stripeCheckoutSessionId) await sendStart(app, stripe, user, open);
      const sessionId = open.stripeCheckoutSessionId ?? (await openStart(app, user.id))?.stripeCheckoutSessionId;
      if (!sessionId || !(await expireCheckout(app, sessionId))) throw startInProgress();
      await settleStart(app, open.id, "canceled");
      continue;
    }
    // An API start for another plan: its outcome decides. Declined, it is closed and ours goes on;
    // subscribed, the caller finds the subscription and says so.
    const resolved = await sendStart(app, stripe, user, open).catch((error: unknown) => {
      if (error instanceof AppError && error.code === "payment_required") return null;
      throw error;
    });
    if (resolved) return open;
  }
  throw startInProgress();
}

const startInProgress = () =>
  new AppError("conflict", "A subscription for you is already being set up. Finish it (or wait a moment) before starting another.");

/** Expires an abandoned Checkout Session; false when it was completed (paid) meanwhile. */
async function expireCheckout(app: AppContext, sessionId: string): Promise<boolean> {
  const stripe = createStripe(app);
  try {
    await stripe.checkout.sessions.expire(sessionId, {}, { idempotencyKey: `sub-checkout-expire-${sessionId}` });
    return true;
  } catch (error) {
    const session = await stripe.checkout.sessions.retrieve(sessionId).catch(() => null);
    if (session?.status === "expired") return true;
    if (session?.status === "complete") return false;
    throw mapStripeError(app, error);
  }
}

/** Closes an open start (idempotent: only an open start changes). */
export async function settleStart(app: AppContext, startId: string, status: "completed" | "canceled") {
  await app.db
    .update(subscriptionStarts)
    .set({ status, updatedAt: now() })
    .where(and(eq(subscriptionStarts.id, startId), eq(subscriptionStarts.status, "open")))
    .run();
}

/** The webhook's side of a Checkout start: completed or expired. */
export async function settleCheckoutStart(app: AppContext, checkoutSessionId: string, status: "completed" | "canceled") {
  await app.db
    .update(subscriptionStarts)
    .set({ status, updatedAt: now() })
    .where(and(eq(subscriptionStarts.stripeCheckoutSessionId, checkoutSessionId), eq(subscriptionStarts.status, "open")))
    .run();
}

/** After Checkout completes (webhook): mirror the new subscription and record its first invoice. */
export async function completeCheckoutSubscription(app: AppContext, stripeSubscriptionId: string, ctx: SyncContext) {
  const row = await syncSubscription(app, stripeSubscriptionId, ctx);
  if (!row?.latestInvoiceId) return row;
  await recordPaidInvoice(app, row, await retrieveInvoice(app, row.latestInvoiceId));
  return row;
}

/**
 * A completed subscription-mode Checkout Session: the one fulfilment path shared by the
 * `checkout.session.completed` webhook and the buyer's return to the success URL. Idempotent (the
 * row is keyed by the Stripe subscription, the invoice's payment by its PaymentIntent, the
 * receipt by the invoice), so both may run, in any order or at once.
 */
export async function fulfilSubscriptionCheckout(app: AppContext, session: { id: string; subscription: string }, ctx: SyncContext) {
  const row = await completeCheckoutSubscription(app, session.subscription, ctx);
  await settleCheckoutStart(app, session.id, "completed");
  return row;
}

const returnedSubscriptionSession = stripeShapes.checkoutSession.extend({
  mode: z.string(),
  status: z.enum(["open", "complete", "expired"]).nullish(),
  subscription: z.union([z.string(), z.object({ id: z.string() }).loose()]).nullish(),
});

export type SubscriptionReturnState = "active" | "processing" | "none";

/**
 * The buyer is back from subscription Checkout (`/account/billing?checkout=success`, which carries
 * no session id): their latest Checkout start is re-read from Stripe and, once complete, fulfilled
 * through `fulfilSubscriptionCheckout`, as the webhook would. "none": nothing was bought through
 * Checkout (an old or hand-typed link); Stripe being unreachable leaves it to the webhook.
 */
export async function settleSubscriptionCheckoutReturn(app: AppContext, userId: string): Promise<SubscriptionReturnState> {
  const entitled = async () => {
    const open = await findOpenSubscription(app, userId);
    return !!open && (ENTITLED_STATUSES as readonly string[]).includes(open.status);
  };
  const start = await app.db
    .select()
    .from(subscriptionStarts)
    .where(and(eq(subscriptionStarts.userId, userId), eq(subscriptionStarts.flow, "checkout")))
    .orderBy(desc(subscriptionStarts.id))
    .get();
  if (!start?.stripeCheckoutSessionId) return (await entitled()) ? "active" : "none";
  if (start.status !== "open") return (await entitled()) ? "active" : start.status === "canceled" ? "none" : "processing";
  const log = app.logger.child({ userId, subscriptionStartId: start.id, checkoutSessionId: start.stripeCheckoutSessionId });
  try {
    const session = checkStripe(returnedSubscriptionSession, await createStripe(app).checkout.sessions.retrieve(start.stripeCheckoutSessionId), "Checkout Session");
    const subscriptionId = typeof session.subscription === "string" ? session.subscription : (session.subscription?.id ?? null);
    if (session.mode !== "subscription" || session.status !== "complete" || !subscriptionId) return "processing";
    await fulfilSubscriptionCheckout(app, { id: session.id, subscription: subscriptionId }, { source: "user", actorId: userId });
    const state = (await entitled()) ? "active" : "processing";
    log.info("subscription.checkout_returned", { state });
    return state;
  } catch (error) {
    log.warn("subscription.checkout_return_unsettled", { error });
    return "processing";
  }
}


export const cancelSchema = z.strictObject({
  /** Admins only: end the subscription now instead of at period end. */
  immediately: z.boolean().default(false),
  /** Admins only: whose subscription. */
  userId: z.string().regex(/^usr_\w+$/).optional(),
  reason: z.string().trim().max(300).optional(),
});

/**
 * POST /api/subscriptions/cancel. By default the subscription ends at period end (access kept until
 * then; resumable). Admins (`update:subscription:any`) may cancel any user's subscription
 * immediately; that is audited.
 */
export async function cancelSubscription(app: AppContext, actor: SessionUser, input: unknown, canCancelAny: boolean) {
  const data = parseOrThrow(cancelSchema, input);
  const targetId = data.userId ?? actor.id;
  if ((data.immediately || targetId !== actor.id) && !canCancelAny) {
    throw AppError.forbidden(data.immediately ? "Only an administrator can end a subscription immediately." : "You can only cancel your own subscription.");
  }
  const row = await findOpenSubscription(app, targetId);
  if (!row) throw new AppError("not_found", "There is no active subscription to cancel.");
  const stripe = createStripe(app);
  const ctx: SyncContext = { source: targetId === actor.id && !data.immediately ? "user" : "admin", actorId: actor.id };
  try {
    if (data.immediately) {
      const canceled = await stripe.subscriptions
        .cancel(row.stripeSubscriptionId, { cancellation_details: { comment: data.reason ?? "Canceled by an administrator." } }, { idempotencyKey: `sub-cancel-now-${row.id}` })
        .catch(async (error) => {
          const current = await stripe.subscriptions.retrieve(row.stripeSubscriptionId);
          if (current.status === "canceled") return current;
          throw error;
        });
      await app.db.batch([
        auditInsert(app, {
          actorId: actor.id,
          action: "subscription.canceled_immediately",
          targetType: "subscription",
          targetId: row.id,
          metadata: { userId: targetId, tier: row.tier, interval: row.interval, reason: data.reason ?? null },
        }),
      ]);
      const synced = (await syncSubscription(app, row.stripeSubscriptionId, ctx, canceled)) ?? row;
      app.logger.info("subscription.canceled_immediately", { userId: targetId, subscriptionId: row.id, actorId: actor.id });
      return subscriptionView(ownPlan(await getEntitlement(app, targetId)), synced);
    }
    if (row.cancelAtPeriodEnd) return subscriptionView(ownPlan(await getEntitlement(app, targetId)), row);
    const updated = await stripe.subscriptions.update(row.stripeSubscriptionId, { cancel_at_period_end: true }, { idempotencyKey: `sub-cancel-${row.id}-${row.syncedAt}` });
    const synced = (await syncSubscription(app, updated.id, ctx, updated)) ?? row;
    app.logger.info("subscription.cancel_scheduled", { userId: targetId, subscriptionId: row.id, endsAt: synced.currentPeriodEnd });
    return subscriptionView(ownPlan(await getEntitlement(app, targetId)), synced);
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw mapStripeError(app, error);
  }
}

/** POST /api/subscriptions/resume: undo a cancellation before the period ends. */
export async function resumeSubscription(app: AppContext, user: SessionUser) {
  const row = await findOpenSubscription(app, user.id);
  if (!row || !(ENTITLED_STATUSES as readonly string[]).includes(row.status)) throw new AppError("not_found", "There is no subscription to resume. Choose a plan on the pricing page.");
  if (!row.cancelAtPeriodEnd) throw new AppError("conflict", "Your subscription is not set to cancel.");
  if (row.currentPeriodEnd <= now()) throw new AppError("conflict", "This subscription has already ended. Subscribe again on the pricing page.");
  try {
    const updated = await createStripe(app).subscriptions.update(row.stripeSubscriptionId, { cancel_at_period_end: false }, { idempotencyKey: `sub-resume-${row.id}-${row.syncedAt}` });
    const synced = (await syncSubscription(app, updated.id, { source: "user", actorId: user.id }, updated)) ?? row;
    app.logger.info("subscription.resumed", { userId: user.id, subscriptionId: row.id });
    return subscriptionView(ownPlan(await getEntitlement(app, user.id)), synced);
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw mapStripeError(app, error);
  }
}
