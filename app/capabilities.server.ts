import { analyticsCapability } from "~/modules/analytics/capability.server";
import { licensingCapability } from "~/modules/licensing/capability.server";
import { marketplaceCapability } from "~/modules/marketplace/capability.server";
import { createPaymentRegistry } from "~/modules/payments/registry";
import { subscriptionsCapability } from "~/modules/subscriptions/capability.server";
import { tokensCapability } from "~/modules/tokens/capability.server";

/**
 * The capabilities that plug into payments, assembled in one place above every module: the Worker
 * entry puts this registry in the context, and the OpenAPI description of POST /api/payments/process
 * reads its purposes. Payments never imports a capability; a new one (tokens, licensing …) is added
 * to this list. Order matters only for Stripe
 * event types several capabilities handle: they run in this order.
 */
export const paymentRegistry = createPaymentRegistry([marketplaceCapability, subscriptionsCapability, tokensCapability, licensingCapability, analyticsCapability]);
