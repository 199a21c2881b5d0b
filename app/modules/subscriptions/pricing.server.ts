import type Stripe from "stripe";
import type { AppContext } from "~/context.server";
import { AppError } from "~/utils/errors";
import { STRIPE_PRICE_IDS, TIERS, tierPrice, type BillingInterval, type PaidTier } from "./tiers";


/**
 * The Stripe price id of a plan: from STRIPE_PRICE_IDS for this environment, else by lookup key.
 * Outside production a missing price is created (the emulator starts empty). The price's amount
 * must equal our configuration, or we refuse to sell it.
 */
export async function resolvePrice(app: AppContext, stripe: Stripe, tier: PaidTier, interval: BillingInterval): Promise<Stripe.Price> {
  const config = tierPrice(tier, interval);
  const configured = STRIPE_PRICE_IDS[app.config.APP_ENV][config.lookupKey];
  let price: Stripe.Price | undefined;
  if (configured) price = await stripe.prices.retrieve(configured);
  else {
    const found = await stripe.prices.list({ lookup_keys: [config.lookupKey], active: true, limit: 1 });
    price = found.data[0];
  }
  if (!price) {
    if (app.config.APP_ENV === "production") throw new AppError("internal", "This plan is not available right now.");
    price = await stripe.prices.create(
      {
        currency: TIERS[tier].currency,
        unit_amount: config.amount,
        recurring: { interval },
        lookup_key: config.lookupKey,
        product_data: { name: `Coursemint ${TIERS[tier].name}` },
        metadata: { tier, interval },
      },
      { idempotencyKey: `price-${config.lookupKey}-${config.amount}` },
    );
  }
  if (price.unit_amount !== config.amount || price.currency !== TIERS[tier].currency || price.recurring?.interval !== interval) {
    app.logger.error("subscription.price_mismatch", { lookupKey: config.lookupKey, stripeAmount: price.unit_amount, amount: config.amount });
    throw new AppError("internal", "This plan is not available right now.");
  }
  return price;
}
