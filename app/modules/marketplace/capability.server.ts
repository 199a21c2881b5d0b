import type { PaymentCapability } from "~/modules/payments/registry";
import { coursePurchasePurpose } from "./purchase.server";

/** What the marketplace plugs into payments (assembled in app/capabilities.server.ts). */
export const marketplaceCapability: PaymentCapability = {
  name: "marketplace",
  purposes: { course_purchase: coursePurchasePurpose },
};
