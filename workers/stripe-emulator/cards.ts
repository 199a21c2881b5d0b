// Stripe's test payment methods (https://docs.stripe.com/testing): magic `pm_card_*` ids and the
// matching card numbers accepted by the hosted Checkout page.
export interface Decline {
  code: string;
  decline_code?: string;
  message: string;
}

export interface TestCard {
  token: string;
  number: string;
  brand: string;
  /** The charge fails with this decline. */
  decline?: Decline;
  /** Attaching the card to a customer already fails (Stripe validates it). */
  declinesOnAttach?: boolean;
  /** The charge succeeds, then the cardholder's bank opens a dispute (or an inquiry) about it. */
  dispute?: DisputeScenario;
}

/** What a dispute test card opens: Stripe's reason, and whether it is only an inquiry (no funds withdrawn). */
export interface DisputeScenario {
  reason: "fraudulent" | "product_not_received" | "general";
  inquiry: boolean;
}

const generic: Decline = { code: "card_declined", decline_code: "generic_decline", message: "Your card was declined." };

export const TEST_CARDS: TestCard[] = [
  { token: "pm_card_visa", number: "4242424242424242", brand: "visa" },
  { token: "pm_card_visa_debit", number: "4000056655665556", brand: "visa" },
  { token: "pm_card_mastercard", number: "5555555555554444", brand: "mastercard" },
  { token: "pm_card_amex", number: "378282246310005", brand: "amex" },
  { token: "pm_card_chargeDeclined", number: "4000000000000002", brand: "visa", decline: generic, declinesOnAttach: true },
  {
    token: "pm_card_chargeDeclinedInsufficientFunds",
    number: "4000000000009995",
    brand: "visa",
    decline: { code: "card_declined", decline_code: "insufficient_funds", message: "Your card has insufficient funds." },
    declinesOnAttach: true,
  },
  {
    token: "pm_card_chargeDeclinedExpiredCard",
    number: "4000000000000069",
    brand: "visa",
    decline: { code: "expired_card", decline_code: "expired_card", message: "Your card has expired." },
    declinesOnAttach: true,
  },
  {
    token: "pm_card_chargeDeclinedIncorrectCvc",
    number: "4000000000000127",
    brand: "visa",
    decline: { code: "incorrect_cvc", decline_code: "incorrect_cvc", message: "Your card's security code is incorrect." },
    declinesOnAttach: true,
  },
  // Succeed, then a dispute opens "shortly after" (docs/stripe-emulator.md, "Disputes").
  { token: "pm_card_createDispute", number: "4000000000000259", brand: "visa", dispute: { reason: "fraudulent", inquiry: false } },
  { token: "pm_card_createDisputeProductNotReceived", number: "4000000000002685", brand: "visa", dispute: { reason: "product_not_received", inquiry: false } },
  { token: "pm_card_createDisputeInquiry", number: "4000000000001976", brand: "visa", dispute: { reason: "fraudulent", inquiry: true } },
  // Attaches fine, every later charge fails: how Stripe's docs simulate failed renewals.
  { token: "pm_card_chargeCustomerFail", number: "4000000000000341", brand: "visa", decline: generic },
];

export function cardByToken(token: string) {
  const t = token.replace(/^tok_/, "pm_card_");
  return TEST_CARDS.find((c) => c.token === t);
}

export function cardByNumber(number: string) {
  const digits = number.replace(/[\s-]/g, "");
  return TEST_CARDS.find((c) => c.number === digits);
}
