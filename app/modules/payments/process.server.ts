import { and, eq, inArray } from "drizzle-orm";
import Stripe from "stripe";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import type { SessionUser } from "~/modules/auth/session.server";
import { now } from "~/utils/clock";
import { AppError, parseOrThrow, zodFieldErrors, type FieldErrors } from "~/utils/errors";
import { createId } from "~/utils/ids";
import { sameSitePathSchema } from "~/utils/redirect";
import { payments } from "~drizzle/schema";
import { ensureCustomer } from "./customers.server";
import { PAYMENT_PURPOSES, type PaymentPurposeName, type Quote } from "./purposes";
import { toPurposeView, type Payment } from "./records.server";
import { getPurpose, runPaymentHooks, type PaymentRegistry } from "./registry";
import { OPEN_STATUSES, statusFromIntent } from "./status";
import { checkStripe, createStripe, declineMessage, mapStripeError, outcomeUnknown, stripeShapes } from "./stripe.server";
import { checkoutTaxParams } from "./tax.server";
import type { Currency } from "~/utils/money";

const returnPath = sameSitePathSchema; // the one same-site rule (app/utils/redirect.ts)

/** The fields every purpose shares. */
export const processFields = z.object({
  purpose: z.enum(PAYMENT_PURPOSES, { error: `purpose must be one of ${PAYMENT_PURPOSES.join(", ")}` }),
  flow: z.enum(["checkout", "payment_method"]).default("checkout"),
  paymentMethod: z.string().regex(/^pm_\w{1,100}$/, "Must be a Stripe payment method id (pm_...)").optional(),
  successPath: returnPath.default("/account/payments"),
  cancelPath: returnPath.default("/account/payments"),
});

const paymentMethodRequired = (v: unknown) => {
  const { flow, paymentMethod } = v as { flow?: string; paymentMethod?: string };
  return flow !== "payment_method" || !!paymentMethod;
};
const PAYMENT_METHOD_REQUIRED = { path: ["paymentMethod"], message: "paymentMethod is required for the payment_method flow" };

/**
 * The body of POST /api/payments/process for one purpose: the common fields, the purpose's own
 * (`PaymentPurpose.inputSchema`) and those the payment hooks read (`PaymentHooks.inputSchema`, e.g.
 * reward tokens), strictly: an unknown field is a 400, never passed on.
 */
export function processInputSchema(registry: Pick<PaymentRegistry, "purposes" | "paymentHooks">, name: PaymentPurposeName) {
  const purpose = registry.purposes[name];
  if (!purpose) throw new AppError("bad_request", `Payments for "${name}" are not available.`);
  let schema = processFields.extend({ purpose: z.literal(name) }).extend(purpose.inputSchema.shape);
  for (const hooks of registry.paymentHooks) if (hooks.inputSchema) schema = schema.extend(hooks.inputSchema.shape);
  return schema.strict();
}

/** Every registered purpose's body, told apart by `purpose` (the documented request body). */
export function processBodySchema(registry: Pick<PaymentRegistry, "purposes" | "paymentHooks">) {
  const [first, ...rest] = (Object.keys(registry.purposes) as PaymentPurposeName[]).map((name) => processInputSchema(registry, name));
  return z.discriminatedUnion("purpose", [first!, ...rest]).refine(paymentMethodRequired, PAYMENT_METHOD_REQUIRED);
}

/** Which purpose a body is for, before its own fields are known. */
const purposeOnly = processFields.pick({ purpose: true });
/** The common fields, typed, of a body that passed its purpose's schema. */
const commonFields = processFields.refine(paymentMethodRequired, PAYMENT_METHOD_REQUIRED);

export type NextAction = { type: "redirect_to_checkout"; url: string } | { type: "confirm_with_client_secret"; clientSecret: string } | { type: "none" };
export type ProcessResult = { paymentId: string; status: Payment["status"]; amount: number; currency: string; nextAction: NextAction };

/**
 * Starts a payment for a purpose. Our record is written first (status requires_action); the
 * database allows one open payment per buyer, purpose and reference, so a second click, a second tab
 * or a retry gets the same payment and, for Checkout, the same Checkout Session. Every Stripe call
 * carries an idempotency key derived from the record id. A decline marks the record failed (402);
 * a definite Stripe refusal cancels it; an unknown outcome (timeout, 5xx, an invalid answer) leaves
 * it reserved (503): the next retry re-sends the identical request and records Stripe's answer, and
 * the webhook sync or the cron settles it if nobody retries.
 */
