import type { AppContext } from "~/context.server";
import { AppError } from "~/utils/errors";
import type { stripeEvents } from "~drizzle/schema";
import type { PaymentPurpose, PaymentPurposeName } from "./purposes";

export type StripeEventRow = typeof stripeEvents.$inferSelect;
export type StripeEventOutcome = "processed" | "ignored";
/** Handles one stored Stripe event. Throwing makes the queue retry it. */
export type StripeEventHandler = (app: AppContext, event: StripeEventRow) => Promise<StripeEventOutcome>;

/**
 * What a capability (marketplace, subscriptions, tokens, licensing …) plugs into payments: the
 * purposes it sells and the Stripe events it owns. Capabilities import payments; payments never
 * imports a capability. The Worker entry assembles the list (workers/capabilities.ts).
 */
export type PaymentCapability = {
  name: string;
  purposes?: Partial<Record<PaymentPurposeName, PaymentPurpose>>;
  stripeEventHandlers?: Record<string, StripeEventHandler>;
};

/** The assembled capabilities, carried on the AppContext (`app.payments`). */
export type PaymentRegistry = {
  purposes: Partial<Record<PaymentPurposeName, PaymentPurpose>>;
  /** Every handler of an event type, in registration order. */
  stripeEventHandlers: Record<string, StripeEventHandler[]>;
};

/** Builds the registry; two capabilities claiming the same purpose is a programming error. */
export function createPaymentRegistry(capabilities: readonly PaymentCapability[]): PaymentRegistry {
  const registry: PaymentRegistry = { purposes: {}, stripeEventHandlers: {} };
  for (const capability of capabilities) {
    for (const [name, purpose] of Object.entries(capability.purposes ?? {}) as [PaymentPurposeName, PaymentPurpose][]) {
      if (registry.purposes[name]) throw new Error(`Payment purpose "${name}" is registered twice (by ${capability.name}).`);
      registry.purposes[name] = purpose;
    }
    for (const [type, handler] of Object.entries(capability.stripeEventHandlers ?? {})) {
      (registry.stripeEventHandlers[type] ??= []).push(handler);
    }
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
