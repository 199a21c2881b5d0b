import { coursePurchasePurpose } from "~/modules/marketplace/purchase.server";
import { subscriptionPurpose } from "~/modules/subscriptions/purpose.server";
import { AppError } from "~/utils/errors";
import type { PaymentPurpose, PaymentPurposeName } from "./purposes";

/**
 * How each purpose is priced, fulfilled and reversed. Capabilities register here; payments never
 * knows what a course or a plan is. Read at call time (not module load), so the import cycle
 * purposes → payments → registry → purposes is harmless.
 */
const purposes = (): Record<PaymentPurposeName, PaymentPurpose> => ({
  course_purchase: coursePurchasePurpose,
  subscription: subscriptionPurpose,
});

export function getPurpose(name: PaymentPurposeName): PaymentPurpose {
  const purpose = purposes()[name];
  if (!purpose) throw new AppError("bad_request", `Payments for "${name}" are not available.`);
  return purpose;
}
