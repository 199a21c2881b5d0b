import { and, eq, isNull } from "drizzle-orm";
import type Stripe from "stripe";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import { now } from "~/utils/clock";
import type { Currency } from "~/utils/money";
import { payments } from "~drizzle/schema";
import type { Payment } from "./records.server";
import { checkStripe, StripeResponseInvalid } from "./stripe.server";
import { TAX_POLICY, taxBehaviorFor } from "./tax";

/**
 * The Checkout Session parameters that make Stripe Tax compute the tax of a payment: automatic tax,
 * the billing address and tax IDs collected (saved to the Customer, as Stripe requires with
 * `customer`), and the price's tax behaviour from the currency's policy. One place, for every
 * Checkout Session the app opens.
 */
export function checkoutTaxParams(currency: Currency) {
  return {
    session: {
      automatic_tax: { enabled: true },
      billing_address_collection: TAX_POLICY.collectBillingAddress,
      tax_id_collection: { enabled: TAX_POLICY.collectTaxIds },
      customer_update: { address: "auto", name: "auto" },
    } satisfies Partial<Stripe.Checkout.SessionCreateParams>,
    priceData: { tax_behavior: taxBehaviorFor(currency) } satisfies Partial<Stripe.Checkout.SessionCreateParams.LineItem.PriceData>,
  };
}

/** The fields of a completed, taxed Checkout Session we record (validated before anything is written). */
const taxedSession = z
  .object({
    id: z.string(),
    status: z.string().nullable(),
    amount_total: z.number().int().nonnegative(),
    automatic_tax: z.object({ enabled: z.boolean(), status: z.string().nullable() }).loose(),
    total_details: z
      .object({
        amount_tax: z.number().int().nonnegative(),
        breakdown: z
          .object({
            taxes: z.array(
              z
                .object({
                  amount: z.number().int().nonnegative(),
                  taxability_reason: z.string().nullable(),
                  rate: z
                    .object({
                      percentage: z.number().nonnegative(),
                      inclusive: z.boolean(),
                      country: z.string().nullable(),
                      state: z.string().nullable(),
                      jurisdiction: z.string().nullable(),
                      tax_type: z.string().nullable(),
                    })
                    .loose(),
                })
                .loose(),
            ),
          })
          .loose()
          .optional(),
      })
      .loose(),
    customer_details: z
      .object({
        address: z.record(z.string(), z.string().nullable()).nullable(),
        business_name: z.string().nullable(),
        tax_ids: z.array(z.object({ type: z.string(), value: z.string().nullable() })).nullable(),
      })
      .loose()
      .nullable(),
  })
  .loose();

/**
 * Records a paid Checkout payment's tax once, from the session re-read from Stripe (never from an
 * event's payload): the total charged becomes the payment's amount (exclusive tax is added on top),
 * with the tax, rate, jurisdiction, reverse charge and the buyer's tax ID and address. Written only
 * while nothing is recorded (`tax_recorded_at is null`), before fulfilment, so the earning is split
 * from the recorded net. Returns the payment as it now is.
 */
export async function recordCheckoutTax(app: AppContext, stripe: Stripe, payment: Payment, intent: { amount: number }): Promise<void> {
  if (!payment.stripeCheckoutSessionId || payment.taxRecordedAt) return;
  const session = checkStripe(taxedSession, await stripe.checkout.sessions.retrieve(payment.stripeCheckoutSessionId, { expand: ["total_details.breakdown"] }), "Checkout Session");
  if (session.status !== "complete") return;
  const parsed = taxedSession.parse(session);
  if (parsed.amount_total !== intent.amount) throw new StripeResponseInvalid("Checkout Session", [`amount_total ${parsed.amount_total} is not the PaymentIntent's ${intent.amount}`]);
  const tax = parsed.automatic_tax.enabled ? parsed.total_details?.breakdown?.taxes?.[0] : undefined;
  const taxId = parsed.customer_details?.tax_ids?.[0];
  const amountTax = parsed.automatic_tax.enabled ? (parsed.total_details?.amount_tax ?? 0) : 0;
  const row = {
    amount: parsed.amount_total,
    taxAmount: amountTax,
    taxBehavior: tax ? (tax.rate.inclusive ? ("inclusive" as const) : ("exclusive" as const)) : null,
    taxRateMilli: tax ? Math.round(tax.rate.percentage * 1000) : null,
    taxCountry: tax?.rate.country ?? parsed.customer_details?.address?.country ?? null,
    taxState: tax?.rate.state ?? null,
    taxJurisdiction: tax?.rate.jurisdiction ?? null,
    taxType: tax?.rate.tax_type ?? null,
    taxReason: tax?.taxability_reason ?? null,
    taxReverseCharge: tax?.taxability_reason === "reverse_charge",
    buyerTaxIdType: taxId?.type ?? null,
    buyerTaxId: taxId?.value ?? null,
    buyerBusinessName: parsed.customer_details?.business_name ?? null,
    buyerAddress: parsed.customer_details?.address ?? null,
    taxRecordedAt: now(),
  };
  const written = await app.db
    .update(payments)
    .set(row)
    .where(and(eq(payments.id, payment.id), isNull(payments.taxRecordedAt)))
    .run();
  if (written.meta.changes > 0) {
    app.logger.info("payment.tax_recorded", {
      paymentId: payment.id,
      amount: row.amount,
      taxAmount: row.taxAmount,
      taxRateMilli: row.taxRateMilli,
      taxCountry: row.taxCountry,
      taxState: row.taxState,
      taxReason: row.taxReason,
    });
  }
}
