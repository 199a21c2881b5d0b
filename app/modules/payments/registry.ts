import type * as z from "zod";
import type { AppContext } from "~/context.server";
import type { SessionUser } from "~/modules/auth/session.server";
import { AppError } from "~/utils/errors";
import type { stripeEvents } from "~drizzle/schema";
import type { DisputeEffect, PaymentForPurpose, PaymentPurpose, PaymentPurposeName, Quote } from "./purposes";

export type StripeEventRow = typeof stripeEvents.$inferSelect;
export type StripeEventOutcome = "processed" | "ignored";
/** Handles one stored Stripe event. Throwing makes the queue retry it. */
export type StripeEventHandler = (app: AppContext, event: StripeEventRow) => Promise<StripeEventOutcome>;

/**
 * What a capability (marketplace, subscriptions, tokens, licensing …) plugs into payments: the
 * purposes it sells and the Stripe events it owns. Capabilities import payments; payments never
 * imports a capability. The Worker entry assembles the list (app/capabilities.server.ts).
 */
export type PaymentCapability = {
  name: string;
  purposes?: Partial<Record<PaymentPurposeName, PaymentPurpose>>;
  stripeEventHandlers?: Record<string, StripeEventHandler>;
  paymentHooks?: PaymentHooks;
};

/** Part of a price paid another way (e.g. reward tokens), reserved by the capability under the payment id. */
export type PaymentAdjustment = { discount: number; metadata?: Record<string, string> };

/**
 * What a capability does on every payment, whatever its purpose (reward tokens paying part of a
 * course). `adjust` runs before the payment is written and may lower its amount by something it
 * reserves; the other hooks settle that reservation. Each must be idempotent: `paid` and `unpaid`
 * may run more than once, and `paid` may follow `unpaid` (a payer retries after a failure).
 */
export type PaymentHooks = {
  /** Fields of `POST /api/payments/process` the hooks read (e.g. `tokens`), accepted for every purpose. */
  inputSchema?: z.ZodObject;
  adjust?(app: AppContext, request: { user: SessionUser; paymentId: string; purpose: PaymentPurposeName; quote: Quote; input: unknown }): Promise<PaymentAdjustment | null>;
  /** The payment is paid; runs before the purpose fulfils it. */
  paid?(app: AppContext, payment: PaymentForPurpose): Promise<void>;
  /** The purpose fulfilled the paid payment (its records, e.g. instructor earnings, are written); once per payment. */
  fulfilled?(app: AppContext, payment: PaymentForPurpose): Promise<void>;
  /** The payment failed or was canceled (declined, Checkout expired, Stripe unavailable, never written). */
  unpaid?(app: AppContext, payment: PaymentForPurpose): Promise<void>;
  /** A refund succeeded (`payment.amountRefunded` includes it); once per refund id. */
  refunded?(app: AppContext, payment: PaymentForPurpose, refund: { id: string; amount: number }): Promise<void>;
  /** A dispute of the payment reached a stage (after the purpose's own `dispute`); idempotent per dispute id and stage. */
  disputed?(app: AppContext, payment: PaymentForPurpose, dispute: DisputeEffect): Promise<void>;
};

/** The assembled capabilities, carried on the AppContext (`app.payments`). */
export type PaymentRegistry = {
  purposes: Partial<Record<PaymentPurposeName, PaymentPurpose>>;
  /** Every handler of an event type, in registration order. */
  stripeEventHandlers: Record<string, StripeEventHandler[]>;
  paymentHooks: PaymentHooks[];
};

/** Builds the registry; two capabilities claiming the same purpose is a programming error. */
export function createPaymentRegistry(capabilities: readonly PaymentCapability[]): PaymentRegistry {
  const registry: PaymentRegistry = { purposes: {}, stripeEventHandlers: {}, paymentHooks: [] };
  for (const capability of capabilities) {
    for (const [name, purpose] of Object.entries(capability.purposes ?? {}) as [PaymentPurposeName, PaymentPurpose][]) {
      if (registry.purposes[name]) throw new Error(`Payment purpose "${name}" is registered twice (by ${capability.name}).`);
      registry.purposes[name] = purpose;
    }
    for (const [type, handler] of Object.entries(capability.stripeEventHandlers ?? {})) {
      (registry.stripeEventHandlers[type] ??= []).push(handler);
    }
    if (capability.paymentHooks) registry.paymentHooks.push(capability.paymentHooks);
  }
  return registry;
}

export function getPurpose(app: Pick<AppContext, "payments">, name: PaymentPurposeName): PaymentPurpose {
  const purpose = app.payments.purposes[name];
  if (!purpose) throw new AppError("bad_request", `Payments for "${name}" are not available.`);
  return purpose;
}

/** Runs every registered handler of the event's type; processed if any of them was. */
export async function dispatchToCapabilities(app: AppContext, event: StripeEventRow): Promise<StripeEventOutcome> {
  let outcome: StripeEventOutcome = "ignored";
  for (const handler of app.payments.stripeEventHandlers[event.type] ?? []) {
    if ((await handler(app, event)) === "processed") outcome = "processed";
  }
  return outcome;
}

/** Runs one lifecycle hook of every capability that has it, in registration order. */
export async function runPaymentHooks(app: AppContext, stage: "paid" | "fulfilled" | "unpaid", payment: PaymentForPurpose): Promise<void> {
  for (const hooks of app.payments.paymentHooks) await hooks[stage]?.(app, payment);
}