export async function processPayment(app: AppContext, user: SessionUser, input: unknown): Promise<ProcessResult> {
  const { purpose: name } = parseOrThrow(purposeOnly, input);
  const purpose = getPurpose(app, name);
  // What the purpose and the hooks see: validated, nothing unknown (a 400 names any other field).
  // Both checks run so one answer names every problem (the payment method rule as well as a bad courseId).
  const strict = processInputSchema(app.payments, name).safeParse(input);
  const common = commonFields.safeParse(input);
  if (!strict.success || !common.success) {
    const errors: FieldErrors = {};
    for (const result of [common, strict]) {
      if (result.success) continue;
      for (const [field, messages] of Object.entries(zodFieldErrors(result.error))) errors[field] = [...new Set([...(errors[field] ?? []), ...messages])];
    }
    throw AppError.validation(errors);
  }
  input = strict.data;
  const data = common.data;
  const quote = await purpose.quote(app, user, input);
  if (!Number.isSafeInteger(quote.amount) || quote.amount <= 0) {
    throw new AppError("bad_request", "There is nothing to pay for this purchase.");
  }
  // Capabilities may pay part of the price another way (reward tokens), reserved under this id.
  const paymentId = createId("payment");
  const priced = { ...quote, metadata: { ...quote.metadata } };
  const draft = () => ({ id: paymentId, userId: user.id, purpose: data.purpose, purposeRef: quote.purposeRef, amount: priced.amount, currency: quote.currency, amountRefunded: 0, taxAmount: 0, metadata: priced.metadata });
  let reservation: { payment: Payment; reused: boolean };
  try {
    for (const hooks of app.payments.paymentHooks) {
      const adjustment = await hooks.adjust?.(app, { user, paymentId, purpose: data.purpose, quote: priced, input });
      if (adjustment && adjustment.discount > 0) {
        priced.amount -= adjustment.discount;
        Object.assign(priced.metadata, adjustment.metadata);
      }
    }
    if (priced.amount <= 0) throw new AppError("bad_request", "There is nothing to pay for this purchase.");
    reservation = await reserve(app, user, data, priced, paymentId);
  } catch (error) {
    await runPaymentHooks(app, "unpaid", draft()); // release what the hooks reserved
    throw error;
  }
  const { payment, reused } = reservation;
  const log = app.logger.child({ paymentId: payment.id, userId: user.id });
  if (reused) {
    // Ours was never written: release what the hooks reserved for it, then answer with the open one.
    await runPaymentHooks(app, "unpaid", draft());
    // The same purchase again (a second click, another tab, a retry after a lost answer): Checkout
    // re-opens the same session; a card payment Stripe has not answered for is re-sent as it was
    // first sent (same card, same key), so the retry resolves the one payment.
    const sameAmount = payment.status === "requires_action" && payment.amount === priced.amount && payment.currency === priced.currency;
    const sameCheckout = sameAmount && payment.flow === "checkout" && data.flow === "checkout";
    const unansweredCard = sameAmount && payment.flow === "payment_method" && data.flow === "payment_method" && !payment.stripePaymentIntentId && !!payment.stripePaymentMethodId;
    if (!sameCheckout && !unansweredCard) {
      throw new AppError("conflict", "A payment for this is already in progress. Wait for it to finish, or check your payment history.", {
        details: { paymentId: payment.id, status: payment.status },
      });
    }
    log.info("payment.reused", { purpose: payment.purpose });
  } else {
    log.info("payment.created", { purpose: payment.purpose, amount: payment.amount, currency: payment.currency, flow: payment.flow });
  }

  const stripe = createStripe(app);
  try {
    const customerId = await ensureCustomer(app, stripe, user);
    if (payment.flow === "checkout") {
      const url = await openCheckout(app, stripe, payment, customerId);
      return { paymentId: payment.id, status: "requires_action", amount: payment.amount, currency: payment.currency, nextAction: { type: "redirect_to_checkout", url } };
    }
    return await chargePaymentMethod(app, stripe, payment, customerId);
  } catch (error) {
    if (error instanceof AppError) throw error;
    const mapped = mapStripeError({ logger: log }, error);
    if (outcomeUnknown(error)) {
      // Stripe may have made the object: keep the reservation; the same idempotency key settles it.
      log.warn("payment.outcome_unknown", { code: mapped.code });
    } else {
      await app.db
        .update(payments)
        .set({ status: "canceled", failureCode: "stripe_refused", failureMessage: mapped.message, updatedAt: now() })
        .where(and(eq(payments.id, payment.id), eq(payments.status, "requires_action")))
        .run();
      log.warn("payment.canceled_on_error", { code: mapped.code });
      await runPaymentHooks(app, "unpaid", toPurposeView(payment));
    }
    throw new AppError(mapped.code, mapped.message, { details: { paymentId: payment.id }, cause: error });
  }
}

type ProcessInput = z.infer<typeof processFields>;

/** Inserts the payment unless one is open for the same buyer, purpose and reference; then that one. */
async function reserve(app: AppContext, user: SessionUser, data: ProcessInput, quote: Quote, paymentId: string): Promise<{ payment: Payment; reused: boolean }> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const t = now();
    const inserted = await app.db
      .insert(payments)
      .values({
        id: paymentId,
        userId: user.id,
        purpose: data.purpose,
        purposeRef: quote.purposeRef,
        description: quote.description,
        amount: quote.amount,
        currency: quote.currency,
        status: "requires_action",
        flow: data.flow,
        stripePaymentMethodId: data.flow === "payment_method" ? data.paymentMethod! : null,
        successPath: data.flow === "checkout" ? data.successPath : null,
        cancelPath: data.flow === "checkout" ? data.cancelPath : null,
        metadata: quote.metadata ?? {},
        createdAt: t,
        updatedAt: t,
      })
      .onConflictDoNothing()
      .returning()
      .get();
    if (inserted) return { payment: inserted, reused: false };
    const open = await app.db
      .select()
      .from(payments)
      .where(and(eq(payments.userId, user.id), eq(payments.purpose, data.purpose), eq(payments.purposeRef, quote.purposeRef), inArray(payments.status, [...OPEN_STATUSES])))
      .get();
    if (open) return { payment: open, reused: true };
    // The open payment finished between our insert and our read: try again.
  }
  throw new AppError("conflict", "Another payment for this is changing right now; try again.");
}

