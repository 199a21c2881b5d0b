import { and, eq } from "drizzle-orm";
import Stripe from "stripe";
import { z } from "zod";
import type { AppContext } from "~/context.server";
import type { SessionUser } from "~/modules/auth/session.server";
import { now } from "~/utils/clock";
import { AppError, parseOrThrow } from "~/utils/errors";
import { createId } from "~/utils/ids";
import { payments } from "~drizzle/schema";
import { ensureCustomer } from "./customers.server";
import { PAYMENT_PURPOSES } from "./purposes";
import type { Payment } from "./records.server";
import { getPurpose } from "./registry";
import { statusFromIntent } from "./status";
import { createStripe, declineMessage, mapStripeError } from "./stripe.server";

/** A same-site path to come back to after Checkout (no open redirects). */
const returnPath = z
  .string()
  .max(500)
  .regex(/^\/(?!\/)[^\s\\]*$/, "Must be a path on this site, starting with /");

export const processSchema = z
  .object({
    purpose: z.enum(PAYMENT_PURPOSES, { error: `purpose must be one of ${PAYMENT_PURPOSES.join(", ")}` }),
    flow: z.enum(["checkout", "payment_method"]).default("checkout"),
    paymentMethod: z.string().regex(/^pm_\w{1,100}$/, "Must be a Stripe payment method id (pm_...)").optional(),
    successPath: returnPath.default("/account/payments"),
    cancelPath: returnPath.default("/account/payments"),
  })
  .loose()
  .refine((v) => v.flow !== "payment_method" || !!v.paymentMethod, {
    path: ["paymentMethod"],
    message: "paymentMethod is required for the payment_method flow",
  });

export type NextAction = { type: "redirect_to_checkout"; url: string } | { type: "confirm_with_client_secret"; clientSecret: string } | { type: "none" };
export type ProcessResult = { paymentId: string; status: Payment["status"]; amount: number; currency: string; nextAction: NextAction };

/**
 * Starts a payment for a purpose. Our record is written first (status requires_action); then the
 * Stripe object is created with an idempotency key derived from the record id. A decline marks
 * the record failed (402); a Stripe outage marks it canceled (503) — never a half-made payment.
 */
export async function processPayment(app: AppContext, user: SessionUser, input: unknown): Promise<ProcessResult> {
  const data = parseOrThrow(processSchema, input);
  const purpose = getPurpose(app, data.purpose);
  const quote = await purpose.quote(app, user, input);
  if (!Number.isSafeInteger(quote.amount) || quote.amount <= 0) {
    throw new AppError("bad_request", "There is nothing to pay for this purchase.");
  }
  const t = now();
  const payment: Payment = {
    id: createId("payment"),
    userId: user.id,
    purpose: data.purpose,
    purposeRef: quote.purposeRef,
    description: quote.description,
    amount: quote.amount,
    currency: quote.currency,
    status: "requires_action",
    amountRefunded: 0,
    amountRefundPending: 0,
    flow: data.flow,
    stripeCustomerId: null,
    stripePaymentIntentId: null,
    stripeCheckoutSessionId: null,
    stripeChargeId: null,
    checkoutUrl: null,
    failureCode: null,
    failureMessage: null,
    metadata: quote.metadata ?? {},
    fulfilledAt: null,
    succeededAt: null,
    stripeUpdatedAt: null,
    createdAt: t,
    updatedAt: t,
  };
  await app.db.insert(payments).values(payment).run();
  const log = app.logger.child({ paymentId: payment.id, userId: user.id });
  log.info("payment.created", { purpose: payment.purpose, amount: payment.amount, currency: payment.currency, flow: payment.flow });

  const stripe = createStripe(app);
  const metadata = { paymentId: payment.id, purpose: payment.purpose, purposeRef: payment.purposeRef, userId: user.id };
  try {
    const customerId = await ensureCustomer(app, stripe, user);
    if (data.flow === "checkout") {
      const back = (path: string) => `${app.config.APP_URL}${path}${path.includes("?") ? "&" : "?"}payment=${payment.id}`;
      const session = await stripe.checkout.sessions.create(
        {
          mode: "payment",
          customer: customerId,
          client_reference_id: payment.id,
          line_items: [{ quantity: 1, price_data: { currency: payment.currency, unit_amount: payment.amount, product_data: { name: payment.description } } }],
          payment_intent_data: { metadata, description: payment.description },
          metadata,
          success_url: back(data.successPath),
          cancel_url: back(data.cancelPath),
        },
        { idempotencyKey: `payment-${payment.id}-checkout` },
      );
      const piId = typeof session.payment_intent === "string" ? session.payment_intent : (session.payment_intent?.id ?? null);
      await app.db
        .update(payments)
        .set({ stripeCustomerId: customerId, stripeCheckoutSessionId: session.id, stripePaymentIntentId: piId, checkoutUrl: session.url, updatedAt: now() })
        .where(eq(payments.id, payment.id))
        .run();
      log.info("payment.checkout_created", { checkoutSessionId: session.id });
      return { paymentId: payment.id, status: "requires_action", amount: payment.amount, currency: payment.currency, nextAction: { type: "redirect_to_checkout", url: session.url! } };
    }

    let intent: Stripe.PaymentIntent;
    try {
      intent = await stripe.paymentIntents.create(
        {
          amount: payment.amount,
          currency: payment.currency,
          customer: customerId,
          payment_method: data.paymentMethod,
          confirm: true,
          description: payment.description,
          metadata,
        },
        { idempotencyKey: `payment-${payment.id}-intent` },
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
        log.warn("payment.declined", { code: failure.code });
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
  } catch (error) {
    if (error instanceof AppError) throw error;
    const mapped = mapStripeError({ logger: log }, error);
    await app.db
      .update(payments)
      .set({ status: "canceled", failureCode: "stripe_unavailable", failureMessage: mapped.message, updatedAt: now() })
      .where(and(eq(payments.id, payment.id), eq(payments.status, "requires_action")))
      .run();
    log.warn("payment.canceled_on_error", { code: mapped.code });
    throw new AppError(mapped.code, mapped.message, { details: { paymentId: payment.id }, cause: error });
  }
}
