import { MINUTE } from "~/utils/clock";

/**
 * When a Stripe call whose outcome is unknown (a 5xx, a timeout, a lost or invalid answer) is
 * settled without anyone retrying it. Every retry before that — the same click again, the same
 * Idempotency-Key, another tab — re-sends the identical request under the same Stripe idempotency
 * key at once; these bounds are only for the cron (docs/decisions/010-unknown-outcomes.md).
 */
export const UNKNOWN_OUTCOME_POLICY = {
  /**
   * A payment or refund left open this long is looked at by the cron: a refund is re-sent or found
   * at Stripe. Younger ones may still have their own request running.
   */
  settleAfterMs: 5 * MINUTE,
  /**
   * One Stripe still does not know after this is given up: a payment is canceled (the buyer may pay
   * again), a refund is marked failed and its amount is refundable again. Well inside the 24 hours
   * Stripe keeps idempotency keys, and nothing re-sends a record after it is given up.
   */
  giveUpAfterMs: 60 * MINUTE,
} as const satisfies Record<string, number>;