/** The payment's Checkout Session: created once (same key, same parameters on every retry). */
async function openCheckout(app: AppContext, stripe: Stripe, payment: Payment, customerId: string): Promise<string> {
  if (payment.checkoutUrl) return payment.checkoutUrl;
  const back = (path: string | null) => {
    const p = path ?? "/account/payments";
    return `${app.config.APP_URL}${p}${p.includes("?") ? "&" : "?"}payment=${payment.id}`;
  };
  const metadata = stripeMetadata(payment);
  const tax = checkoutTaxParams(payment.currency as Currency);
  const session = checkStripe(
    stripeShapes.checkoutSession.extend({ url: z.url() }),
    await stripe.checkout.sessions.create(
      {
        mode: "payment",
        customer: customerId,
        client_reference_id: payment.id,
        line_items: [{ quantity: 1, price_data: { currency: payment.currency, unit_amount: payment.amount, product_data: { name: payment.description }, ...tax.priceData } }],
        ...tax.session,
        payment_intent_data: { metadata, description: payment.description },
        metadata,
        success_url: back(payment.successPath),
        cancel_url: back(payment.cancelPath),
      },
      { idempotencyKey: `payment-${payment.id}-checkout` },
    ),
    "Checkout Session",
  );
  const piId = typeof session.payment_intent === "string" ? session.payment_intent : (session.payment_intent?.id ?? null);
  await app.db
    .update(payments)
    .set({ stripeCustomerId: customerId, stripeCheckoutSessionId: session.id, stripePaymentIntentId: piId, checkoutUrl: session.url, updatedAt: now() })
    .where(eq(payments.id, payment.id))
    .run();
  app.logger.info("payment.checkout_created", { paymentId: payment.id, checkoutSessionId: session.id });
  return session.url!;
}

const stripeMetadata = (payment: Payment) => ({ paymentId: payment.id, purpose: payment.purpose, purposeRef: payment.purposeRef, userId: payment.userId });

/**
 * The API flow: confirm a PaymentIntent with a saved payment method now. Built from the payment row
 * alone (its card included), so a retry sends Stripe the identical request under the same key.
 */
async function chargePaymentMethod(app: AppContext, stripe: Stripe, payment: Payment, customerId: string): Promise<ProcessResult> {
  let intent: Stripe.PaymentIntent;
  try {
    intent = checkStripe(
      stripeShapes.paymentIntent,
      await stripe.paymentIntents.create(
        {
          amount: payment.amount,
          currency: payment.currency,
          customer: customerId,
          payment_method: payment.stripePaymentMethodId!,
          confirm: true,
          description: payment.description,
          metadata: stripeMetadata(payment),
        },
        { idempotencyKey: `payment-${payment.id}-intent` },
      ),
      "PaymentIntent",
    );
  } catch (error) {
    if (error instanceof Stripe.errors.StripeCardError) {
      const failure = { code: error.decline_code ?? error.code ?? "card_declined", message: declineMessage(error.code, error.decline_code) };
      await app.db
        .update(payments)
        .set({
          status: "failed",
          stripeCustomerId: customerId,
          stripePaymentIntentId: error.payment_intent?.id ?? null,
          failureCode: failure.code,
          failureMessage: failure.message,
          updatedAt: now(),
        })
        .where(eq(payments.id, payment.id))
        .run();
      app.logger.warn("payment.declined", { paymentId: payment.id, code: failure.code });
      await runPaymentHooks(app, "unpaid", toPurposeView(payment));
      throw new AppError("payment_required", failure.message, { details: { paymentId: payment.id, code: failure.code }, cause: error });
    }
    throw error;
  }
  // Fulfilment waits for the webhook; the API answers with what Stripe said now.
  const status = intent.status === "succeeded" ? "processing" : statusFromIntent(intent.status, !!intent.last_payment_error);
  await app.db
    .update(payments)
    .set({ stripeCustomerId: customerId, stripePaymentIntentId: intent.id, status, updatedAt: now() })
    .where(and(eq(payments.id, payment.id), eq(payments.status, "requires_action")))
    .run();
  const nextAction: NextAction =
    intent.status === "requires_action" && intent.client_secret ? { type: "confirm_with_client_secret", clientSecret: intent.client_secret } : { type: "none" };
  return { paymentId: payment.id, status, amount: payment.amount, currency: payment.currency, nextAction };
}
